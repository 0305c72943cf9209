import * as z from 'zod';
import { nothingToDo, type Change } from '../src/plan.js';
import { secretString } from '../src/schemas.js';
import { Secret } from '../src/secret.js';
import { defineTask } from '../src/task-type.js';
import { psqlError, psqlFact, psqlStep, pgRoleName, quoteIdent, quoteLiteral, scramMatches, scramSalt, scramVerifier, type PsqlResult } from './postgres-common.js';

const schema = z
  .strictObject({
    name: pgRoleName.describe('The role (database user) name: lowercase letters, digits and "_".'),
    state: z.enum(['present', 'absent']).default('present').describe('present: the role exists with these attributes; absent: drop it (fails while it still owns objects).'),
    password: secretString
      .optional()
      .describe(
        'Password (a secret: use !secret or a variable from -e @secrets.yaml). Stored as a SCRAM-SHA-256 verifier computed on the controller, so the plain text never reaches the host. Unset: the password is left alone.',
      ),
    login: z.boolean().default(true).describe('LOGIN: the role may log in (a user rather than a group).'),
    superuser: z.boolean().default(false).describe('SUPERUSER: bypasses every permission check. The bootstrap role postgres must keep it (give true).'),
    createdb: z.boolean().default(false).describe('CREATEDB: may create databases.'),
    createrole: z.boolean().default(false).describe('CREATEROLE: may create and alter other roles.'),
    inherit: z.boolean().default(true).describe('INHERIT: uses the privileges of roles it is a member of.'),
    replication: z.boolean().default(false).describe('REPLICATION: may start streaming replication.'),
    bypassrls: z.boolean().default(false).describe('BYPASSRLS: bypasses row-level security policies.'),
    connection_limit: z.number().int().min(-1).default(-1).describe('CONNECTION LIMIT: concurrent connections allowed; -1 is unlimited.'),
  })
  .refine((a) => !(a.state === 'absent' && a.name === 'postgres'), { message: 'refusing to drop the bootstrap superuser "postgres"', path: ['name'] })
  .describe('A PostgreSQL role with a password and attributes. Attributes not given take their defaults (login true, the others false, inherit true, no connection limit) and are enforced on an existing role.');

export type PostgresUserArgs = z.infer<typeof schema>;

/** A role as pg_authid has it. `password` is the stored verifier (masked everywhere). */
export interface RoleState {
  login: boolean;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  inherit: boolean;
  replication: boolean;
  bypassrls: boolean;
  connectionLimit: number;
  password: Secret | null;
}

export type RoleFact = { status: 'not-installed' } | { status: 'error'; message: string } | { status: 'ok'; role: RoleState | null };

const FLAGS = [
  ['login', 'LOGIN', 'rolcanlogin'],
  ['superuser', 'SUPERUSER', 'rolsuper'],
  ['createdb', 'CREATEDB', 'rolcreatedb'],
  ['createrole', 'CREATEROLE', 'rolcreaterole'],
  ['inherit', 'INHERIT', 'rolinherit'],
  ['replication', 'REPLICATION', 'rolreplication'],
  ['bypassrls', 'BYPASSRLS', 'rolbypassrls'],
] as const;

/** One row: pv:role, the flags as t/f, the connection limit, the stored password (empty: none). */
export function roleQuery(name: string): string {
  const cols = [...FLAGS.map(([, , col]) => col), 'rolconnlimit', `coalesce(rolpassword, '')`].join(', ');
  return `SELECT concat_ws(E'\\t', 'pv:role', ${cols}) FROM pg_authid WHERE rolname = ${quoteLiteral(name)}`;
}

export function parseRoleFact(r: PsqlResult): RoleFact {
  if (r.status !== 'ok') return r;
  const row = r.rows.find((f) => f[0] === 'pv:role');
  if (!row) return { status: 'ok', role: null };
  const flag = (i: number) => row[1 + i] === 't';
  const state = Object.fromEntries(FLAGS.map(([key], i) => [key, flag(i)])) as Omit<RoleState, 'connectionLimit' | 'password'>;
  const stored = row[1 + FLAGS.length + 1] ?? '';
  return { status: 'ok', role: { ...state, connectionLimit: Number(row[1 + FLAGS.length]), password: stored ? new Secret(stored) : null } };
}

