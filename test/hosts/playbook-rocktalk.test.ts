// playbooks/rocktalk.yaml (the RockTalk guide) through `provision test`, as a user runs it: a
// fresh Debian host, check mode (must not fail), converge, converge again (0 changed), then the
// playbook's verify: checks (HTTPS with the sandbox CA's certificate, HTTP -> HTTPS, the
// /_stcore/stream WebSocket upgrade reaching the app, ufw rules and SSH, units, file modes, the
// backup), and the host is destroyed. The app is the stand-in (no PyPI on test hosts); the ACME
// CA is the sandbox's pebble, whose variables `provision test` puts in the inventory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'pv-rock-'));
const varsFile = join(dir, 'rocktalk-test.yaml');
writeFileSync(
  varsFile,
  [
    'domain: rocktalk.test',
    'app_source: standin',
    // The sandbox's mirror has no pending upgrades worth minutes of a test run.
    'apt_upgrade: false',
    '',
  ].join('\n'),
);


describe.skipIf(!isRoot)('playbooks/rocktalk.yaml on a fresh host', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check mode, converge, converge again with 0 changed, verify: all pass', async () => {
    const t0 = Date.now();
    const r = await runCli(['test', `${ROOT}/playbooks/rocktalk.yaml`, '--name', 'pv-rock', '-e', `@${varsFile}`]);
    console.log(`provision test rocktalk: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, 'pv-rock');
    // The certificate came from the sandbox's CA, through the private-CA variant of the task.
    expect(r.stdout).toContain('obtain certificate rocktalk.test for rocktalk.test from https://127.0.0.1:14000/dir');
    // SSH was allowed before the firewall went on (the run went on over SSH after it).
    expect(r.stdout).toContain("add allow OpenSSH, add allow 'Nginx Full', enable ufw");
    // certbot.timer's renewals keep the private CA's bundle: the guide's dry run passes in
    // certbot.service's environment; the site has certbot --nginx's TLS settings; the unit gives
    // RockTalk streamlit on PATH and its first-run answer; the stand-in is not the app's path.
    for (const check of [
      `the guide's renewal check ("certbot renew --dry-run") passes in the environment certbot.timer runs it in`,
      "nginx serves certbot's TLS settings (session cache, ciphers, DH parameters), as certbot --nginx would",
      "the service finds streamlit on its PATH and answers RockTalk's first-run question",
    ]) expect(r.stdout).toContain(`ok     ${check}`);
    expect(r.stdout).toContain("create /etc/systemd/system/certbot.service.d/provision-ca-bundle.conf (certbot.timer's renewals trust");
    expect(r.stdout).not.toMatch(/venv\/bin\/rocktalk.*standin|standin.*venv\/bin\/rocktalk/);
  }, 1_200_000);
});
