import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { bcryptHash, bcryptMatches, deterministicSalt, MAX_COST, warmBcrypt } from '../src/bcrypt.js';
import { fact, fileFact } from '../src/facts.js';
import { planAttributes } from '../src/file-plan.js';
import { nothingToDo, type Change, type Step } from '../src/plan.js';
import { absolutePath, accountName, fileMode, secretString } from '../src/schemas.js';
import { Secret } from '../src/secret.js';
import { quote } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

/*
 * htpasswd: users and password hashes in an Apache/nginx basic-auth file.
 *
 * The current file is read by a fact (its output is never printed); the planner
 * checks each wanted password against the stored hash on the controller, so an
 * entry that already verifies is left byte for byte as it is and a second run
 * changes nothing. Only changed entries get a new bcrypt hash, with a salt
 * derived from the controller's key, the file and the user (src/bcrypt.ts): a
 * host rebuilt from scratch gets the same bytes. The new file travels as a
 * Secret and the diff names users, never hashes.
 */

const BCRYPT_MAX_BYTES = 72;

const userName = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9._@-]+$/, 'expected a user name of letters, digits and . _ @ - (no ":", spaces or newlines)');

const userSchema = z
  .strictObject({
    name: userName.describe('The login name.'),
    password: secretString.optional().describe('The password (a secret: give it with !secret or a variable from -e/a vars file). Needed unless state is absent.'),
    state: z.enum(['present', 'absent']).default('present').describe('absent: remove this user from the file.'),
  })
  .superRefine((u, ctx) => {
    if (u.state === 'present' && u.password === undefined) ctx.addIssue({ code: 'custom', message: 'a present user needs a password', path: ['password'] });
    if (u.password !== undefined) {
      const bytes = Buffer.byteLength(u.password.reveal());
      if (bytes === 0) ctx.addIssue({ code: 'custom', message: 'the password is empty', path: ['password'] });
      if (bytes > BCRYPT_MAX_BYTES) ctx.addIssue({ code: 'custom', message: `the password is longer than ${BCRYPT_MAX_BYTES} bytes, and bcrypt ignores everything after that`, path: ['password'] });
    }
  });

const schema = z
  .strictObject({
    path: absolutePath.describe('The htpasswd file, e.g. /etc/nginx/.htpasswd (created if missing).'),
    users: z.array(userSchema).min(1).describe('Users to have in (or remove from) the file, each { name, password (a secret), state: present|absent }. An entry whose stored hash already matches the password is left as it is.'),
    exclusive: z.boolean().default(false).describe('Remove every user of the file not listed in users. Default: every line the task does not manage is kept byte for byte (any encoding, CRLF too).'),
    owner: accountName.optional().describe('Owner user. Unset: keep the current owner (root for a new file).'),
    group: accountName.optional().describe('Owner group; nginx and Apache read the file as www-data.'),
    mode: fileMode.optional().describe('Mode, octal, e.g. "0640". Unset: keep the current mode (0644 for a new file).'),
    cost: z.number().int().min(4).max(MAX_COST).default(10).describe('bcrypt cost for new hashes (each step doubles the work).'),
  })
  .superRefine((a, ctx) => {
    const seen = new Map<string, number>();
    a.users.forEach((u, i) => {
      if (seen.has(u.name)) ctx.addIssue({ code: 'custom', message: `user "${u.name}" is listed twice (also users[${seen.get(u.name)}])`, path: ['users', i, 'name'] });
      else seen.set(u.name, i);
    });
  })
  .describe('Basic-auth users in an htpasswd file with bcrypt hashes; the diff names users, never passwords or hashes.');

type HtpasswdArgs = z.infer<typeof schema>;

// --- Hashes ----------------------------------------------------------------

/** Whether `password` matches a stored htpasswd hash; null when the scheme cannot be checked here (crypt, plain). */
export function verifyHash(password: string, hash: string): boolean | null {
  // Salts are deterministic (path, user, cost), so every host of a fleet holds the same hash of
  // the same password: checked once (bcrypt or 1,000 rounds of MD5), answered from memory after.
  const key = `${hash}\u0000${password}`;
  const known = verified.get(key);
  if (known !== undefined) return known;
  const answer = verifyHashOnce(password, hash);
  if (verified.size >= 1024) verified.clear();
  verified.set(key, answer);
  return answer;
}

/** Answers of verifyHash, in this process's memory only, where the passwords already are. */
const verified = new Map<string, boolean | null>();

