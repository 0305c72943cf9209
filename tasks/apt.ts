import * as z from 'zod';
import { fact, type Fact } from '../src/facts.js';
import { nothingToDo, type Change, type Plan } from '../src/plan.js';
import { oneOrMany } from '../src/schemas.js';
import { cmd } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

/**
 * A package as apt-get takes it: Debian's name rules (policy 5.6.1), optionally
 * `:arch` and `=version`. Nothing else gets through, so no value can be read by
 * apt as an option or by the shell as syntax.
 */
const PACKAGE_RE = /^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9][a-z0-9-]*))?(?:=([0-9][A-Za-z0-9.+~:-]*))?$/;

export const packageSpec = z
  .string()
  .regex(PACKAGE_RE, 'expected a Debian package name such as "nginx", optionally with ":arch" and "=version" (lowercase letters, digits, "+", "-", "."; at least 2 characters, starting with a letter or digit)');

const schema = z
  .strictObject({
    packages: oneOrMany(packageSpec)
      .default([])
      .describe('Packages to install or remove, all in one apt-get call: "nginx", "nginx=1.22.1-9", "libc6:i386".'),
    state: z.enum(['present', 'absent']).default('present').describe('present: install the packages that are missing; absent: remove those that are installed.'),
    purge: z.boolean().default(false).describe('With state: absent, also delete the packages\' configuration files (apt-get purge); a package left with only its configuration files counts as installed.'),
    update_cache: z.boolean().default(false).describe('Refresh the package lists (apt-get update) first, unless they were refreshed within cache_valid_time.'),
    cache_valid_time: z.number().int().min(0).default(3600).describe('Seconds package lists stay fresh for update_cache. 0: refresh on every run.'),
    upgrade: z
      .union([z.boolean(), z.literal('dist')])
      .default(false)
      .describe('true: apt-get upgrade; dist: apt-get dist-upgrade (may install or remove packages to resolve dependencies). A no-op (reported ok) when nothing is pending.'),
    install_recommends: z.boolean().optional().describe('false: pass --no-install-recommends; true: --install-recommends. Unset: apt\'s configuration decides (Debian installs recommends).'),
    lock_timeout: z.number().int().min(0).default(300).describe('Seconds to wait for another apt or dpkg (e.g. unattended-upgrades) to release its lock before failing.'),
  })
  .refine((a) => a.packages.length > 0 || a.update_cache || a.upgrade !== false, 'give packages, update_cache or upgrade')
  .refine((a) => a.state === 'present' || a.packages.every((p) => !p.includes('=')), { message: 'a version (name=version) makes no sense with state: absent', path: ['packages'] })
  .refine((a) => a.state === 'absent' || !a.purge, { message: 'purge applies only to state: absent', path: ['purge'] })
  .describe('Installs or removes Debian packages with apt-get, non-interactively, in one call; refreshes package lists and applies upgrades when asked.');

export type AptArgs = z.infer<typeof schema>;

// --- Facts ------------------------------------------------------------------

export interface InstalledPackage {
  name: string;
  arch: string;
  /** dpkg's three-letter abbreviation: want, status, error ("ii ", "rc ", "un "). */
  status: string;
  version: string;
}

const DPKG_FORMAT = '${Package}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Version}\\n';

/** One dpkg-query for all packages. It exits 1 when some are unknown to dpkg: that means "not installed". */
export function packagesFact(names: string[]): Fact<InstalledPackage[]> {
  return fact(`apt:dpkg:${names.join(' ')}`, cmd('dpkg-query', '-W', `-f=${DPKG_FORMAT}`, '--', ...names), ({ stdout, exitCode }) => {
    if (exitCode > 1) throw new Error(`dpkg-query failed (exit ${exitCode}): is this a Debian-based host?`);
    return stdout
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => {
        const [name, arch, status, version] = l.split('\t');
        return { name, arch, status, version };
      });
  });
}

export interface CacheState {
  /** Seconds since the package lists were last refreshed; null when they never were. */
  age: number | null;
}

/** Where a successful `apt-get update` is recorded: apt's own periodic stamp, and the lists directory. */
export const UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp';
const LISTS_DIR = '/var/lib/apt/lists';

/**
 * Age of the package lists, computed on the host (its clock, not ours). The
 * lists directory's mtime moves when apt-get update replaces a list file; the
 * stamp is touched by apt's daily job and by this task after each update.
 * (pkgcache.bin is not used: apt rebuilds it after every dpkg change.) No
 * `*_Packages` file at all means the lists were never fetched.
 */
