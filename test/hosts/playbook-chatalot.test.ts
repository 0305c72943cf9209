// playbooks/chatalot.yaml (the Chatalot "TLS and Reverse Proxy" guide) through `provision test`,
// exactly as the README tells users to run it: no -e; the variables come from the default
// scenario of playbooks/chatalot.test.yaml. A fresh Debian host, check mode (must not fail), converge, converge again
// (0 changed), the playbook's verify: checks, and the host is destroyed. The certificate comes
// from the sandbox's test ACME CA (pebble; `provision test` puts acme_server/acme_ca_bundle/
// acme_root_ca in the inventory) through certbot's nginx authenticator. verify: proves HTTPS with
// a certificate that chains to the CA's root, the 301 to HTTPS, the /ws WebSocket upgrade (101)
// answered by the backend behind nginx, the 413 above client_max_body_size, the TLS settings and
// the renewal timer. The Chatalot server is the stand-in on 127.0.0.1:8080 (files/chatalot/).
import { describe, expect, it } from 'vitest';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';
import { testHostName } from '../support/host.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('playbooks/chatalot.yaml on a fresh host', () => {
  it('check mode, converge, converge again with 0 changed, verify: all pass (ACME certificate)', async () => {
    const t0 = Date.now();
    const name = await testHostName('pv-chat'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/chatalot.yaml`, '--name', name]);
    console.log(`provision test chatalot: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, name);
    expect(r.stdout).toMatch(/^scenario default: /m);
    for (const check of [
      'HTTPS answers with the expected certificate and reaches the backend',
      'HTTP redirects to HTTPS, keeping path and query',
      "a WebSocket upgrade on /ws reaches the backend (101, the backend's handshake answer)",
      'an upload above client_max_body_size is refused by nginx (413)',
    ]) expect(r.stdout).toContain(`ok     ${check}`);
    // The certificate came from the sandbox's CA, through certbot certonly (never --nginx's file edits).
    expect(r.stdout).toContain('obtain certificate chat.test for chat.test from https://127.0.0.1:14000/dir');
    expect(r.stdout.replaceAll(name, 'pv-chat')).toMatch(/^pv-chat \| skipped \| Self-signed certificate \(testing only\)/m);
    // Key material never reaches the output (keys are made on the host, never diffed).
    expect(out).not.toContain('PRIVATE KEY');
  }, 900_000);
});
