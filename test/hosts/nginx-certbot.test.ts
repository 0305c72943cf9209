// nginx_site and certbot against a real Debian 12 host (systemd-nspawn), through the built CLI.
// One host for both: nginx serves a static site with a proxied backend over HTTP and, with a
// certificate that certbot obtains from pebble (Let's Encrypt's test CA, run on the host), a
// TLS site. Proves: check mode on a fresh host changes nothing; the first run converges; the
// second changes nothing; a drifted host shows the diff in check mode; a broken site file is
// refused by `nginx -t` and rolled back while nginx keeps serving the old configuration.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_RELEASE, useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject, type ProvisionResult } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const NAME = 'pv-nginx';
const PASSWORD = 'correct horse';
/** nginx reads {SHA} entries: a fixed htpasswd line without a hashing tool. */
const HTPASSWD = `alice:{SHA}${createHash('sha1').update(PASSWORD).digest('base64')}`;

let host: TestHost;

type Tasks = NonNullable<ProvisionResult['report']>['hosts'][string]['tasks'];

/** Runs a playbook (YAML of the tasks, plus handlers and project files) against the test host. */
async function play(tasks: string, flags: string[] = [], files: Record<string, string> = {}): Promise<ProvisionResult & { tasks: Tasks }> {
  const yaml = `- hosts: ${NAME}
  tasks:
${tasks.replace(/^/gm, '    ')}
  handlers:
    - name: reload nginx
      service: { name: nginx, state: reloaded }
`;
  const dir = writeProject({ 'site.yaml': yaml, ...files });
  const r = await runCli([`${dir}/site.yaml`, '-i', host.inventory, ...flags]);
  return { ...r, tasks: r.report?.hosts[NAME]?.tasks ?? [] };
}

const sh = async (script: string): Promise<string> => (await host.sh(script)).stdout.trim();
const task = (r: { tasks: Tasks }, name: string) => {
  const t = r.tasks.find((x) => x.name === name);
  expect(t, `task "${name}" in ${JSON.stringify(r.tasks.map((x) => x.name))}`).toBeDefined();
  return t!;
};
function expectRun(r: ProvisionResult, changed: number): void {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(totals(r.report)).toMatchObject({ changed, failed: 0, unreachable: 0 });
}

