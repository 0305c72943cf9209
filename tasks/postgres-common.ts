import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { FactGroupReader } from '../src/fact-groups.js';
import { controllerKey } from '../src/controller-key.js';
import { fact, type Fact, type FactOutput } from '../src/facts.js';
import { run, type RunStep } from '../src/plan.js';
import { Secret } from '../src/secret.js';
import { cmd } from '../src/shell.js';

/**
 * Shared by postgres_user and postgres_db: how we reach PostgreSQL (psql as the
 * postgres OS user over peer authentication, as root), identifier rules and
 * quoting, and SCRAM-SHA-256 verifiers computed on the controller.
 */

// --- Identifiers and literals ----------------------------------------------

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Lowercase SQL identifier as the schema accepts it: no quoting surprises, no case folding, ≤ 63 bytes. */
export const pgIdentifier = z
  .string()
  .regex(IDENTIFIER, 'expected a PostgreSQL name: lowercase letters, digits and "_", not starting with a digit, at most 63 characters');

/** Names PostgreSQL reserves for roles (CREATE ROLE refuses them). */
const RESERVED_ROLE_NAMES = new Set(['public', 'none', 'current_user', 'session_user', 'current_role']);

export const pgRoleName = pgIdentifier
  .refine((n) => !RESERVED_ROLE_NAMES.has(n), 'this role name is reserved by PostgreSQL')
  .refine((n) => !n.startsWith('pg_'), 'role names starting with "pg_" are reserved by PostgreSQL');

export const pgDatabaseName = pgIdentifier;

/** A quoted SQL identifier: "name", inner double quotes doubled. Callers validate first; this is the second fence. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('an SQL identifier cannot contain a NUL byte');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A standard SQL string literal: '...', inner single quotes doubled (standard_conforming_strings is on since 9.1). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('an SQL string cannot contain a NUL byte');
  return `'${value.replace(/'/g, "''")}'`;
}

// --- psql ---------------------------------------------------------------------

/**
 * Which psql to run, into $pv_psql. Debian's `psql` is pg_wrapper, a Perl script
 * that picks the cluster and execs that version's psql: ~40 ms of Perl per call,
 * most of a no-op run's PostgreSQL facts. When exactly one cluster is running
 * (one pid file and one socket in /var/run/postgresql, the case pg_wrapper
 * resolves to that same cluster), its version's psql binary is run directly on
 * that socket; anything else (several clusters, another layout) goes through
 * pg_wrapper as before. Facts and changes use the same choice, so they always
 * talk to the same cluster. The version and port read from file names must be
 * digits (and dots), so nothing there can steer which binary runs.
 */
export const PICK_PSQL =
  // One line: psqlCommand is the right-hand side of a pipe from a here-document.
  'pv_psql=psql; set -- /var/run/postgresql/[0-9]*-*.pid; ' +
  'if [ $# -eq 1 ] && [ -f "$1" ]; then pv_v=${1##*/}; pv_v=${pv_v%%-*}; pv_port=; pv_sockets=0; ' +
  'for pv_s in /var/run/postgresql/.s.PGSQL.[0-9]*; do if [ -S "$pv_s" ]; then pv_sockets=$((pv_sockets + 1)); pv_port=${pv_s##*.PGSQL.}; fi; done; ' +
  'case "$pv_v$pv_port" in *[!0-9.]*) ;; *) ' +
  'if [ "$pv_sockets" -eq 1 ] && [ -x "/usr/lib/postgresql/$pv_v/bin/psql" ]; then pv_psql="/usr/lib/postgresql/$pv_v/bin/psql -h /var/run/postgresql -p $pv_port"; fi ;; ' +
  'esac; fi';

/**
 * psql as the postgres OS user over peer authentication, started by root (the
 * task's become). `setpriv` (util-linux, as runuser) only switches user and
 * groups: runuser would also open a PAM session, which costs a few ms and two
 * journal lines on every run. `-X` ignores ~/.psqlrc, `-q -A -t` prints bare
 * rows, ON_ERROR_STOP makes any SQL error a non-zero exit. The subshell changes
 * to / first: from root's home, the postgres user gets "could not change
 * directory".
 *
 * search_path is pinned to pg_catalog for the session (PGOPTIONS overrides a
 * database's own setting, and libpq applies it to every \c too): we run as
 * superuser in databases whose owners may set their search_path and create
 * functions, so `concat_ws` or `=` must never resolve to one of theirs.
 */
