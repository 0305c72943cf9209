// playbooks/flip-rip.yaml (the flip.rip guide) through `provision test`, as a user runs it: a
// fresh Debian host, check mode (must not fail), converge, converge again (0 changed), then the
// playbook's verify: checks (basic auth 401/200 for two htpasswd users over HTTPS with the sandbox
// CA's certificate, X-Forwarded-User reaching the app on / and on the WebSocket, PostgreSQL login
// with the app's password, ufw and SSH, units, secret files' owners and modes), and the host is
// destroyed. The passwords are fresh random secrets given in a vars file with !secret: none of
// them may appear anywhere in the output.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const secret = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;
const SECRETS = { db: secret('db'), alice: secret('alice'), bob: secret('bob') };
const dir = mkdtempSync(join(tmpdir(), 'pv-flip-'));
const varsFile = join(dir, 'flip-rip-test.yaml');
writeFileSync(
  varsFile,
  [
    'domain: flip.test',
    'app_source: standin',
    `db_password: !secret "${SECRETS.db}"`,
    'basic_auth_users:',
    `  - { name: alice, password: !secret "${SECRETS.alice}" }`,
    `  - { name: bob, password: !secret "${SECRETS.bob}" }`,
    '',
  ].join('\n'),
);


describe.skipIf(!isRoot)('playbooks/flip-rip.yaml on a fresh host', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check mode, converge, converge again with 0 changed, verify: all pass; no secret is ever printed', async () => {
    const t0 = Date.now();
    const r = await runCli(['test', `${ROOT}/playbooks/flip-rip.yaml`, '--name', 'pv-flip', '-e', `@${varsFile}`]);
    console.log(`provision test flip-rip: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    for (const [name, value] of Object.entries(SECRETS)) expect(out.includes(value), `the ${name} password appears in the output`).toBe(false);
    expectEveryPhasePassed(r, 'pv-flip');
    expect(r.stdout).toContain('add alice, add bob');
    // The app is deployed and its database settings reach a program that uses them.
    expect(r.stdout).toContain("ok     the API, with the database settings from its .env, keeps each user in PostgreSQL");
    expect(r.stdout).toContain("ok     the app's code is deployed as in the repository, root's");
    expect(r.stdout).toContain('obtain certificate flip.test for flip.test from https://127.0.0.1:14000/dir');
    // The API's .env diff in check mode shows the password masked inside DATABASE_URL.
    expect(r.stdout).toContain('DATABASE_URL=postgresql+psycopg2://flip:********@127.0.0.1:5432/flip');
  }, 1_200_000);
});