export function roleFact(name: string) {
  return psqlFact(`postgres_role:${name}`, `${roleQuery(name)};`, parseRoleFact);
}

const attrWord = (flag: (typeof FLAGS)[number], on: boolean) => (on ? flag[1] : `NO${flag[1]}`);

export const postgresUser = defineTask({
  name: 'postgres_user',
  summary: 'PostgreSQL role: password (SCRAM, never on a command line), attributes, present/absent.',
  schema: schema as z.ZodType<PostgresUserArgs>,
  example: `- name: Database user for personal-analytics
  postgres_user:
    name: pa
    password: "{{ db_password }}"
    createdb: false
    connection_limit: 20`,
  facts: (a) => ({ role: roleFact(a.name) }),
  plan(a, { role: f }) {
    if (f.status === 'error') throw psqlError(`role ${a.name}`, f.message);
    const notInstalled = f.status === 'not-installed';
    const existing = f.status === 'ok' ? f.role : null;
    const role = quoteIdent(a.name);

    if (a.state === 'absent') {
      if (!existing) return nothingToDo(notInstalled ? `PostgreSQL is not installed: role ${a.name} does not exist` : `role ${a.name} does not exist`);
      return { changes: [{ summary: `drop role ${a.name}`, diff: { kind: 'lines', lines: [`- role ${a.name}`] }, steps: [psqlStep(`DROP ROLE ${role};\n`)] }] };
    }

    if (!existing) {
      const words = [...FLAGS.map((fl) => attrWord(fl, a[fl[0]])), `CONNECTION LIMIT ${a.connection_limit}`];
      const sql = `CREATE ROLE ${role} WITH ${words.join(' ')}`;
      const lines = [`+ role ${a.name}: ${words.join(' ')}`];
      let stdin: string | Secret = `${sql};\n`;
      if (a.password) {
        stdin = new Secret(`${sql} PASSWORD ${quoteLiteral(scramVerifier(a.password.reveal(), scramSalt(a.name)))};\n`);
        lines.push('+ password: set');
      }
      return { changes: [{ summary: `create role ${a.name}${notInstalled ? ' (PostgreSQL is not installed yet)' : ''}`, diff: { kind: 'lines', lines }, steps: [psqlStep(stdin)] }] };
    }

    if (a.name === 'postgres' && existing.superuser && !a.superuser) {
      throw new Error('refusing to take SUPERUSER from the bootstrap role postgres (attributes not given default to false): set superuser: true, and createdb, createrole, replication, bypassrls: true to keep it as it is');
    }
    const changes: Change[] = [];
    const words: string[] = [];
    const lines: string[] = [];
    for (const fl of FLAGS) {
      if (existing[fl[0]] !== a[fl[0]]) {
        words.push(attrWord(fl, a[fl[0]]));
        lines.push(`~ ${fl[0]}: ${existing[fl[0]]} -> ${a[fl[0]]}`);
      }
    }
    if (existing.connectionLimit !== a.connection_limit) {
      words.push(`CONNECTION LIMIT ${a.connection_limit}`);
      lines.push(`~ connection_limit: ${existing.connectionLimit} -> ${a.connection_limit}`);
    }
    if (words.length) {
      changes.push({
        summary: `alter role ${a.name}: ${words.join(' ')}`,
        diff: { kind: 'lines', lines: [`role ${a.name}:`, ...lines] },
        steps: [psqlStep(`ALTER ROLE ${role} WITH ${words.join(' ')};\n`)],
      });
    }
    const passwordOk = !a.password || scramMatches(a.password.reveal(), existing.password?.reveal());
    if (!passwordOk) {
      const how = existing.password ? 'changed' : 'set (the role had none)';
      changes.push({
        summary: `set password of role ${a.name}`,
        diff: { kind: 'lines', lines: [`role ${a.name}:`, `~ password: ${how}`] },
        steps: [psqlStep(new Secret(`ALTER ROLE ${role} PASSWORD ${quoteLiteral(scramVerifier(a.password!.reveal(), scramSalt(a.name)))};\n`))],
      });
    }
    if (changes.length) return { changes };
    return nothingToDo(`role ${a.name} has the wanted attributes${a.password ? ' and password' : ''}`);
  },
});