export function psqlCommand(database = 'postgres'): string {
  pgIdentifier.parse(database);
  return `(cd / || exit 1; ${PICK_PSQL}; ${runPsql('-d', database)})`;
}

/** The command running $pv_psql as postgres, without its arguments ($pv_psql unquoted on purpose: binary and its connection options). */
const AS_POSTGRES = `PGOPTIONS='-c search_path=pg_catalog' setpriv --reuid=postgres --regid=postgres --init-groups $pv_psql`;

function runPsql(...args: string[]): string {
  return `${AS_POSTGRES} ${cmd('-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args)}`;
}

/** A step running SQL through psql. The SQL travels on stdin (never the command line); pass a Secret when it holds a password. */
export function psqlStep(sql: string | Secret, database = 'postgres'): RunStep {
  return { ...run(psqlCommand(database), sql), label: `psql -d ${database} (SQL on stdin)` };
}

export const STATUS_NOT_INSTALLED = 'pv:not-installed';
const STATUS_OK = 'pv:ok';
const STATUS_ERROR = 'pv:error';

/**
 * A fact script running a read-only psql script (queries, and meta-commands such
 * as \\c or \\if) in one psql session: one process and one connection, however
 * many databases it looks at. The SQL travels in a here-document. A host
 * without the PostgreSQL server (no psql, no postgres user) prints
 * "pv:not-installed" and succeeds: check mode on a fresh host plans creation.
 * Data rows are tab-separated and start with a tag, so stray warnings can
 * never be mistaken for data.
 *
 * When the SQL goes on into a database (`\\c NAME`), the session starts there
 * (every query before that reads shared catalogs only, the same from any
 * database), saving a second server connection; the SQL skips a `\\c` into the
 * database it is already in. If that database cannot be connected to (not
 * created yet), the session runs again from "postgres".
 */
export function psqlFactScript(sql: string): string {
  const delimiter = 'PROVISION_SQL_END';
  if (sql.split('\n').includes(delimiter)) throw new Error('the SQL contains the here-document delimiter');
  const into = /^\\c (\S+)$/m.exec(sql)?.[1];
  const sessions = [...(into === undefined ? [] : [cmd('pv_query', '-d', pgIdentifier.parse(into))]), 'pv_query -d postgres'];
  return [
    `if ! command -v psql >/dev/null 2>&1 || ! id -u postgres >/dev/null 2>&1; then printf '%s\\n' ${STATUS_NOT_INSTALLED}; exit 0; fi`,
    `cd / || exit 1`,
    PICK_PSQL,
    // A function, so a second attempt can send the same here-document.
    `pv_query() { ${runPsql()} "$@" 2>&1 <<'${delimiter}'`,
    sql,
    delimiter,
    '}',
    `if ${sessions.map((s) => `out=$(${s})`).join(' || ')}; then printf '%s\\n%s\\n' ${STATUS_OK} "$out"; else printf '%s\\n%s\\n' ${STATUS_ERROR} "$out"; fi`,
  ].join('\n');
}

export type PsqlResult =
  | { status: 'not-installed' }
  | { status: 'error'; message: string }
  | { status: 'ok'; rows: string[][] };

export function parsePsqlOutput({ stdout, exitCode }: FactOutput): PsqlResult {
  const lines = stdout.split('\n');
  const errorAt = lines.indexOf(STATUS_ERROR);
  if (errorAt >= 0) return { status: 'error', message: lines.slice(errorAt + 1).join('\n').trim() || 'psql failed' };
  if (lines[0] === STATUS_NOT_INSTALLED) return { status: 'not-installed' };
  if (lines[0] !== STATUS_OK) return { status: 'error', message: `unexpected output (exit ${exitCode}): ${stdout.slice(0, 300)}` };
  return { status: 'ok', rows: lines.slice(1).filter((l) => l.startsWith('pv:')).map((l) => l.split('\t')) };
}

