import * as z from 'zod';
import { nothingToDo, type Change, type Step } from '../src/plan.js';
import { defineTask } from '../src/task-type.js';
import { pgDatabaseName, pgRoleName, psqlError, psqlFact, psqlStep, quoteIdent, quoteLiteral, type PsqlResult } from './postgres-common.js';

const DB_PRIVILEGES = ['CONNECT', 'CREATE', 'TEMPORARY'] as const;
const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE'] as const;
type DbPrivilege = (typeof DB_PRIVILEGES)[number];
type SchemaPrivilege = (typeof SCHEMA_PRIVILEGES)[number];

const upper = (values: readonly string[]) => z.string().transform((s) => s.toUpperCase()).pipe(z.enum(values as [string, ...string[]]));

const dbPrivilege = upper(['ALL', 'ALL PRIVILEGES', ...DB_PRIVILEGES, 'TEMP']).describe('ALL, CONNECT, CREATE, TEMPORARY (or TEMP).');
const schemaPrivilege = upper(['ALL', 'ALL PRIVILEGES', ...SCHEMA_PRIVILEGES]).describe('ALL, USAGE, CREATE.');

/** PUBLIC (every role) or a role name. */
const grantee = z.union([z.enum(['PUBLIC', 'public']).transform(() => 'PUBLIC' as const), pgRoleName]);

const privilegeEntry = z.strictObject({
  role: grantee.describe('The role that gets the privileges, or PUBLIC (every role).'),
  privileges: z
    .array(dbPrivilege)
    .describe('Database privileges this role has, exactly: missing ones are granted, others revoked ([] revokes all). ALL = CONNECT, CREATE, TEMPORARY.'),
  schema_public: z
    .array(schemaPrivilege)
    .optional()
    .describe('Privileges on the schema "public" inside the database, exactly (USAGE, CREATE; ALL = both). Unset: left alone.'),
});

const schema = z
  .strictObject({
    name: pgDatabaseName.describe('The database name: lowercase letters, digits and "_".'),
    state: z.enum(['present', 'absent']).default('present').describe('present: the database exists; absent: drop it (fails while sessions are connected).'),
    owner: pgRoleName.optional().describe('Owning role (must exist: put the postgres_user task first). Unset: postgres for a new database; an existing one keeps its owner.'),
    encoding: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected an encoding name such as UTF8')
      .optional()
      .describe('Character encoding of a new database, e.g. UTF8. PostgreSQL cannot change it later: a different existing encoding fails the task.'),
    locale: z
      .string()
      .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'expected a locale name such as C.UTF-8 or en_US.UTF-8')
      .optional()
      .describe('LC_COLLATE and LC_CTYPE of a new database, e.g. C.UTF-8 (must exist on the host). Fixed after creation, like encoding.'),
    template: pgDatabaseName
      .optional()
      .describe('Template of a new database. Unset: template1, or template0 when encoding or locale is given (template1 may not allow another encoding or locale).'),
    privileges: z
      .array(privilegeEntry)
      .default([])
      .describe('Database-level privileges per role (GRANT ... ON DATABASE), each exact for the roles listed; roles not listed are left alone.'),
  })
  .refine((a) => !(a.state === 'absent' && ['postgres', 'template0', 'template1'].includes(a.name)), { message: 'refusing to drop a system database', path: ['name'] })
  .refine((a) => new Set(a.privileges.map((p) => p.role)).size === a.privileges.length, { message: 'each role may appear only once in privileges', path: ['privileges'] })
  .describe('A PostgreSQL database: owner, encoding/locale/template at creation, database and schema-public privileges, present/absent.');

export type PostgresDbArgs = z.infer<typeof schema>;

/** role (or PUBLIC) → privileges it holds. */
export type Acl = Map<string, Set<string>>;

export interface DbState {
  owner: string;
  encoding: string;
  collate: string;
  ctype: string;
  acl: Acl;
  /** ACL of schema public inside the database; only read when a task manages it. */
  schemaAcl?: Acl;
}

export type DbFact = { status: 'not-installed' } | { status: 'error'; message: string } | { status: 'ok'; db: DbState | null };

const granteeName = `CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END`;

export function dbQuery(name: string): string {
  const n = quoteLiteral(name);
  return [
    `SELECT concat_ws(E'\\t', 'pv:db', pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate, d.datctype) FROM pg_database d WHERE d.datname = ${n}`,
    `UNION ALL SELECT concat_ws(E'\\t', 'pv:acl', ${granteeName}, a.privilege_type) FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a WHERE d.datname = ${n}`,
  ].join(' ');
}

export const SCHEMA_QUERY = `SELECT concat_ws(E'\\t', 'pv:nsp', ${granteeName}, a.privilege_type) FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a WHERE n.nspname = 'public'`;

