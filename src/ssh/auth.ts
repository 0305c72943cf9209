import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
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

/**
 * A key file's text parsed once per run: every host of a fleet logs in with the same few keys,
 * and parsing one (~0.6 ms) and decoding it for each signature (~1–2 ms, see signsWithDecodedKey)
 * were a third of the controller's CPU per host at 1,000 hosts.
 */
function parseKey(text: string): ParsedKey | Error {
  let parsed = parsedKeys.get(text);
  if (!parsed) {
    const r = ssh2.utils.parseKey(text) as ParsedKey | ParsedKey[] | Error;
    parsed = Array.isArray(r) ? r[0] : r;
    if (!(parsed instanceof Error)) signsWithDecodedKey(parsed);
    parsedKeys.set(text, parsed);
  }
  return parsed;
}

const parsedKeys = new Map<string, ParsedKey | Error>();

/**
 * ssh2 keeps a private key as PEM text and hands that text to crypto.sign for every signature,
 * so OpenSSL decodes the key again each time (~1–2 ms; signing itself takes ~0.1 ms). The same
 * crypto.sign with the same hash, given the key decoded once: the signature is the one ssh2
 * would make. The PEM and hash are on ssh2's own symbols; if a later ssh2 keeps them elsewhere,
 * the key is left to sign as ssh2 does (test/unit/ssh-auth-sign.test.ts notices).
 */
export function signsWithDecodedKey(key: ParsedKey): boolean {
  const own = (description: string): symbol | undefined => Object.getOwnPropertySymbols(key).find((s) => s.description === description);
  const pemSymbol = own('Private key PEM');
  const hashSymbol = own('Hash Algorithm');
  const fields = key as unknown as Record<symbol, unknown>;
  const pem = pemSymbol && fields[pemSymbol];
  if (typeof pem !== 'string' || !hashSymbol) return false;
  const decoded = createPrivateKey(pem);
  const defaultHash = fields[hashSymbol] as string | null;
  // As ssh2's own sign: a failure is returned, not thrown (its callers test for an Error).
  key.sign = ((data: Buffer | string, hash?: string) => {
    try {
      return cryptoSign(hash && typeof hash === 'string' ? hash : defaultHash, typeof data === 'string' ? Buffer.from(data) : data, decoded);
    } catch (err) {
      return err as Error;
    }
  }) as ParsedKey['sign'];
  return true;
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