/** A fact from a read-only psql script; in a batch with other such facts, all run in one psql session (`psqlGroup`). */
export function psqlFact<T>(key: string, sql: string, parse: (r: PsqlResult) => T): Fact<T> {
  return { ...fact(key, psqlFactScript(sql), (o) => parse(parsePsqlOutput(o))), group: { reader: psqlGroup, item: sql } };
}

const SECTION = 'PROVISION_SQL_SECTION';
const SECTION_LINE = new RegExp(`^${SECTION} (\\d+)$`);

/**
 * Many psql facts in one session: one setpriv, one psql and one server
 * connection instead of one each (~20 ms of the host's CPU apiece). Each
 * item's SQL follows an \echo of its section number. Scripts that \c into
 * another database run last: the others read only shared catalogs, which
 * read the same from whichever database the session starts in (and every
 * script with \c looks only at shared catalogs before it).
 * A failed session fails every item, with psql's messages but none of the data
 * rows other items printed (a role's row holds its password verifier).
 */
export const psqlGroup: FactGroupReader = {
  script(sqls) {
    const order = sqls.map((sql, i) => ({ sql, i })).sort((a, b) => Number(/^\\c /m.test(a.sql)) - Number(/^\\c /m.test(b.sql)));
    return psqlFactScript(order.map(({ sql, i }) => `\\echo ${SECTION} ${i}\n${sql}`).join('\n'));
  },
  split(stdout, sqls) {
    const lines = stdout.split('\n');
    const out = new Map<string, FactOutput>();
    if (lines[0] !== STATUS_OK) {
      const message = lines.filter((l) => !l.startsWith('pv:') && !l.startsWith(SECTION)).join('\n');
      const status = lines[0] === STATUS_NOT_INSTALLED ? STATUS_NOT_INSTALLED : `${STATUS_ERROR}\n${message}`;
      for (const sql of sqls) out.set(sql, { stdout: status, exitCode: 0 });
      return out;
    }
    const sections = new Map<number, string[]>();
    let current: string[] | undefined;
    for (const line of lines.slice(1)) {
      const m = SECTION_LINE.exec(line);
      if (m) sections.set(Number(m[1]), (current = []));
      else current?.push(line);
    }
    sqls.forEach((sql, i) => {
      const section = sections.get(i);
      if (section) out.set(sql, { stdout: [STATUS_OK, ...section].join('\n'), exitCode: 0 });
    });
    return out;
  },
};

/** The planner's answer to a failed fact: PostgreSQL is installed but did not answer (stopped, no cluster, no root). */
export function psqlError(what: string, message: string): Error {
  return new Error(`cannot read ${what} from PostgreSQL (is the server running, and does the task run as root?): ${message}`);
}

// --- SCRAM-SHA-256 ------------------------------------------------------------

type Range = [number, number];
const inRanges = (c: number, ranges: Range[]) => ranges.some(([lo, hi]) => c >= lo && c <= hi);