function addAcl(acl: Acl, role: string, privilege: string): void {
  if (!acl.has(role)) acl.set(role, new Set());
  acl.get(role)!.add(privilege);
}

export function parseDbFact(r: PsqlResult, withSchema: boolean): DbFact {
  if (r.status !== 'ok') return r;
  const row = r.rows.find((f) => f[0] === 'pv:db');
  if (!row) return { status: 'ok', db: null };
  const db: DbState = { owner: row[1], encoding: row[2], collate: row[3], ctype: row[4], acl: new Map() };
  for (const f of r.rows) if (f[0] === 'pv:acl') addAcl(db.acl, f[1], f[2]);
  if (withSchema) {
    db.schemaAcl = new Map();
    for (const f of r.rows) if (f[0] === 'pv:nsp') addAcl(db.schemaAcl, f[1], f[2]);
  }
  return { status: 'ok', db };
}

export function dbFact(name: string, withSchema: boolean) {
  // The public schema's privileges live in the database itself: \c there, in the same session, when it
  // exists and the session did not start there (psqlFactScript starts it there when it can).
  const literal = quoteLiteral(name);
  const sql = [
    `${dbQuery(name)};`,
    ...(withSchema
      ? [
          `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${literal}) AS pv_has_db, current_database() <> ${literal} AS pv_elsewhere \\gset`,
          '\\if :pv_has_db',
          '\\if :pv_elsewhere',
          `\\c ${name}`,
          '\\endif',
          `${SCHEMA_QUERY};`,
          '\\endif',
        ]
      : []),
  ].join('\n');
  return psqlFact(`postgres_db:${name}${withSchema ? ':schema' : ''}`, sql, (r) => parseDbFact(r, withSchema));
}

const expand = <T extends string>(list: string[], all: readonly T[]): T[] => {
  const set = new Set<string>(list.flatMap((p): readonly string[] => (p === 'ALL' || p === 'ALL PRIVILEGES' ? all : [p === 'TEMP' ? 'TEMPORARY' : p])));
  return all.filter((p) => set.has(p));
};

/** "utf-8" and "UTF8" are the same encoding; "C.utf8" and "C.UTF-8" the same locale. */
const normEncoding = (e: string) => e.toUpperCase().replace(/[-_]/g, '');
const normLocale = (l: string) => l.replace(/\.(utf-?8)$/i, '.utf8').toLowerCase();

/** ALTER DATABASE OWNER rewrites the ACL as PostgreSQL's aclnewowner does: the old owner's entries become the new owner's. */
function withNewOwner(acl: Acl, from: string, to: string): Acl {
  const out: Acl = new Map([...acl].map(([r, p]) => [r, new Set(p)]));
  const moved = out.get(from);
  if (moved) {
    out.delete(from);
    for (const p of moved) addAcl(out, to, p);
  }
  return out;
}

/** The ACL of a new database: its owner has everything, PUBLIC may connect and create temporary tables. */
function defaultDbAcl(owner: string): Acl {
  return new Map([[owner, new Set<string>(DB_PRIVILEGES)], ['PUBLIC', new Set(['CONNECT', 'TEMPORARY'])]]);
}

/** Schema public of a new database as template1 has it since PostgreSQL 15. */
function defaultSchemaAcl(): Acl {
  return new Map([['pg_database_owner', new Set<string>(SCHEMA_PRIVILEGES)], ['PUBLIC', new Set(['USAGE'])]]);
}

const granteeSql = (role: string) => (role === 'PUBLIC' ? 'PUBLIC' : quoteIdent(role));

/** Grants and revokes that make each listed role hold exactly its wanted privileges on one object. */
function privilegeChanges(object: string, objectSql: string, database: string, entries: { role: string; want: string[] }[], have: Acl): Change[] {
  const changes: Change[] = [];
  for (const { role, want } of entries) {
    const held = have.get(role) ?? new Set<string>();
    const grant = want.filter((p) => !held.has(p));
    const revoke = [...held].filter((p) => !want.includes(p)).sort();
    const steps: Step[] = [];
    const lines: string[] = [];
    if (grant.length) {
      steps.push(psqlStep(`GRANT ${grant.join(', ')} ON ${objectSql} TO ${granteeSql(role)};\n`, database));
      lines.push(`+ ${role}: ${grant.join(', ')}`);
    }
    if (revoke.length) {
      steps.push(psqlStep(`REVOKE ${revoke.join(', ')} ON ${objectSql} FROM ${granteeSql(role)};\n`, database));
      lines.push(`- ${role}: ${revoke.join(', ')}`);
    }
    if (!steps.length) continue;
    const what = [grant.length ? `grant ${grant.join(', ')}` : '', revoke.length ? `revoke ${revoke.join(', ')}` : ''].filter(Boolean).join(', ');
    changes.push({ summary: `${what} on ${object} ${grant.length ? 'to' : 'from'} ${role}`, diff: { kind: 'lines', lines: [`privileges on ${object}:`, ...lines] }, steps });
  }
  return changes;
}

