import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { renderDiff } from '../../../src/diff.js';
import { stepsScript } from '../../../src/remote-script.js';
import type { Plan, RunStep } from '../../../src/plan.js';
import { isSecret, Secret } from '../../../src/secret.js';
import {
  parsePsqlOutput,
  parseScramVerifier,
  PICK_PSQL,
  psqlCommand,
  psqlFactScript,
  psqlGroup,
  psqlStep,
  quoteIdent,
  quoteLiteral,
  saslprep,
  scramMatches,
  scramVerifier,
} from '../../../tasks/postgres-common.js';
import { postgresDb, parseDbFact, type DbFact, type DbState } from '../../../tasks/postgres-db.js';
import { postgresUser, parseRoleFact, type RoleFact, type RoleState } from '../../../tasks/postgres-user.js';

const ctx = { host: 'h', sshPort: 22 };

/**
 * Real vectors: roles created with these passwords on Debian 12's PostgreSQL
 * 15.20 (`CREATE ROLE vec_x PASSWORD '...'`), verifiers read back from
 * pg_authid.rolpassword. The server computed them, not this code.
 */
const VECTORS: { what: string; password: string; verifier: string; prepared: string }[] = [
  {
    what: 'plain ASCII',
    password: 'correct horse battery staple',
    verifier: 'SCRAM-SHA-256$4096:Vli/fAz0/NMtLcuOlKRiDQ==$6Qdrrgsdq8fuFzqktFSTQ5T6BpXViJSmibf+TvNgQ94=:lMz9v/ZPVl1WrlzmCG5CoF9e1HLoW5RUQCfHXPZntZg=',
    prepared: 'correct horse battery staple',
  },
  {
    what: 'ASCII with quotes, backslash and $',
    password: `it's "q" \\ $x`,
    verifier: 'SCRAM-SHA-256$4096:p7CeN1IXuTAd2Fwp9MVivg==$WET4Mf0JydreFqUcz8MhxGq8zw/VrVw2ftpsn8N7ksg=:6l3eCaocHPXLnynzteqt5rZhdc3wPho4ebt6s/Xtin4=',
    prepared: `it's "q" \\ $x`,
  },
  {
    what: 'non-ASCII needing NFKC (ligature fi, roman numeral IX)',
    password: 'pässwörd ﬁ Ⅸ',
    verifier: 'SCRAM-SHA-256$4096:YNmOAmB06ufi/vR6S8rbbQ==$lveHV2xeFMEwyGtakizO97hrW4gU4V00oFckLGdvqfU=:PmU+tk4erkFdoX4gH748ozOaetTZOSjgVkG6hPGeFzQ=',
    prepared: 'pässwörd fi IX',
  },
  {
    what: 'no-break space, soft hyphen, zero-width space (mapped as pg_saslprep does)',
    password: 'nb\u00a0sp\u00adhy\u200bzw',
    verifier: 'SCRAM-SHA-256$4096:rtjDxGeqgLOQc+Q2iT2kcg==$aITJw9X96G164BtlvZ8dAhNTkRaOubIttnlEuzUX3K4=:K5HtLrE/T9eYZTGBzkhkr9qSUOKdfb+2dg320mtat1w=',
    prepared: 'nb sphy zw',
  },
];

describe('SCRAM-SHA-256 against verifiers made by PostgreSQL 15', () => {
  it.each(VECTORS)('$what', ({ password, verifier, prepared }) => {
    expect(saslprep(password)).toBe(prepared);
    expect(scramMatches(password, verifier)).toBe(true);
    expect(scramMatches(`${password}x`, verifier)).toBe(false);
    // Same salt and iterations give the server's verifier byte for byte.
    const s = parseScramVerifier(verifier)!;
    expect(scramVerifier(password, s.salt, s.iterations)).toBe(verifier);
  });

  it('makes fresh verifiers with a random salt and 4096 iterations that verify', () => {
    const a = scramVerifier('hunter22');
    const b = scramVerifier('hunter22');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramMatches('hunter22', a)).toBe(true);
    expect(scramMatches('hunter23', a)).toBe(false);
  });

  it.each([
    ['no password', null],
    ['empty', ''],
    ['md5', 'md5f0b6b2c1c8b4d1c1b1f1e1d1c1b1a191'],
    ['garbage', 'SCRAM-SHA-256$4096:abc'],
    ['short keys', 'SCRAM-SHA-256$4096:Vli/fAz0/NMtLcuOlKRiDQ==$AAAA:AAAA'],
    ['absurd iteration count from a hostile host', VECTORS[0].verifier.replace('$4096:', '$999999999:')],
  ])('never matches %s', (_, stored) => {
    expect(scramMatches('correct horse battery staple', stored)).toBe(false);
  });

  it('falls back to the raw password when SASLprep prohibits a character (as PostgreSQL does)', () => {
    expect(saslprep('a\u0007bé')).toBe('a\u0007bé');
    expect(saslprep('tab\tascii')).toBe('tab\tascii');
  });
});

