import { existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NodeSSH } from 'node-ssh';
import { ConnectError } from '../errors.js';
import type { InventoryHost } from '../inventory.js';
import { isSecret, Secret } from '../secret.js';
import { appendKnownHost, keyTypeOf, knownKeysFor, readKnownHosts, verifyHostKey, type HostKeyVerdict } from './known-hosts.js';

export interface ConnectOptions {
  /** Record the key of a host seen for the first time (OpenSSH's StrictHostKeyChecking=accept-new). A changed key is always refused. */
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

export const DEFAULT_KNOWN_HOSTS = join(homedir(), '.ssh', 'known_hosts');
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(homedir(), '.ssh', k));
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * The one SSH connection to a host for a whole run. Every remote action is an
 * exec on it; `roundTrips` counts them so reports and benchmarks can show it.
 */
export class HostConnection {
  roundTrips = 0;
  private constructor(
    readonly host: InventoryHost,
    private readonly ssh: NodeSSH,
    private readonly becomePassword?: Secret,
  ) {}

  static async open(host: InventoryHost, options: ConnectOptions = {}): Promise<HostConnection> {
    const timeout = options.connectTimeoutMs ?? 10_000;
    const knownHostsFile = host.knownHosts ?? DEFAULT_KNOWN_HOSTS;
    const known = knownKeysFor(readKnownHosts(knownHostsFile), host.address, host.port);
    let verdict: HostKeyVerdict | undefined;
    let presented: Buffer | undefined;
    const sock = await openSocket(host, timeout);
    const ssh = new NodeSSH();
    const privateKeyPath = host.privateKey ?? DEFAULT_KEYS.find((k) => existsSync(k));
    let privateKey: string | undefined;
    if (privateKeyPath) {
      try {
        privateKey = readFileSync(expandHome(privateKeyPath), 'utf8');
      } catch (err) {
        sock.destroy();
        throw new ConnectError(host.name, `cannot read private key ${privateKeyPath}: ${(err as NodeJS.ErrnoException).code}`);
      }
    }
    // Prefer the key types known_hosts already has for this host, as ssh(1) does,
    // so a host with several keys presents one we can check.
    const knownTypes = [...new Set(known.filter((k) => !k.revoked).map((k) => k.type))];
    const serverHostKey = [...knownTypes.filter((t) => HOST_KEY_ALGORITHMS.includes(t)), ...HOST_KEY_ALGORITHMS.filter((t) => !knownTypes.includes(t))];
    try {
      await ssh.connect({
        sock,
        host: host.address,
        port: host.port,
        username: host.user,
        privateKey,
        agent: process.env.SSH_AUTH_SOCK,
        readyTimeout: timeout,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        algorithms: { serverHostKey: serverHostKey as any },
        hostVerifier: (key: Buffer) => {
          presented = key;
          verdict = verifyHostKey(known, keyTypeOf(key), key);
          if (verdict.status === 'unknown' && options.acceptNewHostKeys) {
            appendKnownHost(knownHostsFile, host.address, host.port, key);
            return true;
          }
          return verdict.status === 'match';
        },
      });
    } catch (err) {
      sock.destroy();
      throw new ConnectError(host.name, describeConnectFailure(err, verdict, presented, host, knownHostsFile));
    }
    const bp = host.becomePassword;
    const password = bp === undefined || bp === null ? undefined : isSecret(bp) ? bp : new Secret(String(bp));
    return new HostConnection(host, ssh, password);
  }

  /** Runs one command line; `stdin` is written to it and closed. */
  async exec(command: string, stdin?: string): Promise<ExecResult> {
    this.roundTrips++;
    try {
      const r = await this.ssh.execCommand(command, { stdin, noTrim: true });
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.code };
    } catch (err) {
      throw new ConnectError(this.host.name, `connection lost: ${(err as Error).message}`);
    }
  }

  /** Runs a script (from remote-script.ts) with `sh`, as root through sudo when `become`. */
  runScript(script: string, become: boolean): Promise<ExecResult> {
    if (!become || this.host.user === 'root') return this.exec('sh -s', script);
    if (this.becomePassword) {
      // sudo -S reads the password from the first line of stdin; the script follows.
      return this.exec(`sudo -S -p '' -H -- sh -s`, `${this.becomePassword.reveal()}\n${script}`);
    }
    // -n: never wait on a password prompt nobody sees.
    return this.exec('sudo -n -H -- sh -s', script);
  }

  close(): void {
    this.ssh.dispose();
  }
}

function openSocket(host: InventoryHost, timeout: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: host.address, port: host.port });
    // Without no-delay every small command waits ~40 ms for a delayed ACK.
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ConnectError(host.name, `no answer from ${host.address}:${host.port} within ${timeout / 1000} s`));
    }, timeout);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ConnectError(host.name, `cannot connect to ${host.address}:${host.port}: ${err.code ?? err.message}`));
    });
  });
}

function describeConnectFailure(err: unknown, verdict: HostKeyVerdict | undefined, presented: Buffer | undefined, host: InventoryHost, knownHostsFile: string): string {
  if (verdict?.status === 'unknown') {
    return `host key of ${host.address}:${host.port} is not in ${knownHostsFile}; check it and add it (ssh-keyscan -p ${host.port} ${host.address} >> ${knownHostsFile}), or run once with --accept-new-host-keys`;
  }
  if (verdict?.status === 'changed') {
    return `HOST KEY CHANGED for ${host.address}:${host.port}: the server presented a ${presented ? keyTypeOf(presented) : ''} key that does not match ${knownHostsFile} (known types: ${verdict.knownTypes.join(', ')}). This may be an attack; if the host was rebuilt, remove the old entry (ssh-keygen -R ${host.port === 22 ? host.address : `'[${host.address}]:${host.port}'`}) and connect again`;
  }
  if (verdict?.status === 'revoked') return `host key of ${host.address}:${host.port} is marked @revoked in ${knownHostsFile}`;
  const message = (err as Error).message ?? String(err);
  if (/authentication methods failed/i.test(message)) return `authentication failed for user ${host.user} (key refused)`;
  if (/Timed out/i.test(message)) return `SSH handshake timed out`;
  return message;
}

function expandHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