export const postgresDb = defineTask({
  name: 'postgres_db',
  summary: 'PostgreSQL database: owner, encoding/locale/template, database privileges, present/absent.',
  schema: schema as z.ZodType<PostgresDbArgs>,
  example: `- name: Database for personal-analytics
  postgres_db:
    name: pa
    owner: pa
    encoding: UTF8
    locale: C.UTF-8
    privileges:
      - { role: pa, privileges: [ALL], schema_public: [USAGE, CREATE] }
      - { role: PUBLIC, privileges: [] }`,
  facts: (a) => ({ db: dbFact(a.name, a.privileges.some((p) => p.schema_public !== undefined)) }),
  plan(a, { db: f }) {
    if (f.status === 'error') throw psqlError(`database ${a.name}`, f.message);
    const notInstalled = f.status === 'not-installed';
    const existing = f.status === 'ok' ? f.db : null;
    const db = quoteIdent(a.name);

    if (a.state === 'absent') {
      if (!existing) return nothingToDo(notInstalled ? `PostgreSQL is not installed: database ${a.name} does not exist` : `database ${a.name} does not exist`);
      return { changes: [{ summary: `drop database ${a.name}`, diff: { kind: 'lines', lines: [`- database ${a.name} (owner ${existing.owner})`] }, steps: [psqlStep(`DROP DATABASE ${db};\n`)] }] };
    }

    const changes: Change[] = [];
    let dbAcl: Acl;
    let schemaAcl: Acl;
    if (!existing) {
      const template = a.template ?? (a.encoding || a.locale ? 'template0' : undefined);
      const options = [
        a.owner ? `OWNER ${quoteIdent(a.owner)}` : '',
        template ? `TEMPLATE ${quoteIdent(template)}` : '',
        a.encoding ? `ENCODING ${quoteLiteral(a.encoding)}` : '',
        a.locale ? `LOCALE ${quoteLiteral(a.locale)}` : '',
      ].filter(Boolean);
      const shown = [a.owner && `owner ${a.owner}`, a.encoding && `encoding ${a.encoding}`, a.locale && `locale ${a.locale}`, template && `template ${template}`].filter(Boolean);
      changes.push({
        summary: `create database ${a.name}${notInstalled ? ' (PostgreSQL is not installed yet)' : ''}`,
        diff: { kind: 'lines', lines: [`+ database ${a.name}${shown.length ? ` (${shown.join(', ')})` : ''}`] },
        steps: [psqlStep(`CREATE DATABASE ${db}${options.length ? ` WITH ${options.join(' ')}` : ''};\n`)],
      });
      dbAcl = defaultDbAcl(a.owner ?? 'postgres');
      schemaAcl = defaultSchemaAcl();
    } else {
      if (a.encoding && normEncoding(a.encoding) !== normEncoding(existing.encoding)) {
        throw new Error(`database ${a.name} exists with encoding ${existing.encoding}, not ${a.encoding}; PostgreSQL cannot change it (dump, drop, recreate and restore)`);
      }
      if (a.locale && (normLocale(a.locale) !== normLocale(existing.collate) || normLocale(a.locale) !== normLocale(existing.ctype))) {
        throw new Error(`database ${a.name} exists with LC_COLLATE ${existing.collate} and LC_CTYPE ${existing.ctype}, not ${a.locale}; PostgreSQL cannot change them (dump, drop, recreate and restore)`);
      }
      dbAcl = existing.acl;
      schemaAcl = existing.schemaAcl ?? new Map();
      if (a.owner && a.owner !== existing.owner) {
        changes.push({
          summary: `change owner of database ${a.name} to ${a.owner}`,
          diff: { kind: 'lines', lines: [`database ${a.name}:`, `~ owner: ${existing.owner} -> ${a.owner}`] },
          steps: [psqlStep(`ALTER DATABASE ${db} OWNER TO ${quoteIdent(a.owner)};\n`)],
        });
        dbAcl = withNewOwner(dbAcl, existing.owner, a.owner);
      }
    }

    changes.push(
      ...privilegeChanges(`database ${a.name}`, `DATABASE ${db}`, 'postgres', a.privileges.map((p) => ({ role: p.role, want: expand(p.privileges, DB_PRIVILEGES) })), dbAcl),
      ...privilegeChanges(
        `schema public in ${a.name}`,
        'SCHEMA public',
        a.name,
        a.privileges.filter((p) => p.schema_public !== undefined).map((p) => ({ role: p.role, want: expand(p.schema_public!, SCHEMA_PRIVILEGES) })),
        schemaAcl,
      ),
    );
    if (changes.length) return { changes };
    const owner = existing!.owner;
    return nothingToDo(`database ${a.name} exists, owner ${owner}${a.privileges.length ? ', privileges as wanted' : ''}`);
  },
});