describe('SQL quoting', () => {
  it.each([
    ['pa', '"pa"'],
    ['a"b', '"a""b"'],
    ['"x', '"""x"'],
  ])('identifier %s -> %s', (i, q) => expect(quoteIdent(i)).toBe(q));
  it.each([
    ['abc', "'abc'"],
    ["it's", "'it''s'"],
    ["'; DROP TABLE x; --", "'''; DROP TABLE x; --'"],
  ])('literal %s -> %s', (l, q) => expect(quoteLiteral(l)).toBe(q));
  it('refuses NUL', () => {
    expect(() => quoteIdent('a\0')).toThrow();
    expect(() => quoteLiteral('a\0')).toThrow();
  });
  it('runs psql as postgres over peer authentication, from /', () => {
    expect(psqlCommand()).toBe(`(cd / || exit 1; ${PICK_PSQL}; PGOPTIONS='-c search_path=pg_catalog' setpriv --reuid=postgres --regid=postgres --init-groups $pv_psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres)`);
    expect(psqlCommand('pa')).toMatch(/ setpriv --reuid=postgres --regid=postgres --init-groups \$pv_psql -X -q -A -t -v ON_ERROR_STOP=1 -d pa\)$/);
    // It is one line: a step pipes its SQL into it from a here-document, and sh must parse the whole script.
    expect(psqlCommand()).not.toContain('\n');
    for (const script of [stepsScript([psqlStep('SELECT 1;', 'pa'), psqlStep(new Secret('SELECT 2;'))]), postgresDb.facts(postgresDb.schema.parse({ name: 'pa', privileges: [{ role: 'pa', privileges: [], schema_public: ['ALL'] }] }), ctx).db.script]) {
      expect(spawnSync('/bin/sh', ['-n'], { input: script }).status).toBe(0);
    }
    expect(() => psqlCommand('x; rm -rf /')).toThrow();
  });

  describe("which psql: the running cluster's own binary, else pg_wrapper", () => {
    /** Runs PICK_PSQL with Debian's directories moved into a scratch directory, a socket listening at `sockets`. */
    const pick = async (setup: (run: string, lib: string) => void, sockets: string[] = []): Promise<string> => {
      const root = mkdtempSync(join(tmpdir(), 'provision-psql-'));
      const [run, lib] = [join(root, 'run'), join(root, 'lib')];
      mkdirSync(run);
      mkdirSync(lib);
      setup(run, lib);
      const servers = await Promise.all(sockets.map((name) => new Promise<Server>((ready) => { const s = createServer().listen(join(run, name), () => ready(s)); })));
      try {
        const script = `${PICK_PSQL.replaceAll('/var/run/postgresql', run).replaceAll('/usr/lib/postgresql', lib)}\nprintf %s "$pv_psql"`;
        return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }).replaceAll(root, '');
      } finally {
        servers.forEach((s) => s.close());
        rmSync(root, { recursive: true, force: true });
      }
    };
    const pid = (run: string, name: string) => writeFileSync(join(run, name), '1');
    const binary = (lib: string, version: string) => {
      mkdirSync(join(lib, version, 'bin'), { recursive: true });
      writeFileSync(join(lib, version, 'bin', 'psql'), '', { mode: 0o755 });
    };
    it("one running cluster (pid file, socket, binary): that version's psql on that socket", async () => {
      // PostgreSQL keeps a .lock file beside its socket.
      expect(await pick((run, lib) => { pid(run, '15-main.pid'); pid(run, '.s.PGSQL.5433.lock'); binary(lib, '15'); }, ['.s.PGSQL.5433'])).toBe('/lib/15/bin/psql -h /run -p 5433');
    });
    it('no cluster running, two clusters, no socket or no binary: pg_wrapper decides', async () => {
      expect(await pick(() => {})).toBe('psql');
      expect(await pick((run, lib) => { pid(run, '15-main.pid'); pid(run, '13-old.pid'); binary(lib, '15'); binary(lib, '13'); }, ['.s.PGSQL.5432', '.s.PGSQL.5433'])).toBe('psql');
      expect(await pick((run, lib) => { pid(run, '15-main.pid'); binary(lib, '15'); })).toBe('psql');
      expect(await pick((run) => pid(run, '15-main.pid'), ['.s.PGSQL.5432'])).toBe('psql');
    });
    it('a hostile version in a file name never picks a binary', async () => {
      expect(await pick((run, lib) => { pid(run, '1.5;x-main.pid'); binary(lib, '1.5;x'); }, ['.s.PGSQL.5432'])).toBe('psql');
    });
  });
});