/** RFC 3454 C.1.2: non-ASCII spaces, mapped to U+0020. */
const NON_ASCII_SPACE: Range[] = [[0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];
/** RFC 3454 B.1: "commonly mapped to nothing". */
const MAPPED_TO_NOTHING: Range[] = [[0xad, 0xad], [0x34f, 0x34f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff]];
/** RFC 4013 prohibited output (RFC 3454 C.1.2, C.2.1, C.2.2, C.3–C.9). */
const PROHIBITED: Range[] = [
  ...NON_ASCII_SPACE, [0x0, 0x1f], [0x7f, 0x9f], [0x6dd, 0x6dd], [0x70f, 0x70f], [0x180e, 0x180e], [0x200c, 0x200f], [0x2028, 0x202e],
  [0x2060, 0x2063], [0x206a, 0x206f], [0x2ff0, 0x2ffb], [0xd800, 0xdfff], [0xe000, 0xf8ff], [0xfdd0, 0xfdef], [0xfeff, 0xfeff], [0xfff9, 0xffff],
  [0x1d173, 0x1d17a], [0xe0001, 0xe0001], [0xe0020, 0xe007f], [0xf0000, 0x10ffff],
];

/**
 * SASLprep (RFC 4013) as PostgreSQL's pg_saslprep applies it to passwords.
 * Pure ASCII passwords are used unchanged (PostgreSQL's fast path): exact. For
 * other passwords: non-ASCII spaces become " ", "mapped to nothing" characters
 * are removed, then NFKC; if the result holds a prohibited character,
 * PostgreSQL (and libpq) use the raw password, and so do we. Not checked:
 * Unicode 3.2 unassigned code points and the bidirectional rule, where
 * PostgreSQL would fall back to the raw password — such passwords may not
 * verify (a needless password change each run), so prefer ASCII passwords.
 */
export function saslprep(password: string): string {
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  let mapped = '';
  for (const ch of password) {
    const c = ch.codePointAt(0)!;
    if (inRanges(c, NON_ASCII_SPACE)) mapped += ' ';
    else if (!inRanges(c, MAPPED_TO_NOTHING)) mapped += ch;
  }
  const normalized = mapped.normalize('NFKC');
  for (const ch of normalized) {
    const c = ch.codePointAt(0)!;
    // 0x20 and other printable ASCII are fine; the ASCII control range is in PROHIBITED.
    if (c > 0x7f || c < 0x20 || c === 0x7f) if (inRanges(c, PROHIBITED)) return password;
  }
  return normalized;
}

export interface ScramSecret {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** Above this, a stored verifier is not worth checking on the controller (a hostile host could make us spin); it is then replaced. */
const MAX_ITERATIONS = 1_000_000;
export const SCRAM_ITERATIONS = 4096;

const keysMemo = new Map<string, { storedKey: Buffer; serverKey: Buffer }>();

/** StoredKey and ServerKey (RFC 5802), memoised: with `scramSalt`, a run over many hosts derives them once per role. */
export function scramKeys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const memoKey = `${iterations}\0${salt.toString('base64')}\0${password}`;
  const known = keysMemo.get(memoKey);
  if (known) return known;
  const salted = pbkdf2Sync(Buffer.from(saslprep(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  keysMemo.set(memoKey, { storedKey, serverKey });
  return { storedKey, serverKey };
}

/**
 * The SCRAM salt for a role, derived from the controller's key (src/controller-key.ts), as
 * htpasswd's bcrypt salts are: every host built from this controller stores the same verifier
 * for the same role and password, and checking it on N hosts costs one PBKDF2, not N.
 */
export function scramSalt(role: string): Buffer {
  return createHmac('sha256', controllerKey()).update(`scram-sha-256\0${role}`).digest().subarray(0, 16);
}

/** A verifier as PostgreSQL stores it in pg_authid.rolpassword: SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>. */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const { storedKey, serverKey } = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const B64 = '[A-Za-z0-9+/]+={0,2}';
const VERIFIER = new RegExp(`^SCRAM-SHA-256\\$(\\d{1,9}):(${B64})\\$(${B64}):(${B64})$`);

export function parseScramVerifier(verifier: string): ScramSecret | null {
  const m = VERIFIER.exec(verifier);
  if (!m) return null;
  const s = { iterations: Number(m[1]), salt: Buffer.from(m[2], 'base64'), storedKey: Buffer.from(m[3], 'base64'), serverKey: Buffer.from(m[4], 'base64') };
  if (s.iterations < 1 || s.storedKey.length !== 32 || s.serverKey.length !== 32 || s.salt.length === 0) return null;
  return s;
}

/** Whether `password` is the one a stored verifier was made from. Anything not SCRAM-SHA-256 (md5, none) never matches. */
export function scramMatches(password: string, verifier: string | null | undefined): boolean {
  if (!verifier) return false;
  const s = parseScramVerifier(verifier);
  if (!s || s.iterations > MAX_ITERATIONS) return false;
  const { storedKey, serverKey } = scramKeys(password, s.salt, s.iterations);
  return timingSafeEqual(storedKey, s.storedKey) && timingSafeEqual(serverKey, s.serverKey);
}
