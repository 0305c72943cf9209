import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * OpenSSH's known_hosts, read the way ssh(1) reads it: plain and hashed
 * (`|1|salt|hash`) host entries, comma lists, `*`/`?` wildcards, `!` negation,
 * `[host]:port` for non-standard ports, and `@revoked` markers.
 */
export interface KnownKey {
  type: string;
  key: string; // base64 blob
  revoked: boolean;
}

export type HostKeyVerdict = { status: 'match' } | { status: 'unknown' } | { status: 'changed'; knownTypes: string[] } | { status: 'revoked' };

export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function readKnownHosts(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Keys recorded for host:port. */
export function knownKeysFor(text: string, host: string, port: number): KnownKey[] {
  const name = hostLookupName(host, port);
  const keys: KnownKey[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0].startsWith('@')) marker = fields.shift();
    if (marker === '@cert-authority') continue; // certificates are not supported; such lines never match
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) continue;
    if (matchesHostField(hosts, name)) keys.push({ type, key, revoked: marker === '@revoked' });
  }
  return keys;
}

function matchesHostField(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (globMatch(p.toLowerCase(), name.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

/** Compares the key the server presented with what known_hosts says. */
export function verifyHostKey(known: KnownKey[], presentedType: string, presentedKey: Buffer): HostKeyVerdict {
  const b64 = presentedKey.toString('base64');
  if (known.some((k) => k.revoked && k.key === b64)) return { status: 'revoked' };
  const sameType = known.filter((k) => !k.revoked && k.type === presentedType);
  if (sameType.some((k) => k.key === b64)) return { status: 'match' };
  const anyKnown = known.filter((k) => !k.revoked);
  if (anyKnown.length > 0) return { status: 'changed', knownTypes: [...new Set(anyKnown.map((k) => k.type))] };
  return { status: 'unknown' };
}

/** Key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function appendKnownHost(file: string, host: string, port: number, blob: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${hostLookupName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
}