describe('schemas reject bad arguments before any host is touched', () => {
  const hostile = ['pa; DROP TABLE x', '"x', '-x', 'Pa', '1pa', 'pa"; --', "pa'", 'a'.repeat(64), '', 'p a', 'pä'];
  it.each(hostile)('postgres_user name %j', (name) => {
    expect(postgresUser.schema.safeParse({ name }).success).toBe(false);
  });
  it.each(hostile)('postgres_db name, owner, privilege role and template %j', (bad) => {
    expect(postgresDb.schema.safeParse({ name: bad }).success).toBe(false);
    expect(postgresDb.schema.safeParse({ name: 'pa', owner: bad }).success).toBe(false);
    expect(postgresDb.schema.safeParse({ name: 'pa', privileges: [{ role: bad, privileges: ['ALL'] }] }).success).toBe(false);
    expect(postgresDb.schema.safeParse({ name: 'pa', template: bad }).success).toBe(false);
  });
  it.each([
    [{ name: 'pg_monitor' }, 'pg_ prefix'],
    [{ name: 'public' }, 'reserved'],
    [{ name: 'postgres', state: 'absent' }, 'bootstrap superuser'],
    [{ name: 'pa', connection_limit: -2 }, 'connection limit'],
    [{ name: 'pa', superuser: 'yes' }, 'boolean'],
    [{ name: 'pa', passwd: 'x' }, 'unknown key'],
    [{ name: 'pa', password: 12345 }, 'password not a string'],
  ])('postgres_user %j (%s)', (args, _reason) => {
    expect(postgresUser.schema.safeParse(args).success).toBe(false);
  });
  it.each([
    [{ name: 'postgres', state: 'absent' }],
    [{ name: 'template1', state: 'absent' }],
    [{ name: 'pa', encoding: "UTF8'; DROP DATABASE x; --" }],
    [{ name: 'pa', locale: 'C.UTF-8; x' }],
    [{ name: 'pa', privileges: [{ role: 'pa', privileges: ['SELECT'] }] }],
    [{ name: 'pa', privileges: [{ role: 'pa', privileges: ['ALL'], schema_public: ['CONNECT'] }] }],
    [{ name: 'pa', privileges: [{ role: 'pa', privileges: ['ALL'] }, { role: 'pa', privileges: [] }] }],
    [{ name: 'pa', privileges: [{ role: 'pa' }] }],
    [{ name: 'pa', size: 1 }],
  ])('postgres_db %j', (args) => {
    expect(postgresDb.schema.safeParse(args).success).toBe(false);
  });
  it('accepts PUBLIC, lowercase privilege names and TEMP', () => {
    const r = postgresDb.schema.parse({ name: 'pa', privileges: [{ role: 'public', privileges: ['connect', 'temp'] }] });
    expect(r.privileges[0]).toEqual({ role: 'PUBLIC', privileges: ['CONNECT', 'TEMP'] });
  });
  it('wraps a plain password as a Secret', () => {
    const r = postgresUser.schema.parse({ name: 'pa', password: 'plain-text-pw' });
    expect(isSecret(r.password)).toBe(true);
  });
});

describe('documentation', () => {
  it.each([postgresUser, postgresDb])('$name: the example is valid YAML and parses through the schema', (t) => {
    const tasks = parseYaml(t.example) as Record<string, unknown>[];
    expect(tasks).toHaveLength(1);
    const r = t.schema.safeParse(tasks[0][t.name]);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
  });
  it.each([postgresUser, postgresDb])('$name: every field is described, nested ones too', (t) => {
    type J = { description?: string; properties?: Record<string, J>; items?: J; anyOf?: J[] };
    const root = z.toJSONSchema(t.schema, { io: 'input', unrepresentable: 'any' }) as J;
    const undescribed: string[] = [];
    const walk = (s: J, path: string): void => {
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if (!v.description) undescribed.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
      }
      if (s.items) walk(s.items, `${path}[].`);
      for (const v of s.anyOf ?? []) walk(v, path);
    };
    walk(root, '');
    expect(Object.keys(root.properties ?? {}).length).toBeGreaterThan(3);
    expect(undescribed).toEqual([]);
  });
});

