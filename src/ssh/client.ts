import { createHash } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client } from 'ssh2';
import { AuthSetupError, prepareAuth, type Auth } from './auth.js';
import { describeEndpoint, type Endpoint } from './endpoint.js';
import { HostKeyPolicy } from './host-key-policy.js';

import { retryRefusedBeforeGreeting } from './greeting-retry.js';
import { RefusedBeforeGreeting, RefusedOnEveryAttempt, SshReachError } from './reach-errors.js';

export { RefusedBeforeGreeting, SshReachError } from './reach-errors.js';

export interface HandshakeOptions {
  acceptNewHostKeys?: boolean;
  /** false: accept unknown and changed host keys (ansible.cfg host_key_checking = False); never a revoked one. */
  hostKeyChecking?: boolean;
  /** Each key accepted only because checking is off, for the run's output. */
  onUncheckedHostKey?: (note: string) => void;
  timeoutMs: number;
  /** -vvv: ssh2's handshake log (algorithms negotiated, channels) and the host key's fingerprint. */
  debug?: (line: string) => void;
}

/** A TCP connection to host:port, with no-delay set (else every small command waits ~40 ms for a delayed ACK). */
export function openSocket(address: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: address, port });
    sock.setNoDelay(true);
    coalesceWrites(sock);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new SshReachError(`no answer from ${address}:${port} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new SshReachError(`cannot connect to ${address}:${port}: ${err.code ?? err.message}`));
    });
  });
}

/**
 * With no-delay on, every write is a TCP segment of its own, and ssh2 writes
 * each SSH packet separately: corking the socket from the first write of a
 * tick to the end of it sends what one tick produced (a reply of several
 * packets, a channel request and its data) as one segment, in one system call.
 */
function coalesceWrites(sock: Socket): void {
  const write = sock.write;
  let corked = false;
  sock.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(() => {
        corked = false;
        sock.uncork();
      });
    }
    return write.apply(this, args as never);
  } as Socket['write'];
}

/** A direct-tcpip channel from `via` to address:port: the jump host makes the TCP connection. */
export function forwardThrough(via: Client, viaName: string, address: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new SshReachError(`jump host ${viaName} got no connection to ${address}:${port} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    try {
      via.forwardOut('127.0.0.1', 0, address, port, (err, channel) => {
        clearTimeout(timer);
        if (done) {
          channel?.close();
          return;
        }
        done = true;
        if (err) reject(new SshReachError(`jump host ${viaName} cannot connect to ${address}:${port}: ${err.message.replace(/^\(SSH\) Channel open failure: /, '')}`));
        else resolve(channel);
      });
    } catch (err) {
      clearTimeout(timer);
      done = true;
      reject(new SshReachError(`jump host ${viaName}: connection lost: ${(err as Error).message}`));
    }
  });
}

/**
 * The SSH handshake with one server over `sock`: its host key checked against
 * known_hosts (a key seen for the first time is recorded only with
 * acceptNewHostKeys; a changed one is always refused), then public-key auth.
 */
