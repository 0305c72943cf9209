// postgres_user and postgres_db against a real Debian 12 host (systemd-nspawn) with Debian's
// PostgreSQL 15, through the built CLI as a user runs it: check mode on a fresh host, apply,
// idempotence (passwords included), drift shown by check mode and left alone, then fixed.
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scramMatches } from '../../tasks/postgres-common.js';
import { useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject, type ProvisionResult } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const NAME = 'pv-pg';
const PASSWORD = 'pa-Db-pass-7f3c91e2';
const BY_HAND = 'changed-by-hand-42';

let host: TestHost;
let project: string;
const outputs: string[] = [];

const PLAYBOOK = `- hosts: ${NAME}
  tasks:
    - name: PostgreSQL server
      apt: { packages: [postgresql], update_cache: true, install_recommends: false }
    - name: database user
      postgres_user: { name: pa, password: "{{ db_password }}", connection_limit: 20 }
    - name: database
      postgres_db:
        name: pa
        owner: pa
        encoding: UTF8
        locale: C.UTF-8
        privileges:
          - { role: pa, privileges: [ALL], schema_public: [USAGE, CREATE] }
          - { role: PUBLIC, privileges: [] }
`;

type Run = ProvisionResult & { tasks: NonNullable<ProvisionResult['report']>['hosts'][string]['tasks'] };

async function play(file: string, ...flags: string[]): Promise<Run> {
  const r = await runCli([`${project}/${file}`, '-i', host.inventory, '-e', `@${project}/secrets.yaml`, ...flags]);
  outputs.push(r.stdout, r.stderr, JSON.stringify(r.report ?? null));
  return { ...r, tasks: r.report?.hosts[NAME]?.tasks ?? [] };
}

function expectChanged(r: Run, changed: number): void {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(totals(r.report), `${r.stdout}\n${r.stderr}`).toMatchObject({ changed, failed: 0, unreachable: 0 });
}

const sh = async (script: string): Promise<string> => (await host.sh(script)).stdout.trim();
const sql = (query: string, db = 'postgres') => sh(`cd / && runuser -u postgres -- psql -X -q -A -t -d ${db} -c "${query}"`);
/** Logs in as pa over TCP with a password, as the app does. */
const login = (password: string) => host.sh(`PGPASSWORD='${password}' psql -X -q -A -t -h 127.0.0.1 -U pa -d pa -c 'select current_user'`);