export function cacheFact(): Fact<CacheState> {
  const script = [
    `printf 'now %s\\n' "$(date +%s)"`,
    `stat -c 'mtime %Y' -- ${UPDATE_STAMP} ${LISTS_DIR} 2>/dev/null`,
    // A glob, not ls | grep: two processes fewer on every run.
    `set -- ${LISTS_DIR}/*_Packages*; if [ -e "$1" ]; then printf 'lists %s\\n' "$#"; else printf 'lists 0\\n'; fi`,
  ].join('\n');
  return fact('apt:cache', script, ({ stdout }) => parseCache(stdout));
}

export function parseCache(stdout: string): CacheState {
  let now = NaN;
  let newest = -Infinity;
  let lists = 0;
  for (const line of stdout.split('\n')) {
    const [k, v] = line.split(' ');
    if (k === 'now') now = Number(v);
    if (k === 'mtime' && Number.isFinite(Number(v))) newest = Math.max(newest, Number(v));
    if (k === 'lists') lists = Number(v) || 0;
  }
  if (lists === 0 || !Number.isFinite(now) || newest === -Infinity) return { age: null };
  return { age: Math.max(0, now - newest) };
}

export interface PendingUpgrade {
  name: string;
  /** Absent for a package dist-upgrade would newly install. */
  from?: string;
  /** Absent for a removal. */
  to?: string;
}

/** What `apt-get -s upgrade` (or dist-upgrade) would do: a simulation, read-only, needs no lock. */
export function upgradeFact(kind: 'upgrade' | 'dist-upgrade'): Fact<PendingUpgrade[]> {
  return fact(`apt:simulate:${kind}`, cmd('apt-get', '-s', '-q', kind), ({ stdout, exitCode }) => {
    if (exitCode !== 0) throw new Error(`apt-get -s ${kind} failed (exit ${exitCode})`);
    return parseSimulation(stdout);
  });
}

export function parseSimulation(stdout: string): PendingUpgrade[] {
  const out: PendingUpgrade[] = [];
  for (const line of stdout.split('\n')) {
    const inst = /^Inst (\S+)(?: \[([^\]]*)\])? \((\S+)/.exec(line);
    if (inst) out.push(inst[2] !== undefined ? { name: inst[1], from: inst[2], to: inst[3] } : { name: inst[1], to: inst[3] });
    const remv = /^Remv (\S+)(?: \[([^\]]*)\])?/.exec(line);
    if (remv) out.push(remv[2] !== undefined ? { name: remv[1], from: remv[2] } : { name: remv[1] });
  }
  return out;
}

// --- Planning ---------------------------------------------------------------

interface ParsedSpec {
  spec: string;
  name: string;
  arch?: string;
  version?: string;
  /** The form dpkg-query takes: name or name:arch. */
  query: string;
}

export function parseSpec(spec: string): ParsedSpec {
  const m = PACKAGE_RE.exec(spec);
  if (!m) throw new Error(`invalid package "${spec}"`);
  const [, name, arch, version] = m;
  return { spec, name, arch, version, query: arch ? `${name}:${arch}` : name };
}

/** dpkg status letters that mean "the package is installed" (triggers pending still counts). */
const INSTALLED = new Set(['i', 'W', 't']);

function rowsFor(p: ParsedSpec, rows: InstalledPackage[]): InstalledPackage[] {
  return rows.filter((r) => r.name === p.name && (!p.arch || r.arch === p.arch));
}

/** The common apt-get options: no questions, keep local config files, wait for the lock within a bound. */
export function aptGet(a: Pick<AptArgs, 'lock_timeout'>, ...args: string[]): string {
  return cmd(
    'env',
    'DEBIAN_FRONTEND=noninteractive',
    'APT_LISTCHANGES_FRONTEND=none',
    'apt-get',
    '-y',
    '-q',
    '-o',
    `DPkg::Lock::Timeout=${a.lock_timeout}`,
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    ...args,
  );
}

