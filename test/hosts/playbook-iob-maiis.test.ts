// playbooks/iob-maiis.yaml (the IOB MAIIS SSL/TLS & security hardening guide) through
// `provision test`, exactly as the README tells users to run it: no -e; the variables come from
// playbooks/iob-maiis.test.yaml, whose two scenarios are the guide's two certificate paths:
// `default` (a certificate from the sandbox's test ACME CA through certbot --webroot) and
// `self-signed` (the guide's development certificate). Each: a fresh Debian host, check mode
// (must not fail), converge, converge again (0 changed), the playbook's verify: checks, and the
// host is destroyed. verify: proves HTTPS with that certificate, every security header (HSTS,
// CSP, X-Frame-Options, nosniff, Referrer-Policy, Permissions-Policy), the 301 to HTTPS, the
// ACME challenge location, the auth zone's 503 after its burst, the zones and the connection
// limit in nginx -T, TLS 1.1 and a foreign cipher refused, DHE with the DH parameters, and ufw
// active with exactly 22/80/443 while SSH still answers.
// DH parameters: 2048 bits made with -dsaparam (instant, the scenarios' dhparam_dsaparam).
import { describe, expect, it } from 'vitest';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';
import { testHostName } from '../support/host.js';

const isRoot = process.getuid?.() === 0;

const CHECKS = [
  'HTTPS answers with the expected certificate, with every security header',
  'ufw is active with exactly SSH, HTTP and HTTPS allowed, incoming denied by default',
  'SSH is still reachable through the firewall',
  'the auth zone (5r/m, burst 5) turns away the 7th quick login attempt with 503',
];

describe.skipIf(!isRoot)('playbooks/iob-maiis.yaml on a fresh host', () => {
  it('default scenario: check mode, converge, converge again with 0 changed, verify: all pass (ACME certificate)', async () => {
    const t0 = Date.now();
    const name = await testHostName('pv-iob-acme'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/iob-maiis.yaml`, '--name', name]);
    console.log(`provision test iob-maiis: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, name);
    expect(r.stdout).toMatch(/^scenario default: /m);
    for (const check of CHECKS) expect(r.stdout).toContain(`ok     ${check}`);
    // The ACME variant ran against the sandbox's CA, the self-signed one did not.
    expect(r.stdout.replaceAll(name, 'pv-iob-acme')).toMatch(/^pv-iob-acme \| changed \| certbot_certificate : Certificate from the ACME CA \(webroot[^)]*\) \| .*https:\/\/127\.0\.0\.1:14000\/dir/m);
    expect(r.stdout.replaceAll(name, 'pv-iob-acme')).toMatch(/^pv-iob-acme \| skipped \| Self-signed certificate \(development only\)/m);
    expect(out).not.toContain('PRIVATE KEY');
  }, 900_000);

  it('--scenario self-signed: check mode, converge, converge again with 0 changed, verify: all pass (self-signed certificate)', async () => {
    const t0 = Date.now();
    const name = await testHostName('pv-iob'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/iob-maiis.yaml`, '--scenario', 'self-signed', '--name', name]);
    console.log(`provision test iob-maiis --scenario self-signed: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, name);
    expect(r.stdout).toMatch(/^scenario self-signed: /m);
    for (const check of CHECKS) expect(r.stdout).toContain(`ok     ${check}`);
    // The self-signed variant ran, the ACME one did not.
    expect(r.stdout.replaceAll(name, 'pv-iob')).toMatch(/^pv-iob \| changed \| Self-signed certificate \(development only\)/m);
    expect(r.stdout.replaceAll(name, 'pv-iob')).toMatch(/^pv-iob \| skipped \| certbot_certificate : Certificate from the ACME CA \(webroot[^)]*\)/m);
    // SSH was allowed before the firewall went on (the run went on over SSH after it).
    expect(r.stdout.replaceAll(name, 'pv-iob')).toMatch(/^pv-iob \| changed \| firewall_baseline : Firewall denies incoming by default, allows exactly the given rules \(SSH first\), is enabled \| .*add allow 22\/tcp.*enable ufw/m);
    expect(out).not.toContain('PRIVATE KEY');
  }, 900_000);
});
