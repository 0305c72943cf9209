// playbooks/rocktalk.yaml (the RockTalk guide) through `provision test`, exactly as the README
// tells users to run it: no -e; the variables come from the default scenario of
// playbooks/rocktalk.test.yaml. A fresh Debian host, check mode (must not fail), converge,
// converge again (0 changed), then the playbook's verify: checks (HTTPS with the sandbox CA's
// certificate, HTTP -> HTTPS, the /_stcore/stream WebSocket upgrade reaching the app, ufw rules
// and SSH, units, file modes, the backup), and the host is destroyed. The app is the stand-in
// (no PyPI on test hosts); the ACME CA is the sandbox's pebble, whose variables `provision test`
// puts in the inventory.
import { describe, expect, it } from 'vitest';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('playbooks/rocktalk.yaml on a fresh host', () => {
  it('check mode, converge, converge again with 0 changed, verify: all pass', async () => {
    const t0 = Date.now();
    const r = await runCli(['test', `${ROOT}/playbooks/rocktalk.yaml`, '--name', 'pv-rock']);
    console.log(`provision test rocktalk: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    expectEveryPhasePassed(r, 'pv-rock');
    expect(r.stdout).toMatch(/^scenario default: /m);
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