describe('fact output parsing', () => {
  it('reports a host without PostgreSQL as not installed', () => {
    expect(parsePsqlOutput({ stdout: 'pv:not-installed', exitCode: 0 })).toEqual({ status: 'not-installed' });
    expect(parseRoleFact(parsePsqlOutput({ stdout: 'pv:not-installed', exitCode: 0 }))).toEqual({ status: 'not-installed' });
  });
  it('reports psql errors with their message', () => {
    const r = parsePsqlOutput({ stdout: 'pv:error\npsql: error: connection to server on socket failed', exitCode: 0 });
    expect(r).toEqual({ status: 'error', message: 'psql: error: connection to server on socket failed' });
  });
  it('ignores stray warnings and reads tagged rows', () => {
    const stdout = `pv:ok\ncould not change directory to "/root": Permission denied\npv:role\tt\tf\tt\tf\tt\tf\tf\t-1\t${VECTORS[0].verifier}`;
    const f = parseRoleFact(parsePsqlOutput({ stdout, exitCode: 0 }));
    expect(f.status).toBe('ok');
    const role = (f as { role: RoleState }).role;
    expect(role).toMatchObject({ login: true, superuser: false, createdb: true, createrole: false, inherit: true, replication: false, bypassrls: false, connectionLimit: -1 });
    expect(isSecret(role.password)).toBe(true);
    expect(JSON.stringify(f)).not.toContain('SCRAM');
  });
  it('reads a missing role and a role without password', () => {
    expect(parseRoleFact(parsePsqlOutput({ stdout: 'pv:ok\n', exitCode: 0 }))).toEqual({ status: 'ok', role: null });
    const f = parseRoleFact(parsePsqlOutput({ stdout: 'pv:ok\npv:role\tt\tf\tf\tf\tt\tf\tf\t3\t', exitCode: 0 })) as { role: RoleState };
    expect(f.role.password).toBeNull();
    expect(f.role.connectionLimit).toBe(3);
  });
  it('reads a database, its ACL and the ACL of schema public', () => {
    const stdout = ['pv:ok', 'pv:db\tpa\tUTF8\tC.UTF-8\tC.UTF-8', 'pv:acl\tPUBLIC\tCONNECT', 'pv:acl\tpa\tCREATE', 'pv:acl\tpa\tCONNECT', 'pv:nsp\tPUBLIC\tUSAGE'].join('\n');
    const f = parseDbFact(parsePsqlOutput({ stdout, exitCode: 0 }), true) as { db: DbState };
    expect(f.db.owner).toBe('pa');
    expect([...f.db.acl.get('pa')!]).toEqual(['CREATE', 'CONNECT']);
    expect([...f.db.schemaAcl!.get('PUBLIC')!]).toEqual(['USAGE']);
  });
  it('fact scripts are read-only queries and quote the name as an SQL literal', () => {
    const script = postgresUser.facts(postgresUser.schema.parse({ name: 'pa', password: 'pw-in-fact?' }), ctx).role.script;
    // The SQL is a quoted here-document: the shell expands nothing in it.
    expect(script).toContain(`<<'PROVISION_SQL_END'\n`);
    expect(script).toContain(`WHERE rolname = 'pa';\nPROVISION_SQL_END\n`);
    expect(script).not.toContain('pw-in-fact?');
    expect(script).toMatch(/^if ! command -v psql/);
    expect(() => psqlFactScript('SELECT 1;\nPROVISION_SQL_END\nrm -rf /')).toThrow(/delimiter/);
  });

  describe('several facts in one psql session', () => {
    const roleFact = postgresUser.facts(postgresUser.schema.parse({ name: 'pa' }), ctx).role;
    const dbWithSchema = postgresDb.facts(postgresDb.schema.parse({ name: 'pa', owner: 'pa', privileges: [{ role: 'pa', privileges: [], schema_public: ['USAGE'] }] }), ctx).db;
    const other = postgresUser.facts(postgresUser.schema.parse({ name: 'app' }), ctx).role;
    const items = [dbWithSchema, roleFact, other].map((f) => f.group!.item);

    it('runs every query in one session, those that \\c into a database last', () => {
      const script = psqlGroup.script(items);
      expect(script.match(/setpriv/g)).toHaveLength(1);
      // It starts in the database it goes on into, and from "postgres" when that one cannot be reached.
      expect(script).toContain('if out=$(pv_query -d pa) || out=$(pv_query -d postgres); then');
      const order = [...script.matchAll(/PROVISION_SQL_SECTION (\d)/g)].map((m) => Number(m[1]));
      expect(order).toEqual([1, 2, 0]);
      expect(script.indexOf("rolname = 'app'")).toBeLessThan(script.indexOf('\\c pa'));
    });

    it("gives each fact its own section's rows", () => {
      const stdout = ['pv:ok', 'PROVISION_SQL_SECTION 1', 'pv:role\tt\tf\tf\tf\tt\tf\tf\t-1\t', 'PROVISION_SQL_SECTION 2', 'PROVISION_SQL_SECTION 0', 'pv:db\tpa\tUTF8\tC.UTF-8\tC.UTF-8', 'pv:nsp\tpa\tUSAGE'].join('\n');
      const out = psqlGroup.split(stdout, items);
      expect((roleFact.parse(out.get(items[1])!) as { role: RoleState }).role.login).toBe(true);
      expect(other.parse(out.get(items[2])!)).toEqual({ status: 'ok', role: null });
      const db = dbWithSchema.parse(out.get(items[0])!) as { db: DbState };
      expect(db.db.owner).toBe('pa');
      expect([...db.db.schemaAcl!.get('pa')!]).toEqual(['USAGE']);
    });

    it('fails every fact when the session fails, without the data rows of others (a verifier is a secret)', () => {
      const stdout = ['pv:error', 'PROVISION_SQL_SECTION 1', `pv:role\tt\tf\tf\tf\tt\tf\tf\t-1\t${VECTORS[0].verifier}`, 'PROVISION_SQL_SECTION 2', 'ERROR:  permission denied for table pg_authid'].join('\n');
      const out = psqlGroup.split(stdout, items);
      for (const [i, f] of [dbWithSchema, roleFact, other].entries()) {
        const r = f.parse(out.get(items[i])!) as { status: string; message: string };
        expect(r).toEqual({ status: 'error', message: 'ERROR:  permission denied for table pg_authid' });
      }
      expect(JSON.stringify([...out.values()])).not.toContain('SCRAM');
    });

    it('reports every fact not installed on a host without PostgreSQL', () => {
      const out = psqlGroup.split('pv:not-installed', items);
      expect(roleFact.parse(out.get(items[1])!)).toEqual({ status: 'not-installed' });
      expect(dbWithSchema.parse(out.get(items[0])!)).toEqual({ status: 'not-installed' });
    });
  });
});

