// The test ACME CA every sandbox host has (src/sandbox/acme.ts): pebble as provision-acme.service,
// its listener certificate and root CA under /etc/provision-sandbox, and the inventory variables
// that point certbot at it. Proves, on real Debian hosts through the built CLI: the CA answers as
// soon as the host is up; a playbook written with the documented pattern gets a certificate from
// it (second run: 0 changed) that chains to acme-root.pem; and `provision test` passes those
// variables, so a verify: check can trust the CA's root over HTTPS.
import { describe, expect, it } from 'vitest';
import { SANDBOX_VARS } from '../../src/sandbox/index.js';
import { testHostName, useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const NAME = 'pv-acme';
const LIVE = '/etc/letsencrypt/live/acme.test';

let host: TestHost;
const sh = async (script: string): Promise<string> => {
  const r = await host.sh(script);
  return (r.stdout + (r.code ? `[exit ${r.code}] ${r.stderr}` : '')).trim();
};

/** The pattern playbooks use: the sandbox's inventory variables when present, the real CA otherwise. */
const CERTBOT = `- name: ACME webroot
  file: { path: /var/www/certbot, state: directory }
- name: certificate
  certbot:
    domains: [acme.test, www.acme.test]
    webroot: /var/www/certbot
    server: "{{ default acme_server 'https://acme-v02.api.letsencrypt.org/directory' }}"
    ca_bundle: "{{ default acme_ca_bundle '/etc/ssl/certs/ca-certificates.crt' }}"`;

const indent = (text: string, by: string) => text.replace(/^/gm, by);

describe.skipIf(!isRoot)('the test ACME CA on sandbox hosts', () => {
  useTestHost(NAME, (h) => (host = h));

  it('the inventory carries the ACME variables', async () => {
    const { readFileSync } = await import('node:fs');
    const inventory = readFileSync(host.inventory, 'utf8');
    for (const [k, v] of Object.entries(SANDBOX_VARS)) expect(inventory).toContain(`\n      ${k}: ${JSON.stringify(v)}\n`);
    expect(SANDBOX_VARS).toEqual({
      sandbox: true,
      acme_server: 'https://127.0.0.1:14000/dir',
      acme_ca_bundle: '/etc/provision-sandbox/acme-listener.pem',
      acme_root_ca: '/etc/provision-sandbox/acme-root.pem',
    });
  });

  it('pebble answers on 127.0.0.1:14000 as soon as the host is up, and its root CA is on disk', async () => {
    expect(await sh('systemctl is-active provision-acme.service; systemctl is-enabled provision-acme.service')).toBe('active\nenabled');
    // Over HTTPS, trusting only the listener certificate (what certbot's ca_bundle gets).
    const get = (url: string) => `python3 -c 'import ssl,sys,urllib.request; sys.stdout.write(urllib.request.urlopen("${url}", context=ssl.create_default_context(cafile="/etc/provision-sandbox/acme-listener.pem"), timeout=10).read().decode())'`;
    expect(JSON.parse(await sh(get('https://127.0.0.1:14000/dir')))).toMatchObject({ newAccount: expect.stringContaining('https://127.0.0.1:14000/') });
    expect(await sh(`${get('https://127.0.0.1:15000/roots/0')} | cmp - /etc/provision-sandbox/acme-root.pem && echo same`)).toBe('same');
    const root = await sh('openssl x509 -noout -subject -issuer -ext basicConstraints -in /etc/provision-sandbox/acme-root.pem');
    // OpenSSL 3.0 (Debian 12) prints "CN = name", 3.5 (Debian 13) "CN=name".
    expect(root).toMatch(/^subject=CN ?= ?Pebble Root CA \w+\nissuer=CN ?= ?Pebble Root CA \w+\nX509v3 Basic Constraints: critical\n\s+CA:TRUE$/);
    expect(await sh('stat -c %a /etc/provision-sandbox/acme-listener.key')).toBe('600');
    // Only on the host's loopback; and not a dpkg package: the host's package list is a fresh server's.
    expect(await sh("ss -Hltn '( sport = :14000 or sport = :15000 )' | awk '{print $4}' | sort")).toBe('127.0.0.1:14000\n127.0.0.1:15000');
    expect(await sh('dpkg -s pebble >/dev/null 2>&1; echo $?; test -e /usr/bin/pebble; echo $?')).toBe('1\n1');
  });

  it('a playbook gets a certificate from it with the sandbox variables; the second run changes nothing', async () => {
    const yaml = `- hosts: ${NAME}\n  tasks:\n    - name: certbot\n      apt: { packages: certbot, update_cache: true, install_recommends: false }\n${indent(CERTBOT, '    ')}\n`;
    const dir = writeProject({ 'site.yaml': yaml });
    const t0 = Date.now();
    const first = await runCli([`${dir}/site.yaml`, '-i', host.inventory]);
    console.log(`first run ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    const cert = first.report!.hosts[NAME].tasks.find((t) => t.name === 'certificate');
    expect(cert?.message).toMatch(/^obtain certificate acme\.test for acme\.test, www\.acme\.test from https:\/\/127\.0\.0\.1:14000\/dir/);

    const t1 = Date.now();
    const second = await runCli([`${dir}/site.yaml`, '-i', host.inventory]);
    console.log(`second run ${((Date.now() - t1) / 1000).toFixed(1)}s`);
    expect(second.exitCode, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(totals(second.report)).toMatchObject({ changed: 0, failed: 0 });

    // Issued by pebble's intermediate, which chains to the root in acme-root.pem.
    expect(await sh(`openssl verify -CAfile /etc/provision-sandbox/acme-root.pem -untrusted ${LIVE}/chain.pem ${LIVE}/cert.pem`)).toBe(`${LIVE}/cert.pem: OK`);
    expect(await sh(`openssl x509 -noout -ext subjectAltName -in ${LIVE}/cert.pem | tail -n 1`)).toBe('DNS:acme.test, DNS:www.acme.test');
    expect(await sh("sed -n 's/^server *= *//p' /etc/letsencrypt/renewal/acme.test.conf")).toBe('https://127.0.0.1:14000/dir');
  }, 900_000);

  it('provision test: check, converge twice, and a verify: check that trusts acme_root_ca for nginx over TLS', async () => {
    const yaml = `- hosts: web
  tasks:
    - name: certbot and nginx
      apt: { packages: [certbot, nginx], update_cache: true, install_recommends: false }
${indent(CERTBOT, '    ')}
    - name: TLS site
      nginx_site:
        name: acme
        content: |
          server {
              listen 443 ssl;
              server_name acme.test;
              ssl_certificate ${LIVE}/fullchain.pem;
              ssl_certificate_key ${LIVE}/privkey.pem;
              location / { return 200 "tls ok\\n"; }
          }
      notify: reload nginx
  handlers:
    - name: reload nginx
      service: { name: nginx, state: reloaded }
  verify:
    - name: nginx serves a certificate the sandbox's ACME CA issued
      http: { url: "https://acme.test/", ca: "{{ acme_root_ca }}", body_contains: tls ok }
`;
    const dir = writeProject({ 'site.yaml': yaml });
    const t0 = Date.now();
    const name = await testHostName('pv-acme-t'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${dir}/site.yaml`, '--name', name]);
    console.log(`provision test ${((Date.now() - t0) / 1000).toFixed(1)}s\n${r.stdout.split('\nSUMMARY\n')[1] ?? ''}`);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain("ok     nginx serves a certificate the sandbox's ACME CA issued");
    expect(r.stdout).toContain('--- converge again: nothing may change: passed (0 changed)');
  }, 900_000);
});