export function handshake(e: Endpoint, sock: Duplex, options: HandshakeOptions): Promise<Client> {
  let auth: Auth;
  try {
    auth = prepareAuth(e);
  } catch (err) {
    sock.destroy();
    throw err instanceof AuthSetupError ? new SshReachError(err.message) : err;
  }
  // Every known_hosts file is read before connecting: the key types known
  // for the host come first in the offer, as ssh(1) does, so a host with
  // several keys presents one we can check.
  // --accept-new-host-keys, or StrictHostKeyChecking accept-new in the ssh config.
  const hostKeys = new HostKeyPolicy(e, options.acceptNewHostKeys === true || e.acceptNewHostKeys === true, options.hostKeyChecking !== false);
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      client.end();
      sock.destroy();
      // ssh2's words for a close before the server's version line: how sshd refuses a connection
      // past MaxStartups ("Exceeded MaxStartups", then close), tried again (greeting-retry.ts).
      if ((err as Error).message === 'Connection lost before handshake') reject(new RefusedBeforeGreeting('the server closed the connection before its SSH greeting'));
      else reject(new SshReachError(describeFailure(err, hostKeys, e, auth)));
    };
    // A reset or broken socket is judged when it closes, a moment later: ssh2 then says whether the
    // server's version line had come (a reset of a refused connection is not a broken handshake).
    let socketError: Error | undefined;
    client.on('error', (err: Error & { level?: string }) => {
      // An agent that fails to sign: ssh2 goes on with the next key.
      if (err.level === 'agent') return void auth.notes.push(`ssh-agent: ${err.message}`);
      if (err.level === 'client-socket' && !socketError) return void (socketError = err);
      fail(err);
    });
    client.once('ready', () => {
      settled = true;
      for (const note of hostKeys.uncheckedNotes) options.onUncheckedHostKey?.(note);
      resolve(client);
    });
    client.once('close', () => fail(socketError ?? new Error('connection closed during the SSH handshake')));
    client.connect({
      sock: sock as never,
      host: e.address,
      port: e.port,
      username: e.user,
      authHandler: auth.handler,
      readyTimeout: options.timeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeys.algorithms() as never },
      hostVerifier: (key: Buffer) => {
        options.debug?.(`host key ${e.address}:${e.port} SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`);
        return hostKeys.verify(key);
      },
      debug: options.debug,
    });
    ignoreHostKeysAnnouncement(client);
  });
}

type GlobalRequestHandler = (p: unknown, name: string, wantReply: boolean, data: unknown) => void;

/**
 * After authentication OpenSSH announces all its host keys
 * (hostkeys-00@openssh.com, for clients that keep known_hosts up to date), and
 * ssh2 always answers by asking the server to sign with each of them: on every
 * connection the server makes one signature per host key (RSA included) and
 * ssh2 checks them, for a 'hostkeys' event. We check the host's key in the
 * handshake and never rewrite known_hosts from the announcement, so it is left
 * unanswered, as OpenSSH's own client does with UpdateHostKeys=no. ssh2 keeps
 * its message handlers on the protocol object it creates in connect(); if a
 * later ssh2 moves them, this does nothing (test/integration/ssh-handshake.test.ts
 * notices).
 */
function ignoreHostKeysAnnouncement(client: Client): void {
  const handlers = (client as unknown as { _protocol?: { _handlers?: { GLOBAL_REQUEST?: GlobalRequestHandler } } })._protocol?._handlers;
  const answer = handlers?.GLOBAL_REQUEST;
  if (!handlers || typeof answer !== 'function') return;
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data) => {
    // OpenSSH sends it without want-reply; one that wants a reply gets ssh2's usual one.
    if (name === 'hostkeys-00@openssh.com' && !wantReply) return;
    answer(p, name, wantReply, data);
  };
}

function describeFailure(err: unknown, hostKeys: HostKeyPolicy, e: Endpoint, auth: Auth): string {
  const refused = hostKeys.refusal();
  if (refused) return refused;
  const message = (err as Error).message ?? String(err);
  if (/authentication methods failed/i.test(message)) {
    const tried = auth.tried.length ? `tried ${auth.tried.join(', ')}` : 'no key to offer: no private_key, no IdentityFile, no ~/.ssh/id_ed25519, id_ecdsa or id_rsa, and no ssh-agent (SSH_AUTH_SOCK)';
    return `authentication failed for user ${e.user} (key refused; ${tried})${auth.notes.length ? `; ${auth.notes.join('; ')}` : ''}`;
  }
  if (/Timed out/i.test(message)) return `SSH handshake timed out`;
  return message;
}

interface PoolEntry {
  refs: number;
  client: Promise<Client>;
  releaseParent?: () => void;
}

export interface Lease {
  client: Client;
  release(): void;
}

