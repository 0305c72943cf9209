// playbooks/iob-maiis.yaml (the IOB MAIIS SSL/TLS & security hardening guide) through
// `provision test`, as a user runs it: a fresh Debian host, check mode (must not fail), converge,
// converge again (0 changed), the playbook's verify: checks, and the host is destroyed. This test
// uses the guide's self-signed development certificate (the Chatalot test covers ACME; the
// playbook's ACME variant is the default). verify: proves HTTPS with that certificate, every
// security header (HSTS, CSP, X-Frame-Options, nosniff, Referrer-Policy, Permissions-Policy), the
// 301 to HTTPS, the ACME challenge location, the auth zone's 503 after its burst, the zones and
// the connection limit in nginx -T, TLS 1.1 and a foreign cipher refused, DHE with the DH
// parameters, and ufw active with exactly 22/80/443 while SSH still answers.
// DH parameters: 2048 bits made with -dsaparam (instant) to keep the run short.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'pv-iob-'));
const varsFile = join(dir, 'iob-maiis-test.yaml');
writeFileSync(varsFile, ['domain: iob.test', 'tls_mode: self_signed', 'standin_backend: true', 'dhparam_dsaparam: true', ''].join('\n'));


describe.skipIf(!isRoot)('playbooks/iob-maiis.yaml on a fresh host', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check mode, converge, converge again with 0 changed, verify: all pass (self-signed certificate)', async () => {
    const t0 = Date.now();
    const r = await runCli(['test', `${ROOT}/playbooks/iob-maiis.yaml`, '--name', 'pv-iob', '-e', `@${varsFile}`]);
    console.log(`provision test iob-maiis: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, 'pv-iob');
    for (const check of [
      'HTTPS answers with the expected certificate, with every security header',
      'ufw is active with exactly SSH, HTTP and HTTPS allowed, incoming denied by default',
      'SSH is still reachable through the firewall',
      'the auth zone (5r/m, burst 5) turns away the 7th quick login attempt with 503',
    ]) expect(r.stdout).toContain(`ok     ${check}`);
    // The self-signed variant ran, the ACME one did not.
    expect(r.stdout).toMatch(/^pv-iob \| changed \| Self-signed certificate \(development only\)/m);
    expect(r.stdout).toMatch(/^pv-iob \| skipped \| Certificate from the ACME CA \(webroot\)/m);
    // SSH was allowed before the firewall went on (the run went on over SSH after it).
    expect(r.stdout).toMatch(/^pv-iob \| changed \| Firewall - SSH, HTTP and HTTPS only \| .*add allow 22\/tcp.*enable ufw/m);
    expect(out).not.toContain('PRIVATE KEY');
  }, 900_000);
});