describe.skipIf(!isRoot)('postgres_user and postgres_db on a real host', () => {
  useTestHost(NAME, (h) => (host = h));
  beforeAll(async () => {
    project = writeProject({
      'site.yaml': PLAYBOOK,
      'secrets.yaml': `db_password: !secret ${PASSWORD}\n`,
      'bad.yaml': `- hosts: ${NAME}\n  tasks:\n    - postgres_user: { name: "pa; DROP TABLE x", password: "{{ db_password }}" }\n    - postgres_db: { name: '"x', owner: -x }\n`,
      'remove.yaml': `- hosts: ${NAME}\n  tasks:\n    - postgres_db: { name: pa, state: absent }\n    - postgres_user: { name: pa, state: absent }\n`,
    });
  });

  it('rejects hostile names before any host is touched', async () => {
    const r = await play('bad.yaml');
    expect(r.exitCode).toBe(4);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(/bad\.yaml:3:\d+.*name.*PostgreSQL name/);
    expect(text).toMatch(/bad\.yaml:4:\d+.*name.*PostgreSQL name/);
    expect(text).toMatch(/bad\.yaml:4:\d+.*owner/);
    expect(text).toMatch(/no host was touched/i);
    expect(r.report).toBeUndefined();
  });

  it('check mode on a fresh host plans everything and changes nothing', async () => {
    const r = await play('site.yaml', '--check');
    expectChanged(r, 3);
    expect(r.tasks.map((t) => t.message)).toEqual([
      expect.stringMatching(/^would .*install postgresql$/),
      'would create role pa (PostgreSQL is not installed yet)',
      'would create database pa (PostgreSQL is not installed yet); revoke CONNECT, TEMPORARY on database pa from PUBLIC; grant USAGE, CREATE on schema public in pa to pa',
    ]);
    expect(r.tasks[1].diff).toBe('+ role pa: LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20\n+ password: set');
    expect(r.tasks[2].diff).toContain('+ database pa (owner pa, encoding UTF8, locale C.UTF-8, template template0)');
    expect(await host.sh('test -e /usr/bin/psql')).toMatchObject({ code: 1 });
    expect(await sh('id -u postgres 2>&1; true')).toMatch(/no such user/);
  }, 120_000);

  it('applies, and the second run changes nothing', async () => {
    // Watch the remote process list while the run applies.
    // (Read from /proc: the minimal image has no ps.)
    await sh(`nohup sh -c 'while [ ! -e /tmp/stop-ps ]; do for f in /proc/[0-9]*/cmdline; do tr "\\\\0" " " < $f 2>/dev/null; echo; done >> /tmp/ps.log; sleep 0.02; done' >/dev/null 2>&1 &`);
    const t0 = Date.now();
    const first = await play('site.yaml', '--verbose');
    console.log(`first run (installs PostgreSQL) ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    await sh('touch /tmp/stop-ps; sleep 0.2');
    expectChanged(first, 3);
    expect(first.tasks.map((t) => t.message).slice(1)).toEqual([
      'create role pa',
      'create database pa; revoke CONNECT, TEMPORARY on database pa from PUBLIC; grant USAGE, CREATE on schema public in pa to pa',
    ]);
    const ps = await sh('cat /tmp/ps.log');
    // psql lives for milliseconds: the sampler may or may not catch it; what it caught must hold no secret.
    console.log(`process list sampled; psql command lines caught: ${ps.split('\n').filter((l) => l.includes('psql')).length}`);
    expect(ps.length).toBeGreaterThan(0);
    expect(ps).not.toContain(PASSWORD);
    expect(ps).not.toMatch(/SCRAM-SHA-256|PASSWORD/);

    const t1 = Date.now();
    const second = await play('site.yaml');
    console.log(`second run ${((Date.now() - t1) / 1000).toFixed(1)}s`);
    expectChanged(second, 0);
    expect(second.tasks.map((t) => t.message).slice(1)).toEqual(['role pa has the wanted attributes and password', 'database pa exists, owner pa, privileges as wanted']);

    expect(await sql("select rolcanlogin, rolsuper, rolconnlimit from pg_roles where rolname = 'pa'")).toBe('t|f|20');
    expect(await sql("select pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datacl from pg_database where datname = 'pa'")).toBe('pa|UTF8|C.UTF-8|{pa=CTc/pa}');
    // The stored verifier is one we made: the plain text never reached the host.
    expect(scramMatches(PASSWORD, await sql("select rolpassword from pg_authid where rolname = 'pa'"))).toBe(true);
  }, 300_000);

  it('the user logs in with the password over TCP and may create tables in schema public', async () => {
    expect(await login(PASSWORD)).toMatchObject({ code: 0, stdout: 'pa\n' });
    expect((await login('wrong-password')).stderr).toMatch(/password authentication failed for user "pa"/);
    expect((await host.sh(`PGPASSWORD='${PASSWORD}' psql -X -q -h 127.0.0.1 -U pa -d pa -c 'create table t (i int); drop table t'`)).code).toBe(0);
  });

  it('a password set by hand to the same value, hashed by the server with its own salt, still counts as unchanged', async () => {
    await sql(`ALTER ROLE pa PASSWORD '${PASSWORD}'`);
    const r = await play('site.yaml');
    expectChanged(r, 0);
    expect(r.tasks[1].message).toBe('role pa has the wanted attributes and password');
  }, 120_000);

  it('check mode shows drift (password and owner changed by hand) and leaves it; a run fixes it', async () => {
    await sql(`ALTER ROLE pa PASSWORD '${BY_HAND}'`);
    await sql('ALTER DATABASE pa OWNER TO postgres');
    await sql('GRANT CONNECT ON DATABASE pa TO PUBLIC');
    const before = await sql("select rolpassword from pg_authid where rolname = 'pa'");

    const check = await play('site.yaml', '--check');
    expectChanged(check, 2);
    expect(check.tasks[1].message).toBe('would set password of role pa');
    expect(check.tasks[1].diff).toBe('role pa:\n~ password: changed');
    expect(check.tasks[2].message).toBe('would change owner of database pa to pa; revoke CONNECT on database pa from PUBLIC');
    expect(check.tasks[2].diff).toBe('database pa:\n~ owner: postgres -> pa\nprivileges on database pa:\n- PUBLIC: CONNECT');
    expect(await sql("select rolpassword from pg_authid where rolname = 'pa'")).toBe(before);
    expect(await sql("select pg_get_userbyid(datdba) from pg_database where datname = 'pa'")).toBe('postgres');
    expect((await login(BY_HAND)).code).toBe(0);
    expect((await login(PASSWORD)).code).not.toBe(0);

    const fix = await play('site.yaml');
    expectChanged(fix, 2);
    expect(fix.tasks[1].message).toBe('set password of role pa');
    expect((await login(PASSWORD)).code).toBe(0);
    expect((await login(BY_HAND)).code).not.toBe(0);
    expect(await sql("select pg_get_userbyid(datdba), datacl from pg_database where datname = 'pa'")).toBe('pa|{pa=CTc/pa}');
    expectChanged(await play('site.yaml'), 0);
  }, 180_000);

  it('a changed password in the secrets file is applied on the next run', async () => {
    writeFileSync(`${project}/secrets.yaml`, `db_password: !secret ${PASSWORD}-v2\n`);
    const r = await play('site.yaml', '--diff');
    expectChanged(r, 1);
    expect(r.tasks[1].diff).toBe('role pa:\n~ password: changed');
    expect((await login(`${PASSWORD}-v2`)).code).toBe(0);
    writeFileSync(`${project}/secrets.yaml`, `db_password: !secret ${PASSWORD}\n`);
    expectChanged(await play('site.yaml'), 1);
  }, 120_000);

  it("the database owner's search_path and functions never run in provision's superuser session", async () => {
    // pa owns database pa: it may set the database's search_path and create functions in it. A
    // concat_ws of its own, first on that path, would run as superuser inside the fact query and
    // (here) report a grant that does not exist.
    await host.sh(`cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d pa <<'SQL'
SET ROLE pa;
ALTER DATABASE pa SET search_path = public, pg_catalog;
CREATE FUNCTION public.concat_ws(text, text, name, text) RETURNS text LANGUAGE sql AS $$ SELECT 'pv:nsp' || chr(9) || 'mallory' || chr(9) || 'CREATE' $$;
SQL`);
    expect(await sh(`cd / && runuser -u postgres -- psql -X -q -A -t -d pa -c "select concat_ws(E'\\t', 'pv:nsp', 'x'::name, 'y')"`)).toBe('pv:nsp\tmallory\tCREATE');
    const r = await play('site.yaml', '--check');
    expectChanged(r, 0);
    expect(r.tasks[2].message).toMatch(/^database pa /);
    await sql('ALTER DATABASE pa RESET search_path', 'pa');
    await sql('DROP FUNCTION public.concat_ws(text, text, name, text)', 'pa');
  }, 120_000);

  it('removes the database and the role (check first), then reports them absent', async () => {
    const check = await play('remove.yaml', '--check');
    expectChanged(check, 2);
    expect(check.tasks.map((t) => t.message)).toEqual(['would drop database pa', 'would drop role pa']);
    expect(await sql("select count(*) from pg_roles where rolname = 'pa'")).toBe('1');
    expectChanged(await play('remove.yaml'), 2);
    const again = await play('remove.yaml');
    expectChanged(again, 0);
    expect(again.tasks.map((t) => t.message)).toEqual(['database pa does not exist', 'role pa does not exist']);
  }, 120_000);

  it('never shows the password: not in stdout, stderr or any report', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const o of outputs) {
      expect(o).not.toContain(PASSWORD);
      expect(o).not.toContain(BY_HAND);
      expect(o).not.toContain('SCRAM-SHA-256$');
    }
  });
});