// --- planners --------------------------------------------------------------

const PASSWORD = 'Tr0ub4dor&3-pa';
const pw = () => new Secret(PASSWORD);
const role = (over: Partial<RoleState> = {}): RoleFact => ({
  status: 'ok',
  role: { login: true, superuser: false, createdb: false, createrole: false, inherit: true, replication: false, bypassrls: false, connectionLimit: -1, password: new Secret(scramVerifier(PASSWORD)), ...over },
});
const planUser = (args: Record<string, unknown>, f: RoleFact) => postgresUser.plan(postgresUser.schema.parse(args), { role: f }, ctx);
const runSteps = (plan: Plan) => plan.changes.flatMap((c) => c.steps) as RunStep[];
const sqlOf = (plan: Plan) => runSteps(plan).map((s) => (isSecret(s.stdin) ? s.stdin.reveal() : s.stdin)).join('');
const diffOf = (plan: Plan) => plan.changes.map((c) => (c.diff ? renderDiff(c.diff) : '')).join('\n');

/** Nothing that leaves the planner as plain data may hold the password or a verifier. */
function expectNoSecret(plan: Plan): void {
  const json = JSON.stringify(plan);
  expect(json).not.toContain(PASSWORD);
  expect(json).not.toContain('SCRAM-SHA-256$');
  for (const c of plan.changes) {
    expect(c.summary).not.toContain(PASSWORD);
    for (const s of c.steps) {
      const command = s.kind === 'run' ? s.command : s.path;
      expect(command).not.toContain(PASSWORD);
      expect(command).not.toContain('SCRAM');
      expect(command).not.toMatch(/PASSWORD|ALTER|CREATE/);
    }
  }
  expect(diffOf(plan)).not.toContain(PASSWORD);
}

