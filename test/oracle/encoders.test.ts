// Differential tests of the template encoders: every troublesome value is written through
// the helper, as a template writes it, and read back by the program that reads that format
// for real: dash and bash (shell_quote; systemd_env_quote's files are also sourced by sh),
// python-dotenv as the apps load their .env (dotenv_quote), libpq's URI parser through
// psycopg2 (url_encode), Python's tomllib (toml_string). systemd's own reading of
// EnvironmentFile= is test/hosts/encoders.test.ts (it needs a real systemd).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/template.js';
import { ROOT } from '../support/provision.js';
import { LINE_BREAK_VALUES, TROUBLESOME_VALUES } from './troublesome-values.js';

const VALUES = Object.entries({ ...TROUBLESOME_VALUES, ...LINE_BREAK_VALUES });
// Debian's python3, which has python3-dotenv and python3-psycopg2 (scripts/setup.sh).
const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'provision-encoders-'));

/** Renders `{{ HELPER v }}` for each value, as a template would. */
function encodeAll(helper: string): string[] {
  return VALUES.map(([, v]) => renderTemplate(`{{ ${helper} v }}`, { v }));
}

/** Runs a Python script given `input` on stdin; it prints JSON. */
function python(script: string, input: string, env: Record<string, string> = {}): any {
  const out = execFileSync(PYTHON, ['-c', script], { input, env: { PATH: '/usr/bin:/bin', ...env } });
  return JSON.parse(out.toString());
}

/** Runs a shell script that prints words NUL-terminated; returns the words. */
function shellWords(shell: string, script: string): string[] {
  return execFileSync(shell, ['-c', script], { env: { PATH: '/usr/bin:/bin', HOME: '/home/expanded', X: 'EXPANDED' } }).toString().split('\0').slice(0, -1);
}

describe.each(['/bin/sh', '/bin/bash'])('shell_quote read by %s', (shell) => {
  const words = shellWords(shell, `printf '%s\\0' ${encodeAll('shell_quote').join(' ')}`);
  it.each(VALUES.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
    expect(words[i]).toBe(value);
  });
});

describe('systemd_env_quote: the EnvironmentFile also reads right with `. FILE` in sh', () => {
  const file = join(dir, 'systemd.env');
  writeFileSync(file, encodeAll('systemd_env_quote').map((e, i) => `V${i}=${e}\n`).join(''));
  const words = shellWords('/bin/sh', `. '${file}' && printf '%s\\0' ${VALUES.map((_, i) => `"$V${i}"`).join(' ')}`);
  it.each(VALUES.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
    expect(words[i]).toBe(value);
  });
});

describe('dotenv_quote read by python-dotenv load_dotenv, with variables it could expand set', () => {
  const file = join(dir, '.env');
  writeFileSync(file, `# Managed by a test\n${encodeAll('dotenv_quote').map((e, i) => `V${i}=${e}\n`).join('')}`);
  // As personal-analytics' settings.py does: load_dotenv(), then os.getenv.
  const read = python(
    'import json, os, sys\nfrom dotenv import load_dotenv\nload_dotenv(sys.stdin.readline().strip())\nprint(json.dumps([os.getenv(f"V{i}") for i in range(' + VALUES.length + ')]))',
    `${file}\n`,
    { HOME: '/home/expanded', X: 'EXPANDED', Y: 'Y-EXPANDED' },
  ) as string[];
  it.each(VALUES.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
    expect(read[i]).toBe(value);
  });
});

describe('url_encode: libpq (psycopg2 parse_dsn) reads user, password and database name of a postgresql:// URL', () => {
  const encoded = encodeAll('url_encode');
  const urls = encoded.map((e) => `postgresql://${e}:${e}@localhost:5432/${e}`);
  // libpq leaves an empty component unset; "" is what a reader then has.
  const read = python(
    'import json, sys\nfrom psycopg2.extensions import parse_dsn\nout = []\nfor url in json.load(sys.stdin):\n    d = parse_dsn(url)\n    out.append([d.get("user", ""), d.get("password", ""), d.get("dbname", ""), d.get("host"), d.get("port")])\nprint(json.dumps(out))',
    JSON.stringify(urls),
  ) as string[][];
  it.each(VALUES.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
    expect(read[i]).toEqual([value, value, value, 'localhost', '5432']);
  });
});

describe('toml_string read by Python tomllib', () => {
  const toml = encodeAll('toml_string').map((e, i) => `v${i} = ${e}\n`).join('');
  const parsed = python('import json, sys, tomllib\nprint(json.dumps(tomllib.loads(sys.stdin.read())))', toml);
  it.each(VALUES.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
    expect(parsed[`v${i}`]).toBe(value);
  });
});

describe("the personal-analytics .env template, as the backend reads it (python-dotenv, then libpq for the URL)", () => {
  const password = TROUBLESOME_VALUES['every troublesome character'];
  const user = 'analytics user@x';
  const db = 'db/name#1';
  const file = join(dir, 'pa.env');
  writeFileSync(file, renderTemplate(readFileSync(join(ROOT, 'templates/personal-analytics/env.hbs'), 'utf8'), { db_user: user, db_password: password, db_name: db, allowed_origins: ['https://pa.example.org'] }));
  const read = python(
    'import json, os, sys\nfrom dotenv import load_dotenv\nfrom psycopg2.extensions import parse_dsn\nload_dotenv(sys.stdin.read())\nurl = parse_dsn(os.environ["PA_DATABASE_URL"])\nprint(json.dumps({k: os.environ.get(k) for k in os.environ if k.startswith("PA_")} | {"url": [url.get("user"), url.get("password"), url.get("dbname")], "origins": json.loads(os.environ["PA_ALLOWED_ORIGINS"])}))',
    file,
    { HOME: '/home/expanded', X: 'EXPANDED', Y: 'Y-EXPANDED' },
  );
  it('PA_DATABASE_PASSWORD, PA_DATABASE_USER and PA_DATABASE_NAME are the values given', () => {
    expect([read.PA_DATABASE_USER, read.PA_DATABASE_PASSWORD, read.PA_DATABASE_NAME]).toEqual([user, password, db]);
  });
  it('PA_DATABASE_URL carries the same user, password and database to libpq', () => {
    expect(read.url).toEqual([user, password, db]);
  });
  it('PA_ALLOWED_ORIGINS is the JSON array the backend json.loads', () => {
    expect(read.origins).toEqual(['https://pa.example.org']);
  });
});