function verifyHashOnce(password: string, hash: string): boolean | null {
  if (/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
    try {
      return bcryptMatches(password, hash);
    } catch {
      return null;
    }
  }
  const apr = /^\$apr1\$([^$]{0,8})\$[./0-9A-Za-z]{22}$/.exec(hash);
  if (apr) return safeEqual(apr1(password, apr[1]), hash);
  if (hash.startsWith('{SHA}')) return safeEqual(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
  return null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Apache's MD5 crypt ($apr1$), to verify entries made by `htpasswd -m`. */
export function apr1(password: string, salt: string): string {
  const md5 = (...parts: (Buffer | string)[]): Buffer => {
    const h = createHash('md5');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const pw = Buffer.from(password, 'utf8');
  const magic = '$apr1$';
  const alt = md5(pw, salt, pw);
  const ctx = createHash('md5').update(pw).update(magic).update(salt);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let final: Buffer = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [];
    parts.push(i & 1 ? pw : final);
    if (i % 3) parts.push(Buffer.from(salt));
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? final : pw);
    final = md5(...parts);
  }
  const to64 = (v: number, n: number): string => {
    let s = '';
    for (let k = 0; k < n; k++, v >>= 6) s += ITOA64[v & 0x3f];
    return s;
  };
  const f = final;
  const out =
    to64((f[0] << 16) | (f[6] << 8) | f[12], 4) +
    to64((f[1] << 16) | (f[7] << 8) | f[13], 4) +
    to64((f[2] << 16) | (f[8] << 8) | f[14], 4) +
    to64((f[3] << 16) | (f[9] << 8) | f[15], 4) +
    to64((f[4] << 16) | (f[10] << 8) | f[5], 4) +
    to64(f[11], 2);
  return `${magic}${salt}$${out}`;
}

/** The bcrypt hash for `user` in `path`, with the $2y$ prefix `htpasswd -B` writes (same algorithm as $2b$; Apache and nginx accept it). */
export function newEntryHash(path: string, user: string, password: string, cost: number): string {
  return bcryptHash(password, deterministicSalt(path, user, cost)).replace(/^\$2b\$/, '$2y$');
}

// --- Facts -----------------------------------------------------------------

export interface HtpasswdFile {
  /** 'absent', 'file', 'other' (a directory…), or 'unreadable' (exists, but this user may not read it). */
  kind: 'absent' | 'file' | 'other' | 'unreadable';
  /**
   * The file's lines (without the final newline), one character per byte (latin1),
   * so a line the task does not manage is written back byte for byte whatever its
   * encoding; a CRLF line keeps its "\r". Hashes: never print these.
   */
  lines: string[];
}

export function htpasswdFact(path: string) {
  const p = quote(path);
  const script = `if [ -L ${p} ] || { [ -e ${p} ] && [ ! -f ${p} ]; }; then echo other; elif [ -f ${p} ] && [ ! -r ${p} ]; then echo unreadable; elif [ -f ${p} ]; then echo file && base64 < ${p}; else echo absent; fi`;
  return fact(`htpasswd:${path}`, script, ({ stdout, exitCode }): HtpasswdFile => {
    const [kind, ...b64] = stdout.split('\n');
    if (kind === 'other' || kind === 'unreadable') return { kind, lines: [] };
    if (kind !== 'file') return { kind: 'absent', lines: [] };
    // Never plan from half a file: that would drop the users we did not read.
    if (exitCode !== 0) return { kind: 'unreadable', lines: [] };
    const text = Buffer.from(b64.join(''), 'base64').toString('latin1');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return { kind: 'file', lines };
  });
}

// --- Planner ---------------------------------------------------------------

function entryName(line: string): string | undefined {
  if (line.startsWith('#')) return undefined;
  const i = line.indexOf(':');
  return i > 0 ? line.slice(0, i) : undefined;
}

/** A stored entry's hash, without the "\r" of a CRLF line. */
function storedHash(line: string, name: string): string {
  return line.slice(name.length + 1).replace(/\r$/, '');
}

/** A name read from the file (latin1 bytes) as a person reads it: UTF-8 when it is, else with \xNN escapes. */
function displayName(latin1: string): string {
  const bytes = Buffer.from(latin1, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}

export const htpasswd = defineTask({
  name: 'htpasswd',
  summary: 'Users in an htpasswd file (bcrypt), without ever showing a password or hash.',
  schema: schema as z.ZodType<HtpasswdArgs>,
  example: `- name: Basic-auth users for /pa/
  htpasswd:
    path: /etc/nginx/.htpasswd
    users:
      - { name: alice, password: "{{ alice_password }}" }
      - { name: bob, state: absent }
    owner: root
    group: www-data
    mode: "0640"`,
  facts: (a) => ({ file: htpasswdFact(a.path), attrs: fileFact(a.path) }),
  files: (a) => [a.path],
  // The hash each entry should have (made by us, from this controller), computed while connecting.
  prepare: async (a) => {
    const wanted = a.users.filter((u) => u.state === 'present' && u.password !== undefined);
    await Promise.all(wanted.map((u) => warmBcrypt((u.password as Secret).reveal(), deterministicSalt(a.path, u.name, a.cost))));
  },
  plan(a, { file, attrs }) {
    if (file.kind === 'other' || (attrs.exists && attrs.type !== 'file')) {
      throw new Error(`${a.path} exists and is not a regular file`);
    }
    if (file.kind === 'unreadable') throw new Error(`cannot read ${a.path} (owner ${attrs.owner ?? '?'}:${attrs.group ?? '?'}, mode ${attrs.mode ?? '?'}): run this task with become: true`);
    const lines = [...file.lines];
    const diff: string[] = [];
    const said: string[] = [];
    const listed = new Set(a.users.map((u) => u.name));
    // Only the first entry of a name counts (as in Apache and nginx); repeats of listed users are dropped.
    const indexes = new Map<string, number[]>();
    lines.forEach((line, i) => {
      const name = entryName(line);
      if (name !== undefined) indexes.set(name, [...(indexes.get(name) ?? []), i]);
    });
    const firstIndex = new Map([...indexes].map(([name, is]) => [name, is[0]]));
    const drop = new Set<number>();
    for (const u of a.users) {
      const repeats = (indexes.get(u.name) ?? []).slice(1);
      if (repeats.length && u.state === 'present') {
        repeats.forEach((i) => drop.add(i));
        diff.push(`- user ${u.name} (repeated entry)`);
      }
      if (u.state === 'absent') repeats.forEach((i) => drop.add(i));
    }
    for (const u of a.users) {
      const i = firstIndex.get(u.name);
      if (u.state === 'absent') {
        if (i !== undefined) {
          drop.add(i);
          diff.push(`- user ${u.name}`);
          said.push(`remove ${u.name}`);
        }
        continue;
      }
      const password = (u.password as Secret).reveal();
      if (i === undefined) {
        lines.push(`${u.name}:${newEntryHash(a.path, u.name, password, a.cost)}`);
        diff.push(`+ user ${u.name}`);
        said.push(`add ${u.name}`);
        continue;
      }
      const ok = verifyHash(password, storedHash(lines[i], u.name));
      if (ok) continue;
      lines[i] = `${u.name}:${newEntryHash(a.path, u.name, password, a.cost)}${lines[i].endsWith('\r') ? '\r' : ''}`;
      diff.push(`~ user ${u.name} (${ok === null ? 'stored hash cannot be verified here: rehashed with bcrypt' : 'password changed'})`);
      said.push(`change ${u.name}'s password`);
    }
    if (a.exclusive) {
      for (const [name, is] of indexes) {
        if (!listed.has(name)) {
          is.forEach((i) => drop.add(i));
          diff.push(`- user ${displayName(name)} (not listed)`);
          said.push(`remove ${displayName(name)}`);
        }
      }
    }
    const content = lines.filter((_, i) => !drop.has(i)).map((l) => `${l}\n`).join('');
    if (file.kind === 'absent' && !a.users.some((u) => u.state === 'present')) return nothingToDo(`${a.path} is absent`);
    const contentChanged = file.kind === 'absent' || diff.length > 0;
    const attrsChange = attrs.exists ? planAttributes({ path: a.path, owner: a.owner, group: a.group, mode: a.mode }, attrs) : null;

    if (!contentChanged) {
      if (!attrsChange) return nothingToDo(`${a.path}: ${a.users.map((u) => `${u.name} ${u.state === 'absent' ? 'absent' : 'up to date'}`).join(', ')}`);
      return { changes: [attrsChange] };
    }
    const write: Step = { kind: 'write', path: a.path, content: new Secret(content), encoding: 'latin1', mode: a.mode, owner: a.owner, group: a.group };
    const attrLines: string[] = [];
    if (!attrs.exists) {
      const parts = [a.mode && `mode ${a.mode}`, (a.owner || a.group) && `owner ${a.owner ?? 'root'}:${a.group ?? 'root'}`].filter(Boolean);
      attrLines.push(`+ file ${a.path}${parts.length ? ` (${parts.join(', ')})` : ''}`);
    } else if (attrsChange?.diff?.kind === 'text') {
      const before = attrsChange.diff.before.split('\n');
      const after = attrsChange.diff.after.split('\n');
      after.forEach((l, k) => attrLines.push(`~ ${before[k]} -> ${l.replace(/^[a-z]+: /, '')}`));
    }
    const change: Change = {
      summary: `${attrs.exists ? 'update' : 'create'} ${a.path}${said.length ? `: ${said.join(', ')}` : ''}`,
      diff: { kind: 'lines', lines: [...attrLines, ...diff] },
      steps: [write],
    };
    return { changes: [change] };
  },
});