const PEBBLE_CONFIG = JSON.stringify(
  {
    pebble: {
      listenAddress: '127.0.0.1:14000',
      managementListenAddress: '127.0.0.1:15000',
      certificate: '/etc/pebble/cert.pem',
      privateKey: '/etc/pebble/key.pem',
      httpPort: 80,
      tlsPort: 443,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  },
  null,
  2,
).replace(/\n/g, '\n      ');

/** Software, a test CA and a backend: everything the two task types under test need around them. */
const SETUP = `- name: packages
  command:
    cmd: apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx certbot pebble openssl curl
    creates: /usr/bin/pebble
- name: pebble directory
  file: { path: /etc/pebble, state: directory }
- name: pebble listener certificate
  command:
    argv: [openssl, req, -x509, -newkey, "rsa:2048", -nodes, -days, "30", -subj, /CN=localhost, -addext, "subjectAltName=DNS:localhost,IP:127.0.0.1", -keyout, /etc/pebble/key.pem, -out, /etc/pebble/cert.pem]
    creates: /etc/pebble/cert.pem
- name: pebble config
  copy:
    dest: /etc/pebble/config.json
    content: |
      ${PEBBLE_CONFIG}
- name: pebble unit
  copy:
    dest: /etc/systemd/system/pebble.service
    content: |
      [Unit]
      Description=pebble, a test ACME CA (every challenge passes)
      [Service]
      Environment=PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=0
      ExecStart=/usr/bin/pebble -config /etc/pebble/config.json
      ExecStartPost=/usr/bin/timeout 20 /bin/sh -c 'until curl -skf -o /dev/null https://127.0.0.1:14000/dir; do sleep 0.1; done'
- name: pebble runs
  service: { name: pebble, state: started }
- name: backend directory
  file: { path: /srv/backend, state: directory }
- name: backend content
  copy: { dest: /srv/backend/hello, content: "backend ok\\n" }
- name: backend unit
  copy:
    dest: /etc/systemd/system/pa-backend.service
    content: |
      [Service]
      ExecStart=/usr/bin/python3 -m http.server 8000 --bind 127.0.0.1 --directory /srv/backend
- name: backend runs
  service: { name: pa-backend, state: started }
- name: frontend directory
  file: { path: /var/www/pv/html/pa, state: directory }
- name: ACME webroot
  file: { path: /var/www/certbot, state: directory }
- name: frontend
  copy: { dest: /var/www/pv/html/pa/index.html, content: "static ok\\n" }
- name: htpasswd
  copy: { dest: /etc/nginx/.htpasswd, content: "${HTPASSWD}\\n", group: www-data, mode: "0640" }`;

const PA_SITE = `- name: personal-analytics site
  nginx_site:
    name: pa
    src: nginx/static-with-backend.conf.hbs
    vars: { domain: pv.test, web_root: /var/www/pv/html, htpasswd_file: /etc/nginx/.htpasswd, security_headers: true, acme_webroot: /var/www/certbot }
    remove_default: true
  notify: reload nginx`;

const CERT = (domains = '[pv.test, www.pv.test]') => `- name: certificate
  certbot:
    domains: ${domains}
    webroot: /var/www/certbot
    server: https://127.0.0.1:14000/dir
    ca_bundle: /etc/pebble/cert.pem`;

const TLS = '/etc/letsencrypt/live/pv.test';
const TLS_SITES = `- name: chat site over TLS
  nginx_site:
    name: chat
    src: nginx/websocket-proxy.conf.hbs
    vars: { ansible_distribution_release: "{{ ansible_distribution_release }}", domain: www.pv.test, app_port: 8000, tls_cert: ${TLS}/fullchain.pem, tls_key: ${TLS}/privkey.pem, acme_webroot: /var/www/certbot }
  notify: reload nginx
- name: streamlit site
  nginx_site:
    name: rocktalk.conf
    src: nginx/streamlit-proxy.conf.hbs
    vars: { ansible_distribution_release: "{{ ansible_distribution_release }}", domain: rt.pv.test, app_port: 8502, tls_cert: ${TLS}/fullchain.pem, tls_key: ${TLS}/privkey.pem, htpasswd_file: /etc/nginx/.htpasswd, user_header: X-Forwarded-User }
  notify: reload nginx
- name: hardened site
  nginx_site:
    name: iob
    src: nginx/hardened-proxy.conf.hbs
    vars: { ansible_distribution_release: "{{ ansible_distribution_release }}", domain: iob.pv.test, app_port: 8000, tls_cert: ${TLS}/fullchain.pem, tls_key: ${TLS}/privkey.pem, zone_prefix: iob }
  notify: reload nginx`;

const ALL = [SETUP, PA_SITE, CERT(), TLS_SITES].join('\n');

/** Body and status of a request made on the host. */
const curl = (args: string) => sh(`curl -s -w ' %{http_code}' ${args}`);
const status = (args: string) => sh(`curl -s -o /dev/null -w '%{http_code}' ${args}`);

describe.skipIf(!isRoot)('nginx_site and certbot on a real host', () => {
  useTestHost(NAME, (h) => (host = h));

  it('check mode on the fresh host plans everything and changes nothing', async () => {
    const r = await play(ALL, ['--check']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(totals(r.report).failed).toBe(0);
    const site = task(r, 'personal-analytics site');
    expect(site.message).toBe('would create /etc/nginx/sites-available/pa; enable site pa (/etc/nginx/sites-enabled/pa -> /etc/nginx/sites-available/pa)');
    expect(site.diff).toContain('+    location /pa/ {');
    expect(site.diff).toContain('+-> /etc/nginx/sites-available/pa');
    expect(task(r, 'certificate').message).toMatch(/^would obtain certificate pv\.test for pv\.test, www\.pv\.test from https:\/\/127\.0\.0\.1:14000\/dir; create \/etc\/systemd\/system\/certbot\.service\.d\/provision-ca-bundle\.conf \(certbot\.timer's renewals trust \/etc\/pebble\/cert\.pem\), daemon-reload; enable and start certbot\.timer/);
    expect(await sh('test -e /etc/nginx || test -e /etc/pebble || test -e /etc/letsencrypt || dpkg -s nginx >/dev/null 2>&1; echo $?')).toBe('1');
  }, 120_000);

  it('the first run converges (certificate from pebble, sites enabled, nginx reloaded); the second changes nothing', async () => {
    const t0 = Date.now();
    const first = await play(ALL);
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(totals(first.report).failed).toBe(0);
    console.log(`first run ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(task(first, 'personal-analytics site').message).toBe(
      'create /etc/nginx/sites-available/pa; enable site pa (/etc/nginx/sites-enabled/pa -> /etc/nginx/sites-available/pa); remove the default site (/etc/nginx/sites-enabled/default)',
    );
    // certbot.timer came enabled and running with the package: the certificate, and pebble's CA kept for renewals.
    expect(task(first, 'certificate').message).toBe(
      "obtain certificate pv.test for pv.test, www.pv.test from https://127.0.0.1:14000/dir; create /etc/systemd/system/certbot.service.d/provision-ca-bundle.conf (certbot.timer's renewals trust /etc/pebble/cert.pem), daemon-reload",
    );
    expect(first.tasks.filter((t) => t.handler).map((t) => [t.name, t.status])).toEqual([['reload nginx', 'changed']]);

    const t1 = Date.now();
    const second = await play(ALL);
    expectRun(second, 0);
    console.log(`second run ${((Date.now() - t1) / 1000).toFixed(1)}s`);
    expect(task(second, 'personal-analytics site').message).toBe('/etc/nginx/sites-available/pa is up to date, enabled, no default site');
    expect(task(second, 'certificate').message).toMatch(/^certificate pv\.test for pv\.test, www\.pv\.test is valid until \d{4}-\d\d-\d\d \(\d+ days\); certbot\.timer is enabled and active and its renewals trust \/etc\/pebble\/cert\.pem$/);
    expect(second.tasks.some((t) => t.handler)).toBe(false);
    // The TLS sites use this release's nginx HTTP/2 syntax: nginx -t passes without a deprecation warning.
    const checked = await sh('nginx -t 2>&1');
    expect(checked).toContain('test is successful');
    expect(checked).not.toMatch(/deprecated/);
    expect(await sh('grep -c "http2 on;" /etc/nginx/sites-available/chat || true')).toBe(TEST_RELEASE === 'bookworm' ? '0' : '1');
  }, 300_000);

  it('nginx serves the static files and the proxied backend, behind basic auth', async () => {
    expect(await curl(`-u 'alice:${PASSWORD}' -H 'Host: pv.test' http://127.0.0.1/pa/`)).toBe('static ok\n 200');
    expect(await curl(`-u 'alice:${PASSWORD}' -H 'Host: pv.test' http://127.0.0.1/pa_backend/hello`)).toBe('backend ok\n 200');
    expect(await status(`-H 'Host: pv.test' http://127.0.0.1/pa/`)).toBe('401');
    expect(await sh(`curl -sI -u 'alice:${PASSWORD}' -H 'Host: pv.test' http://127.0.0.1/pa/ | grep -i '^x-frame-options' | tr -d '\\r'`)).toBe('X-Frame-Options: SAMEORIGIN');
    expect(await sh('test -e /etc/nginx/sites-enabled/default; echo $?')).toBe('1');
  });

  it("the certificate is pebble's, for the names asked, and nginx serves it over TLS", async () => {
    expect(await sh(`openssl x509 -noout -ext subjectAltName -in ${TLS}/cert.pem | tail -n 1`)).toBe('DNS:pv.test, DNS:www.pv.test');
    expect(await sh(`openssl x509 -noout -issuer -in ${TLS}/cert.pem`)).toMatch(/Pebble/);
    // The certificate nginx presents is the one certbot obtained, and the TLS site proxies to the backend.
    const served = await sh(`echo | openssl s_client -connect 127.0.0.1:443 -servername www.pv.test 2>/dev/null | openssl x509 -noout -fingerprint -sha256`);
    expect(served).toBe(await sh(`openssl x509 -noout -fingerprint -sha256 -in ${TLS}/cert.pem`));
    // The chat site proxies paths unchanged; the pa site strips /pa_backend/ (checked above).
    expect(await curl('-k --resolve www.pv.test:443:127.0.0.1 https://www.pv.test/hello')).toBe('backend ok\n 200');
    expect(await status('--resolve www.pv.test:80:127.0.0.1 http://www.pv.test/x')).toBe('301');
    expect(await sh(`grep -c '^server = https://127.0.0.1:14000/dir$' /etc/letsencrypt/renewal/pv.test.conf`)).toBe('1');
  });

  it("renewal works as certbot.timer runs it: certbot.service's own environment reaches pebble (a private CA)", async () => {
    // certbot.service runs `certbot -q renew`; a renewal not yet due contacts no CA, so a drop-in
    // in /run (gone at reboot, removed below) makes it a dry run: a real order at pebble, in the
    // unit's environment, with the renewal configuration certbot wrote at issuance.
    // (--no-random-sleep-on-renew: certbot would otherwise wait up to 8 minutes without a terminal.
    // --server: with --dry-run certbot ignores the renewal configuration's server and asks Let's
    // Encrypt's staging CA unless --server is given; the real renewal uses the configured one.)
    const unitDropin = '/run/systemd/system/certbot.service.d/zz-dry-run.conf';
    await sh(`mkdir -p ${unitDropin.replace(/\/[^/]+$/, '')} && printf '[Service]\\nExecStart=\\nExecStart=/usr/bin/certbot -q renew --dry-run --no-random-sleep-on-renew --server https://127.0.0.1:14000/dir\\n' > ${unitDropin} && systemctl daemon-reload`);
    try {
      const run = await host.sh('systemctl start certbot.service; echo "exit=$?"; systemctl show -p Result --value certbot.service');
      const journal = await sh('journalctl -u certbot.service -n 30 --no-pager');
      expect(run.stdout.trim(), journal).toBe('exit=0\nsuccess');
      // Without the kept bundle the same renewal fails: this is the check that proves the drop-in matters.
      await sh('mv /etc/systemd/system/certbot.service.d/provision-ca-bundle.conf /root/kept.conf && systemctl daemon-reload');
      const without = await host.sh('systemctl start certbot.service; echo "exit=$?"');
      expect(without.stdout.trim()).not.toBe('exit=0');
      expect(await sh('journalctl -u certbot.service -n 30 --no-pager')).toMatch(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/);
    } finally {
      await sh(`mv /root/kept.conf /etc/systemd/system/certbot.service.d/provision-ca-bundle.conf 2>/dev/null; rm -f ${unitDropin}; systemctl daemon-reload; systemctl reset-failed certbot.service`);
    }
    expect(await play(CERT()).then((x) => totals(x.report).changed)).toBe(0);
  }, 180_000);

  it('check mode on a drifted host shows the file diff and the link state, and leaves the host alone', async () => {
    await sh("printf '# hand edit\\n' >> /etc/nginx/sites-available/pa && rm /etc/nginx/sites-enabled/pa && ln -s /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default");
    const before = await sh('sha256sum /etc/nginx/sites-available/pa; ls -l /etc/nginx/sites-enabled | sort');
    const check = await play(PA_SITE, ['--check']);
    expectRun(check, 2); // the site, and the handler it would notify
    expect(check.tasks.filter((x) => x.handler).map((x) => x.message)).toEqual(['would reload nginx.service']);
    const t = task(check, 'personal-analytics site');
    expect(t.message).toBe(
      'would update /etc/nginx/sites-available/pa; enable site pa (/etc/nginx/sites-enabled/pa -> /etc/nginx/sites-available/pa); remove the default site (/etc/nginx/sites-enabled/default)',
    );
    expect(t.diff).toMatch(/^--- \/etc\/nginx\/sites-available\/pa \(before\)\n\+\+\+ \/etc\/nginx\/sites-available\/pa \(after\)\n@@[^\n]*@@\n(?: [^\n]*\n){3}-# hand edit\n/);
    expect(t.diff).toContain('-(absent)\n+-> /etc/nginx/sites-available/pa');
    expect(t.diff).toContain('--> /etc/nginx/sites-available/default\n+(absent)');
    expect(await sh('sha256sum /etc/nginx/sites-available/pa; ls -l /etc/nginx/sites-enabled | sort')).toBe(before);

    const fix = await play(PA_SITE);
    expectRun(fix, 2); // the site and the reload handler
    expect(await play(PA_SITE).then((r) => totals(r.report).changed)).toBe(0);
  }, 120_000);

  it("a broken site file: nginx -t refuses it, the task fails with nginx's error, the old file and links are back and nginx keeps serving", async () => {
    const before = await sh('cat /etc/nginx/sites-available/pa | base64 -w0; echo; ls -la /etc/nginx/sites-available /etc/nginx/sites-enabled | grep -v " \\.*$"; systemctl show -p MainPID nginx');
    const broken = `- name: personal-analytics site
  nginx_site:
    name: pa
    src: nginx/static-with-backend.conf.hbs
  notify: reload nginx`;
    const files = { 'templates/nginx/static-with-backend.conf.hbs': 'server {\n    listen 80;\n    server_name {{ inventory_hostname }};\n    bogus_directive on;\n}\n' };
    const r = await play(broken, [], files);
    expect(r.exitCode).toBe(2);
    const t = task(r, 'personal-analytics site');
    expect(t.status).toBe('failed');
    expect(t.message).toContain('nginx -t rejected the new configuration; the previous site file and links are back in place');
    expect(t.message).toMatch(/unknown directive "bogus_directive" in \/etc\/nginx\/sites-enabled\/pa:4/);
    expect(r.stdout).toContain('bogus_directive');
    expect(r.tasks.some((x) => x.handler)).toBe(false);
    // Byte for byte, the same files and links, no staging files left; nginx not restarted, the old config served.
    expect(await sh('cat /etc/nginx/sites-available/pa | base64 -w0; echo; ls -la /etc/nginx/sites-available /etc/nginx/sites-enabled | grep -v " \\.*$"; systemctl show -p MainPID nginx')).toBe(before);
    expect(await sh('ls -A /etc/nginx/sites-available /etc/nginx/sites-enabled | grep -c provision')).toBe('0');
    expect(await sh('systemctl is-active nginx; nginx -t 2>&1 | tail -n 1')).toBe('active\nnginx: configuration file /etc/nginx/nginx.conf test is successful');
    expect(await curl(`-u 'alice:${PASSWORD}' -H 'Host: pv.test' http://127.0.0.1/pa/`)).toBe('static ok\n 200');

    // A new broken site: its file and link are removed again.
    const fresh = await play(`- nginx_site: { name: broken, content: "server { listen 8081; bogus_directive on; }\\n" }`);
    expect(fresh.exitCode).toBe(2);
    expect(await sh('ls -A /etc/nginx/sites-available /etc/nginx/sites-enabled | grep -c broken')).toBe('0');
    expect(await play(PA_SITE).then((x) => totals(x.report))).toMatchObject({ changed: 0, failed: 0 });
  }, 120_000);

  it('bad arguments are refused before any host is touched', async () => {
    const r = await play(`- nginx_site: { name: "../../etc/passwd", content: x }\n- certbot: { domains: ["-d", "a.org;reboot"], webroot: /var/www/certbot }`);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('expected a site name');
    expect(r.stderr).toContain('expected a host name');
    expect(r.stderr).toContain('no host was touched');
    expect(r.report).toBeUndefined();
  });

  it('certbot: check mode shows a change of names without acting; the renewal timer is turned back on', async () => {
    const serial = await sh(`openssl x509 -noout -serial -in ${TLS}/cert.pem`);
    const check = await play(CERT('[pv.test, www.pv.test, api.pv.test]'), ['--check']);
    expectRun(check, 1);
    expect(task(check, 'certificate').message).toBe('would obtain certificate pv.test for pv.test, www.pv.test, api.pv.test (it is for pv.test, www.pv.test)');
    expect(task(check, 'certificate').diff).toContain('-names: pv.test, www.pv.test\n+names: pv.test, www.pv.test, api.pv.test');
    expect(await sh(`openssl x509 -noout -serial -in ${TLS}/cert.pem`)).toBe(serial);

    await sh('systemctl disable --now certbot.timer');
    const r = await play(CERT());
    expectRun(r, 1);
    expect(task(r, 'certificate').message).toBe("enable and start certbot.timer (certbot's renewal)");
    expect(await sh('systemctl is-enabled certbot.timer; systemctl is-active certbot.timer')).toBe('enabled\nactive');
    expect(await sh(`openssl x509 -noout -serial -in ${TLS}/cert.pem`)).toBe(serial);
    expect(await play(CERT()).then((x) => totals(x.report).changed)).toBe(0);
  }, 120_000);
});