const pool = new Map<string, PoolEntry>();

function chainKey(chain: Endpoint[]): string {
  return JSON.stringify(chain.map((e) => [e.user, e.address, e.port, e.userKnownHostsFiles, e.globalKnownHostsFiles, e.hostKeyAlias, e.keyFiles.map((k) => k.path), e.agent, e.identitiesOnly]));
}

/**
 * A connection to the last jump host of `chain`, reached through the ones
 * before it. Targets behind the same jump host share one connection to it;
 * it is closed when the last of them releases it.
 */
export async function acquireJump(chain: Endpoint[], options: HandshakeOptions): Promise<Lease> {
  const key = chainKey(chain);
  let entry = pool.get(key);
  if (!entry) {
    const fresh: PoolEntry = { refs: 0, client: Promise.resolve(undefined as never) };
    fresh.client = connectJump(chain, options, fresh).catch((err) => {
      if (pool.get(key) === fresh) pool.delete(key);
      throw err;
    });
    fresh.client.then((c) => c.on('close', () => pool.get(key) === fresh && pool.delete(key)), () => {});
    pool.set(key, fresh);
    entry = fresh;
  }
  const held = entry;
  held.refs++;
  let client: Client;
  try {
    client = await held.client;
  } catch (err) {
    held.refs--;
    throw err;
  }
  let released = false;
  return {
    client,
    release() {
      if (released) return;
      released = true;
      if (--held.refs > 0) return;
      if (pool.get(key) === held) pool.delete(key);
      client.end();
      held.releaseParent?.();
    },
  };
}

async function connectJump(chain: Endpoint[], options: HandshakeOptions, entry: PoolEntry): Promise<Client> {
  const hop = chain[chain.length - 1];
  const name = describeEndpoint(hop);
  // Each way of opening names the jump host in its errors.
  let open: () => Promise<Duplex>;
  if (chain.length === 1) {
    open = () =>
      openSocket(hop.address, hop.port, options.timeoutMs).catch((err: Error) => {
        throw new SshReachError(`jump host ${name}: ${err.message}`);
      });
  } else {
    const parent = await acquireJump(chain.slice(0, -1), options);
    entry.releaseParent = () => parent.release();
    open = () => forwardThrough(parent.client, describeEndpoint(chain[chain.length - 2]), hop.address, hop.port, options.timeoutMs);
  }
  const attempt = async (): Promise<Client> => {
    const sock = await open();
    try {
      return await handshake(hop, sock, options);
    } catch (err) {
      if (err instanceof RefusedBeforeGreeting) throw err; // tried again
      throw new SshReachError(`jump host ${name}: ${(err as Error).message}`);
    }
  };
  try {
    const client = await retryRefusedBeforeGreeting(attempt, { onRetry: options.debug && retryNote(options.debug, name) });
    client.on('error', () => {}); // the targets behind it see their channels close
    return client;
  } catch (err) {
    entry.releaseParent?.();
    if (err instanceof RefusedOnEveryAttempt) throw new SshReachError(`jump host ${name}: ${err.message}`);
    throw err;
  }
}

/** -vvv: a connection refused before the greeting, and the wait before the next attempt. */
export function retryNote(debug: (line: string) => void, server: string): (failedAttempt: number, waitMs: number) => void {
  return (failedAttempt, waitMs) => debug(`${server} closed connection attempt ${failedAttempt} before its SSH greeting (sshd's MaxStartups?): trying again in ${waitMs} ms`);
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Runs one command line; `stdin` is written to it and closed. Output is decoded once at the end, so no character is split. */
export function execCommand(client: Client, command: string, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let exitCode: number | null = null;
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => errOut.push(d));
        channel.on('exit', (code: number | null) => (exitCode = typeof code === 'number' ? code : null));
        channel.on('close', () => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), exitCode }));
        channel.end(stdin ?? '');
      });
    } catch (err) {
      reject(err);
    }
  });
}

