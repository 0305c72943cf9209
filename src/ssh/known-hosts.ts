import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { hostFieldMatches } from './host-names.js';
import { readTextCached } from '../file-text-cache.js';

/**
 * OpenSSH's known_hosts files, read line by line as ssh(1) reads them
 * (hostfile.c hostkeys_foreach_file): an optional `@revoked` or
 * `@cert-authority` marker, a host field (patterns or a `|1|` hash), a key.
 * A line ssh would skip as malformed (an unknown marker, two markers, a bad
 * hash, a key that does not parse or whose type disagrees with its blob) is
 * skipped here too: such a line never trusts, revokes or blocks anything.
 */
export type Marker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: Marker;
  /** The key type inside the blob: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa… */
  type: string;
  /** The key blob, base64. */
  key: string;
}

const MARKERS: Record<string, Marker> = { '@revoked': 'revoked', '@cert-authority': 'cert-authority' };

/** Key type names ssh accepts in known_hosts, with the blob type each stands for. */
const KEY_TYPE_NAMES: Record<string, string> = {
  'ssh-ed25519': 'ssh-ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521': 'ecdsa-sha2-nistp521',
  'ssh-rsa': 'ssh-rsa',
  'rsa-sha2-256': 'ssh-rsa',
  'rsa-sha2-512': 'ssh-rsa',
  'ssh-dss': 'ssh-dss',
  'sk-ssh-ed25519@openssh.com': 'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com': 'sk-ecdsa-sha2-nistp256@openssh.com',
};
/** Types ssh2 cannot parse (security-key host keys): checked by their blob's type only. */
const UNPARSED_TYPES = new Set(['sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com']);

/** The entries of `text` (the contents of `file`) whose host field names `name`. */
export function entriesFor(text: string, file: string, name: string): KnownHostEntry[] {
  const { lines, candidatesFor } = lineIndex(text);
  const out: KnownHostEntry[] = [];
  for (const i of candidatesFor(name)) {
    const entry = parseLine(lines[i], name);
    if (entry) out.push({ file, line: i + 1, ...entry });
  }
  return out;
}

interface LineIndex {
  lines: string[];
  /** The lines that may name `name`, in file order: every other line provably does not. */
  candidatesFor(name: string): number[];
}

/**
 * Which lines can name a host, worked out once per file text. A fleet's known_hosts holds a line
 * per host and every host of a run looks itself up in it: judging every line for every host is
 * quadratic (1,000 hosts: a million lines parsed). A line whose host field is a list of plain
 * names (no `*`, `?`, `!`, hash, nor a subpattern ssh gives up on) names exactly those names,
 * lowercased (matchHostPatternList): it is indexed under them. Every other line (hashed,
 * wildcard, negated, a marker) stays a candidate for every name. parseLine still judges each
 * candidate, so the entries found are exactly those of a full scan.
 */
function lineIndex(text: string): LineIndex {
  const cached = lineIndexes.get(text);
  if (cached) return cached;
  const lines = text.split('\n');
  const byName = new Map<string, number[]>();
  const always: number[] = [];
  lines.forEach((raw, i) => {
    const rest = raw.replace(/^[ \t]+/, '');
    if (rest === '' || rest.startsWith('#')) return;
    const field = rest.split(/[ \t]+/)[0];
    if (rest.startsWith('@') || field.startsWith('|') || /[*?!]/.test(field) || field.split(',').some((sub) => sub.length >= 1023)) {
      always.push(i);
      return;
    }
    for (const sub of new Set(field.toLowerCase().split(','))) {
      const list = byName.get(sub);
      if (list) list.push(i);
      else byName.set(sub, [i]);
    }
  });
  const index: LineIndex = {
    lines,
    candidatesFor: (name) => {
      const named = byName.get(name.toLowerCase()) ?? [];
      return always.length === 0 ? named : [...named, ...always].sort((a, b) => a - b);
    },
  };
  // A run reads a handful of files (user, global, a test's own); the texts stay few.
  if (lineIndexes.size >= 16) lineIndexes.clear();
  lineIndexes.set(text, index);
  return index;
}

const lineIndexes = new Map<string, LineIndex>();

function parseLine(raw: string, name: string): Omit<KnownHostEntry, 'file' | 'line'> | undefined {
  let rest = raw.replace(/^[ \t]+/, '');
  if (rest === '' || rest.startsWith('#')) return undefined;
  let marker: Marker | undefined;
  while (rest.startsWith('@')) {
    if (marker) return undefined; // only one marker is allowed
    const end = rest.search(/[ \t]/);
    if (end < 0) return undefined;
    marker = MARKERS[rest.slice(0, end)];
    if (!marker) return undefined; // a misspelt marker: ssh ignores the line
    rest = rest.slice(end).replace(/^[ \t]+/, '');
  }
  const [hosts, typeName, blob] = rest.split(/[ \t]+/);
  const matched = hostFieldMatches(hosts, name);
  if (!matched) return undefined;
  const key = parseKey(typeName, blob);
  return key && { ...(marker ? { marker } : {}), ...key };
}

/**
 * A public key as ssh's sshkey_read takes it: a known type name and a blob of that type.
 * Remembered by its text: every host of a run looks up its own line, and ssh2's key parse
 * (which builds the key's PEM) was the larger part of each host's known_hosts lookup.
 */
function parseKey(typeName: string | undefined, blob: string | undefined): { type: string; key: string } | undefined {
  if (!typeName || !blob) return undefined;
  const text = `${typeName} ${blob}`;
  if (parsedKeys.has(text)) return parsedKeys.get(text);
  const parsed = parseKeyText(typeName, blob);
  if (parsedKeys.size >= 100_000) parsedKeys.clear();
  parsedKeys.set(text, parsed);
  return parsed;
}

const parsedKeys = new Map<string, { type: string; key: string } | undefined>();

function parseKeyText(typeName: string, blob: string): { type: string; key: string } | undefined {
  const type = KEY_TYPE_NAMES[typeName];
  const b64 = blob.replace(/\r$/, '');
  if (!type || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < 4 || keyTypeOf(bytes) !== type) return undefined;
  if (!UNPARSED_TYPES.has(type) && ssh2.utils.parseKey(`${type} ${b64}`) instanceof Error) return undefined;
  return { type, key: bytes.toString('base64') };
}

export interface KnownHostsFile {
  file: string;
  text: string;
}

/** Each file's text, in order; a missing or unreadable file is empty, as for ssh. */
export function readKnownHostsFiles(files: string[]): KnownHostsFile[] {
  return files.map((file) => ({ file, text: readKnownHosts(file) }));
}

/** Entries for `name` from each file in order. */
export function entriesIn(files: KnownHostsFile[], name: string): KnownHostEntry[] {
  return files.flatMap((f) => entriesFor(f.text, f.file, name));
}

function readKnownHosts(file: string): string {
  try {
    return readTextCached(file) ?? '';
  } catch {
    return ''; // missing or unreadable (a directory, no permission): ssh skips it too
  }
}

/** Key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

/** ssh-keygen -l's default fingerprint: SHA256:base64 without padding. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Appends `name type key` (what ssh's accept-new writes, unhashed as with HashKnownHosts no). */
export function appendKnownHost(file: string, name: string, blob: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
}