describe('postgres_user planner', () => {
  const cases: { name: string; args: Record<string, unknown>; fact: RoleFact; ok?: RegExp; summaries?: string[]; sql?: RegExp[]; diff?: string[] }[] = [
    { name: 'nothing to do: attributes and password match', args: { name: 'pa', password: pw() }, fact: role(), ok: /role pa has the wanted attributes and password/ },
    { name: 'nothing to do: no password managed', args: { name: 'pa' }, fact: role({ password: null }), ok: /role pa has the wanted attributes$/ },
    { name: 'absent, role missing', args: { name: 'pa', state: 'absent' }, fact: { status: 'ok', role: null }, ok: /role pa does not exist/ },
    { name: 'absent, PostgreSQL not installed', args: { name: 'pa', state: 'absent' }, fact: { status: 'not-installed' }, ok: /PostgreSQL is not installed/ },
    {
      name: 'create on a fresh host (PostgreSQL not installed yet)',
      args: { name: 'pa', password: pw() },
      fact: { status: 'not-installed' },
      summaries: ['create role pa (PostgreSQL is not installed yet)'],
      sql: [/^CREATE ROLE "pa" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD 'SCRAM-SHA-256\$4096:[^']+';\n$/],
      diff: ['+ role pa: LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1', '+ password: set'],
    },
    {
      name: 'create without password, with attributes',
      args: { name: 'app_ro', login: false, createdb: true, connection_limit: 3 },
      fact: { status: 'ok', role: null },
      summaries: ['create role app_ro'],
      sql: [/^CREATE ROLE "app_ro" WITH NOLOGIN NOSUPERUSER CREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3;\n$/],
    },
    {
      name: 'password changed by hand',
      args: { name: 'pa', password: pw() },
      fact: role({ password: new Secret(scramVerifier('changed-by-hand')) }),
      summaries: ['set password of role pa'],
      sql: [/^ALTER ROLE "pa" PASSWORD 'SCRAM-SHA-256\$4096:[^']+';\n$/],
      diff: ['role pa:', '~ password: changed'],
    },
    {
      name: 'password stored as md5',
      args: { name: 'pa', password: pw() },
      fact: role({ password: new Secret('md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') }),
      summaries: ['set password of role pa'],
      diff: ['~ password: changed'],
    },
    {
      name: 'role without a password gets one',
      args: { name: 'pa', password: pw() },
      fact: role({ password: null }),
      summaries: ['set password of role pa'],
      diff: ['~ password: set (the role had none)'],
    },
    {
      name: 'attributes drifted (superuser granted by hand, limit changed)',
      args: { name: 'pa', password: pw(), createdb: true, connection_limit: 10 },
      fact: role({ superuser: true, connectionLimit: 5 }),
      summaries: ['alter role pa: NOSUPERUSER CREATEDB CONNECTION LIMIT 10'],
      sql: [/^ALTER ROLE "pa" WITH NOSUPERUSER CREATEDB CONNECTION LIMIT 10;\n$/],
      diff: ['~ superuser: true -> false', '~ createdb: false -> true', '~ connection_limit: 5 -> 10'],
    },
    { name: 'drop', args: { name: 'pa', state: 'absent' }, fact: role(), summaries: ['drop role pa'], sql: [/^DROP ROLE "pa";\n$/], diff: ['- role pa'] },
  ];

  it.each(cases)('$name', ({ args, fact, ok, summaries, sql, diff }) => {
    const plan = planUser(args, fact);
    expectNoSecret(plan);
    if (ok) {
      expect(plan.changes).toEqual([]);
      expect(plan.ok).toMatch(ok);
      return;
    }
    expect(plan.changes.map((c) => c.summary)).toEqual(summaries);
    for (const s of runSteps(plan)) {
      expect(s.kind).toBe('run');
      expect(s.command).toBe(psqlCommand());
      expect(s.stdin).toBeDefined();
    }
    for (const [i, re] of (sql ?? []).entries()) {
      const s = runSteps(plan)[i].stdin!;
      expect(isSecret(s) ? s.reveal() : s).toMatch(re);
    }
    const text = diffOf(plan);
    for (const line of diff ?? []) expect(text).toContain(line);
  });

  it('sends a new verifier of the given password, as a Secret on stdin, never the plain text', () => {
    for (const fact of [role({ password: new Secret(scramVerifier('old-password')) }), { status: 'not-installed' } as RoleFact]) {
      const plan = planUser({ name: 'pa', password: pw() }, fact);
      const step = runSteps(plan).at(-1)!;
      expect(isSecret(step.stdin)).toBe(true);
      const sql = (step.stdin as Secret).reveal();
      expect(sql).not.toContain(PASSWORD);
      const verifier = /PASSWORD '([^']+)'/.exec(sql)![1];
      expect(scramMatches(PASSWORD, verifier)).toBe(true);
      expect(JSON.stringify(step)).toBe(`{"kind":"run","command":${JSON.stringify(psqlCommand())},"stdin":"********","label":"psql -d postgres (SQL on stdin)"}`);
    }
  });

  it('gives every host built from this controller the same verifier for a role, and each role its own salt', () => {
    const verifierOf = (name: string, f: RoleFact) => /PASSWORD '([^']+)'/.exec((runSteps(planUser({ name, password: pw() }, f)).at(-1)!.stdin as Secret).reveal())![1];
    const hostA = verifierOf('pa', { status: 'ok', role: null });
    const hostB = verifierOf('pa', role({ password: new Secret(scramVerifier('old-password')) }));
    expect(hostB).toBe(hostA);
    const other = verifierOf('app', { status: 'ok', role: null });
    expect(parseScramVerifier(other)!.salt.equals(parseScramVerifier(hostA)!.salt)).toBe(false);
    expect(parseScramVerifier(hostA)!.salt).toHaveLength(16);
    expect(scramMatches(PASSWORD, other)).toBe(true);
  });

  it('a password change and an attribute change are two changes in one round trip', () => {
    const plan = planUser({ name: 'pa', password: pw(), createdb: true }, role({ password: null }));
    expect(plan.changes.map((c) => c.summary)).toEqual(['alter role pa: CREATEDB', 'set password of role pa']);
    expectNoSecret(plan);
  });

  it('refuses to demote the bootstrap superuser postgres (a password-only task would otherwise default superuser to false)', () => {
    const postgres = role({ superuser: true, createdb: true, createrole: true, replication: true, bypassrls: true });
    expect(() => planUser({ name: 'postgres', password: pw() }, postgres)).toThrow(/refusing to take SUPERUSER from the bootstrap role postgres/);
    const plan = planUser({ name: 'postgres', password: pw(), superuser: true, createdb: true, createrole: true, replication: true, bypassrls: true }, postgres);
    expect(plan.ok).toMatch(/role postgres has the wanted attributes and password/);
  });

  it('fails clearly when PostgreSQL is installed but does not answer', () => {
    expect(() => planUser({ name: 'pa' }, { status: 'error', message: 'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed' })).toThrow(
      /cannot read role pa from PostgreSQL .*connection to server/,
    );
  });
});

