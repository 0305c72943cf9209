// playbooks/flip-rip.yaml (the flip.rip guide) through `provision test`, exactly as the README
// tells users to run it: no -e; the variables come from playbooks/flip-rip.test.yaml. A fresh
// Debian host, check mode (must not fail), converge, converge again (0 changed), then the
// playbook's verify: checks (basic auth 401/200 for two htpasswd users over HTTPS with the sandbox
// CA's certificate, X-Forwarded-User reaching the app on / and on the WebSocket, PostgreSQL login
// with the app's password, ufw and SSH, units, secret files' owners and modes), and the host is
// destroyed. The passwords are the scenario's `secrets:`, fresh on every run and made of every
// troublesome character (quotes, $, backtick, @, :, /, #, %, space, backslash): verify: proves
// they reached htpasswd and PostgreSQL intact, and none may appear anywhere in the output.
import { describe, expect, it } from 'vitest';
import { TROUBLESOME_CHARACTERS } from '../../src/scenario.js';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';
import { testHostName } from '../support/host.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('playbooks/flip-rip.yaml on a fresh host', () => {
  it('check mode, converge, converge again with 0 changed, verify: all pass; no secret is ever printed', async () => {
    const t0 = Date.now();
    const name = await testHostName('pv-flip'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/flip-rip.yaml`, '--name', name]);
    console.log(`provision test flip-rip: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    // Every generated secret holds this run of characters: a secret printed whole would show it.
    expect(out.includes(TROUBLESOME_CHARACTERS), 'a generated secret appears in the output').toBe(false);
    expectEveryPhasePassed(r, name);
    expect(r.stdout).toContain('scenario default: the stand-in app, two basic-auth users, PostgreSQL, a certificate from the test CA (fresh secrets: db_password, basic_auth_users.0.password, basic_auth_users.1.password)');
    expect(r.stdout).toContain('add alice, add bob');
    // The app is deployed and its database settings reach a program that uses them.
    expect(r.stdout).toContain("ok     the API, with the database settings from its .env, keeps each user in PostgreSQL");
    expect(r.stdout).toContain("ok     the app's code is deployed as in the repository, root's");
    expect(r.stdout).toContain('obtain certificate flip.test for flip.test from https://127.0.0.1:14000/dir');
    // The API's .env diff in check mode shows the password masked inside DATABASE_URL.
    expect(r.stdout).toContain('DATABASE_URL=postgresql+psycopg2://flip:********@127.0.0.1:5432/flip');
  }, 1_200_000);
});
