import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';
import type { Endpoint } from './endpoint.js';

/**
 * Public-key authentication the way ssh(1) does it: the key files the
 * inventory or the ssh config name, then the keys in ssh-agent, then the
 * default ~/.ssh/id_* files. Each is offered in turn until the server accepts
 * one. An agent that cannot be reached (a stale SSH_AUTH_SOCK) just offers no
 * keys instead of failing the connection.
 */
export interface Auth {
  handler: AuthHandlerMiddleware;
  /** What was offered, for the message when every one was refused. */
  tried: string[];
  /** Keys skipped and why (encrypted, unreadable, agent unreachable). */
  notes: string[];
}

export class AuthSetupError extends Error {}

interface Candidate {
  label: string;
  method: AnyAuthMethod;
}

export function prepareAuth(e: Endpoint): Auth {
  const notes: string[] = [];
  const tried: string[] = [];
  const first: Candidate[] = [];
  const last: Candidate[] = [];
  const allowed = new Set<string>(); // public blobs of the key files, for IdentitiesOnly
  for (const k of e.keyFiles) {
    let text: string;
    try {
      text = readFileSync(k.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (k.required) throw new AuthSetupError(`cannot read private key ${k.path}: ${code}`);
      if (code !== 'ENOENT') notes.push(`${k.path}: ${code}`);
      const pub = publicBlobOf(`${k.path}.pub`);
      if (pub) allowed.add(pub);
      continue;
    }
    const parsed = parseKey(text);
    if (parsed instanceof Error) {
      const pub = publicBlobOf(`${k.path}.pub`);
      if (pub) allowed.add(pub);
      if (/passphrase/i.test(parsed.message)) notes.push(`${k.path} is encrypted (provision asks for no passphrase: add it to ssh-agent)`);
      else if (k.required) throw new AuthSetupError(`cannot use private key ${k.path}: ${parsed.message}`);
      else notes.push(`${k.path}: ${parsed.message}`);
      continue;
    }
    allowed.add(parsed.getPublicSSH().toString('base64'));
    // A public key names an agent key (for IdentitiesOnly), as in ssh.
    if (!parsed.isPrivateKey()) continue;
    (k.fallback ? last : first).push({ label: k.path, method: { type: 'publickey', username: e.user, key: parsed } });
  }
  const candidates = [...first];
  const sock = e.agentSocket;
  if (e.agent && sock) {
    const agent = new QuietAgent(sock, e.identitiesOnly ? allowed : undefined, (err) => notes.push(`ssh-agent at ${sock}: ${err.message}`), (n) => {
      const i = tried.indexOf('ssh-agent');
      if (i >= 0) tried[i] = `ssh-agent (${n} key${n === 1 ? '' : 's'})`;
    });
    candidates.push({ label: 'ssh-agent', method: { type: 'agent', username: e.user, agent } });
  }
  candidates.push(...last);
  let next = 0;
  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, callback) => {
    while (next < candidates.length) {
      const c = candidates[next++];
      if (methodsLeft && !methodsLeft.includes('publickey')) continue;
      tried.push(c.label);
      callback(c.method);
      return;
    }
    callback(false as unknown as AnyAuthMethod);
  };
  return { handler, tried, notes };
}

function parseKey(text: string): ParsedKey | Error {
  const r = ssh2.utils.parseKey(text) as ParsedKey | ParsedKey[] | Error;
  return Array.isArray(r) ? r[0] : r;
}

function publicBlobOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim().split(/\s+/)[1];
  } catch {
    return undefined;
  }
}

/** ssh-agent client that offers no keys (and says why) instead of failing the connection, and can offer only some keys. */
class QuietAgent extends ssh2.OpenSSHAgent {
  constructor(
    socketPath: string,
    private readonly only: Set<string> | undefined,
    private readonly onError: (err: Error) => void,
    private readonly onKeys: (count: number) => void,
  ) {
    super(socketPath);
  }

  override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    super.getIdentities((err, found) => {
      const keys = found as ParsedKey[] | undefined;
      if (err || !keys) {
        this.onError(err ?? new Error('no answer'));
        this.onKeys(0);
        cb(undefined, []);
        return;
      }
      const offered = this.only ? keys.filter((k) => this.only!.has(k.getPublicSSH().toString('base64'))) : keys;
      this.onKeys(offered.length);
      cb(undefined, offered);
    });
  }
}