describe('postgres_db planner', () => {
  const acl = (entries: Record<string, string[]>) => new Map(Object.entries(entries).map(([r, p]) => [r, new Set(p)]));
  const db = (over: Partial<DbState> = {}): DbFact => ({
    status: 'ok',
    db: { owner: 'pa', encoding: 'UTF8', collate: 'C.UTF-8', ctype: 'C.UTF-8', acl: acl({ pa: ['CREATE', 'TEMPORARY', 'CONNECT'], PUBLIC: ['CONNECT', 'TEMPORARY'] }), ...over },
  });
  const full = { name: 'pa', owner: 'pa', encoding: 'UTF8', locale: 'C.UTF-8', privileges: [{ role: 'pa', privileges: ['ALL'] }] };
  const planDb = (args: Record<string, unknown>, f: DbFact) => postgresDb.plan(postgresDb.schema.parse(args), { db: f }, ctx);

  const cases: { name: string; args: Record<string, unknown>; fact: DbFact; ok?: RegExp; steps?: [string, string][]; diff?: string[] }[] = [
    { name: 'nothing to do', args: full, fact: db(), ok: /database pa exists, owner pa, privileges as wanted/ },
    { name: 'nothing to do: spelled differently (utf-8, C.utf8)', args: { ...full, encoding: 'utf-8', locale: 'C.utf8' }, fact: db(), ok: /exists/ },
    { name: 'nothing to do: owner not managed', args: { name: 'pa' }, fact: db({ owner: 'postgres' }), ok: /owner postgres$/ },
    { name: 'absent and missing', args: { name: 'pa', state: 'absent' }, fact: { status: 'ok', db: null }, ok: /does not exist/ },
    { name: 'absent, PostgreSQL not installed', args: { name: 'pa', state: 'absent' }, fact: { status: 'not-installed' }, ok: /PostgreSQL is not installed/ },
    {
      name: 'create on a fresh host: template0 because encoding/locale are given; owner already has ALL',
      args: full,
      fact: { status: 'not-installed' },
      steps: [['postgres', `CREATE DATABASE "pa" WITH OWNER "pa" TEMPLATE "template0" ENCODING 'UTF8' LOCALE 'C.UTF-8';\n`]],
      diff: ['+ database pa (owner pa, encoding UTF8, locale C.UTF-8, template template0)'],
    },
    {
      name: 'create plainly, grant to another role, revoke PUBLIC, grant schema public',
      args: { name: 'shop', privileges: [{ role: 'app', privileges: ['CONNECT', 'TEMP'], schema_public: ['USAGE'] }, { role: 'PUBLIC', privileges: [] }] },
      fact: { status: 'ok', db: null },
      steps: [
        ['postgres', 'CREATE DATABASE "shop";\n'],
        ['postgres', 'GRANT CONNECT, TEMPORARY ON DATABASE "shop" TO "app";\n'],
        ['postgres', 'REVOKE CONNECT, TEMPORARY ON DATABASE "shop" FROM PUBLIC;\n'],
        ['shop', 'GRANT USAGE ON SCHEMA public TO "app";\n'],
      ],
      diff: ['+ database shop', 'privileges on database shop:', '+ app: CONNECT, TEMPORARY', '- PUBLIC: CONNECT, TEMPORARY', 'privileges on schema public in shop:', '+ app: USAGE'],
    },
    {
      name: 'owner changed by hand: the ACL follows the owner, so no needless grant',
      args: full,
      fact: db({ owner: 'postgres', acl: acl({ postgres: ['CREATE', 'TEMPORARY', 'CONNECT'], PUBLIC: ['CONNECT', 'TEMPORARY'] }) }),
      steps: [['postgres', 'ALTER DATABASE "pa" OWNER TO "pa";\n']],
      diff: ['database pa:', '~ owner: postgres -> pa'],
    },
    {
      name: 'privileges drifted: TEMPORARY revoked by hand, CONNECT granted to someone listed without it',
      args: { name: 'pa', privileges: [{ role: 'pa', privileges: ['ALL'] }, { role: 'reporting', privileges: [] }] },
      fact: db({ acl: acl({ pa: ['CREATE', 'CONNECT'], reporting: ['CONNECT'], other: ['CONNECT'] }) }),
      steps: [
        ['postgres', 'GRANT TEMPORARY ON DATABASE "pa" TO "pa";\n'],
        ['postgres', 'REVOKE CONNECT ON DATABASE "pa" FROM "reporting";\n'],
      ],
      diff: ['+ pa: TEMPORARY', '- reporting: CONNECT'],
    },
    {
      name: 'schema public: exact privileges of the listed role',
      args: { name: 'pa', privileges: [{ role: 'pa', privileges: ['ALL'], schema_public: ['USAGE'] }] },
      fact: db({ schemaAcl: acl({ pg_database_owner: ['USAGE', 'CREATE'], PUBLIC: ['USAGE'], pa: ['USAGE', 'CREATE'] }) }),
      steps: [['pa', 'REVOKE CREATE ON SCHEMA public FROM "pa";\n']],
      diff: ['privileges on schema public in pa:', '- pa: CREATE'],
    },
    { name: 'drop', args: { name: 'pa', state: 'absent' }, fact: db(), steps: [['postgres', 'DROP DATABASE "pa";\n']], diff: ['- database pa (owner pa)'] },
  ];

  it.each(cases)('$name', ({ args, fact, ok, steps, diff }) => {
    const plan = planDb(args, fact);
    if (ok) {
      expect(plan.changes).toEqual([]);
      expect(plan.ok).toMatch(ok);
      return;
    }
    expect(runSteps(plan).map((s) => [s.command, s.stdin])).toEqual(steps!.map(([d, sql]) => [psqlCommand(d), sql]));
    const text = diffOf(plan);
    for (const line of diff ?? []) expect(text).toContain(line);
    for (const s of runSteps(plan)) expect(s.command).not.toMatch(/GRANT|CREATE|DROP|ALTER/);
  });

  it('names a fresh host in the summary', () => {
    expect(planDb(full, { status: 'not-installed' }).changes[0].summary).toBe('create database pa (PostgreSQL is not installed yet)');
  });

  it.each([
    [{ ...full, encoding: 'LATIN1' }, /exists with encoding UTF8, not LATIN1; PostgreSQL cannot change it/],
    [{ ...full, locale: 'en_US.UTF-8' }, /LC_COLLATE C.UTF-8 and LC_CTYPE C.UTF-8, not en_US.UTF-8/],
  ])('refuses what PostgreSQL cannot change: %j', (args, message) => {
    expect(() => planDb(args, db())).toThrow(message);
  });

  it('fails clearly when PostgreSQL does not answer', () => {
    expect(() => planDb(full, { status: 'error', message: 'no cluster' })).toThrow(/cannot read database pa from PostgreSQL .*no cluster/);
  });

  it('reads the schema ACL only when schema privileges are managed', () => {
    expect(postgresDb.facts(postgresDb.schema.parse(full), ctx).db.key).toBe('postgres_db:pa');
    const withSchema = postgresDb.facts(postgresDb.schema.parse({ name: 'pa', privileges: [{ role: 'pa', privileges: [], schema_public: ['ALL'] }] }), ctx).db;
    expect(withSchema.key).toBe('postgres_db:pa:schema');
    // One session: \\c into the database (only when it exists, and the session did not start there) for the schema's ACL.
    expect(withSchema.script).toContain(
      `current_database() <> 'pa' AS pv_elsewhere \\gset\n\\if :pv_has_db\n\\if :pv_elsewhere\n\\c pa\n\\endif\nSELECT concat_ws(E'\\t', 'pv:nsp'`,
    );
    expect(withSchema.script.match(/setpriv/g)).toHaveLength(1);
    expect(postgresDb.facts(postgresDb.schema.parse(full), ctx).db.script).toContain('if out=$(pv_query -d postgres); then');
  });
});