export function formatAge(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

type AptFacts = { packages?: InstalledPackage[]; cache?: CacheState; upgrades?: PendingUpgrade[] };

export function planApt(a: AptArgs, f: AptFacts): Plan {
  const changes: Change[] = [];
  const ok: string[] = [];
  const specs = a.packages.map(parseSpec);
  const rows = f.packages ?? [];

  let updating = false;
  if (a.update_cache) {
    const age = f.cache?.age ?? null;
    if (age === null || age >= a.cache_valid_time) {
      updating = true;
      const when = age === null ? 'never refreshed' : `last refreshed ${formatAge(age)} ago`;
      changes.push({
        summary: `refresh package lists (${when})`,
        diff: { kind: 'lines', lines: [`~ package lists (${when})`] },
        steps: [
          // --error-on=any: a mirror that failed is an error, not stale lists stamped as fresh.
          { kind: 'run', command: aptGet(a, 'update', '--error-on=any') },
          { kind: 'run', command: cmd('mkdir', '-p', '--', UPDATE_STAMP.slice(0, UPDATE_STAMP.lastIndexOf('/'))) },
          { kind: 'run', command: cmd('touch', '--', UPDATE_STAMP) },
        ],
      });
    } else {
      ok.push(`package lists refreshed ${formatAge(age)} ago`);
    }
  }

  if (specs.length && a.state === 'present') {
    const lines: string[] = [];
    const todo: string[] = [];
    for (const p of specs) {
      const installed = rowsFor(p, rows).filter((r) => INSTALLED.has(r.status[1]));
      if (installed.length === 0) {
        todo.push(p.spec);
        lines.push(`+ ${p.spec}`);
      } else if (p.version && !installed.some((r) => r.version === p.version)) {
        todo.push(p.spec);
        lines.push(`~ ${p.query} ${installed[0].version} -> ${p.version}`);
      }
    }
    if (todo.length) {
      const recommends = a.install_recommends === undefined ? [] : [a.install_recommends ? '--install-recommends' : '--no-install-recommends'];
      changes.push({ summary: `install ${todo.join(', ')}`, diff: { kind: 'lines', lines }, steps: [{ kind: 'run', command: aptGet(a, ...recommends, 'install', '--', ...todo) }] });
    } else {
      ok.push(`${specs.map((p) => p.spec).join(', ')} already installed`);
    }
  }

  if (specs.length && a.state === 'absent') {
    const lines: string[] = [];
    const todo: string[] = [];
    for (const p of specs) {
      const present = rowsFor(p, rows).filter((r) => r.status[1] !== 'n' && (a.purge || r.status[1] !== 'c'));
      if (present.length) {
        todo.push(p.query);
        const onlyConfig = present.every((r) => r.status[1] === 'c');
        lines.push(`- ${p.query}${onlyConfig ? ' (configuration files)' : ` ${present[0].version}`}`);
      }
    }
    if (todo.length) {
      changes.push({ summary: `${a.purge ? 'purge' : 'remove'} ${todo.join(', ')}`, diff: { kind: 'lines', lines }, steps: [{ kind: 'run', command: aptGet(a, a.purge ? 'purge' : 'remove', '--', ...todo) }] });
    } else {
      ok.push(`${specs.map((p) => p.query).join(', ')} already ${a.purge ? 'purged' : 'absent'}`);
    }
  }

  if (a.upgrade !== false) {
    const kind = a.upgrade === 'dist' ? 'dist-upgrade' : 'upgrade';
    const pending = f.upgrades ?? [];
    const lines = pending.map((u) => (u.from === undefined ? `+ ${u.name} ${u.to}` : u.to === undefined ? `- ${u.name} ${u.from}` : `~ ${u.name} ${u.from} -> ${u.to}`));
    // After a refresh in this same run, what is pending is only known then: upgrade anyway (apt-get is a no-op when nothing is).
    if (pending.length || updating) {
      const what = pending.length ? `${pending.length} package${pending.length === 1 ? '' : 's'}` : 'packages';
      if (updating) lines.push(`(pending upgrades are known once the lists are refreshed${pending.length ? '; with the current lists' : ''})`);
      changes.push({ summary: `${kind} ${what}`, diff: { kind: 'lines', lines }, steps: [{ kind: 'run', command: aptGet(a, kind) }] });
    } else {
      ok.push('no pending upgrades');
    }
  }

  return changes.length ? { changes } : nothingToDo(ok.join('; '));
}

export const apt = defineTask({
  name: 'apt',
  summary: 'Debian packages: install, remove, refresh lists, upgrade.',
  schema: schema as z.ZodType<AptArgs>,
  example: `- name: Web server and certificates
  apt:
    packages: [nginx, certbot, python3-certbot-nginx]
    update_cache: true
    cache_valid_time: 3600
    install_recommends: false`,
  facts(a) {
    const facts: Record<string, Fact<unknown>> = {};
    if (a.packages.length) facts.packages = packagesFact(a.packages.map((p) => parseSpec(p).query));
    if (a.update_cache) facts.cache = cacheFact();
    if (a.upgrade !== false) facts.upgrades = upgradeFact(a.upgrade === 'dist' ? 'dist-upgrade' : 'upgrade');
    return facts;
  },
  plan: (a, f) => planApt(a, f as AptFacts),
});
