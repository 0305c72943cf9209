import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile, staticTasks } from '../../../src/compile.js';
import { ConfigErrors } from '../../../src/errors.js';
import type { FileState } from '../../../src/facts.js';
import { sha256 } from '../../../src/file-plan.js';
import { parseInventory } from '../../../src/inventory.js';
import type { Plan, RunStep } from '../../../src/plan.js';
import { loadPlaybook } from '../../../src/playbook.js';
import { stepsScript } from '../../../src/remote-script.js';
import { YamlSource } from '../../../src/yaml-source.js';
import { getTaskType } from '../../../tasks/index.js';
import { nginxSite, siteStep, SITE_SCRIPT, type NginxSiteArgs } from '../../../tasks/nginx-site.js';
import { writeProject } from '../../support/provision.js';

const args = (a: Record<string, unknown>): NginxSiteArgs => nginxSite.schema.parse(a);
const ctx = { host: 'web1', sshPort: 22 };
const CONTENT = 'server { listen 80; server_name example.org; }\n';

const absent: FileState = { exists: false };
const fileWith = (content: string): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, sha256: sha256(content) });
const linkTo = (target: string): FileState => ({ exists: true, type: 'link', linkTarget: target });
const AVAIL = '/etc/nginx/sites-available/app';
const LINK = '/etc/nginx/sites-enabled/app';
const DEFAULT_LINK = '/etc/nginx/sites-enabled/default';

function plan(a: Record<string, unknown>, facts: { site?: FileState; link?: FileState; defaultLink?: FileState }): Plan {
  const parsed = args({ name: 'app', content: CONTENT, ...a });
  return nginxSite.plan(parsed, { site: absent, link: absent, ...facts } as never, ctx);
}

/** The trailing arguments of the one transaction step: site, link, write, link op, remove default, default link. */
function stepArgs(p: Plan): { args: string[]; stdin?: unknown; label?: string } {
  const steps = p.changes.flatMap((c) => c.steps) as RunStep[];
  expect(steps).toHaveLength(1);
  expect(steps[0].kind).toBe('run');
  const tail = steps[0].command.split(' ').slice(-6);
  return { args: tail, stdin: steps[0].stdin, label: steps[0].label };
}

describe('nginx_site schema', () => {
  it('is registered, every field is described, and its example parses', () => {
    expect(getTaskType('nginx_site')).toBe(nginxSite);
    for (const [k, v] of Object.entries((nginxSite.schema as any).shape)) expect((v as any).description, k).toBeTruthy();
    const [task] = parse(nginxSite.example);
    expect(nginxSite.schema.safeParse(task.nginx_site).success).toBe(true);
    expect(task.notify).toBe('reload nginx');
  });

  it('defaults: enabled, default site kept', () => {
    expect(args({ name: 'app', content: 'x' })).toMatchObject({ enabled: true, remove_default: false });
  });

  it.each([
    [{ name: '../../etc/passwd', content: 'x' }, 'site name'],
    [{ name: '-x', content: 'x' }, 'site name'],
    [{ name: '.hidden', content: 'x' }, 'site name'],
    [{ name: 'a/b', content: 'x' }, 'site name'],
    [{ name: 'a b', content: 'x' }, 'site name'],
    [{ name: 'a;reboot', content: 'x' }, 'site name'],
    [{ name: '$(reboot)', content: 'x' }, 'site name'],
    [{ name: '', content: 'x' }, 'site name'],
    [{ name: 'app' }, 'exactly one of src or content'],
    [{ name: 'app', content: 'x', src: 'x.hbs' }, 'exactly one of src or content'],
    [{ name: 'app', content: 'x', vars: { a: 1 } }, 'vars are for a template'],
    [{ name: 'app', src: 'x.hbs', vars: { 'a-b': 1 } }, 'variable name'],
    [{ name: 'default', content: 'x', remove_default: true }, 'cannot remove the site this task manages'],
    [{ name: 'app', content: 'x', enabled: 'yes' }, 'expected boolean'],
    [{ name: 'app', content: 'x', state: 'absent' }, 'Unrecognized key'],
  ])('rejects %j', (a, message) => {
    const r = nginxSite.schema.safeParse(a);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('nginx_site plan', () => {
  it('fresh host: create the file, link it, remove the default site — one step, content on stdin', () => {
    const p = plan({ remove_default: true }, { defaultLink: linkTo('/etc/nginx/sites-available/default') });
    expect(p.changes.map((c) => c.summary)).toEqual([
      `create ${AVAIL}`,
      `enable site app (${LINK} -> ${AVAIL})`,
      `remove the default site (${DEFAULT_LINK})`,
    ]);
    expect(p.changes[0].diff).toEqual({ kind: 'file', path: AVAIL, after: CONTENT, before: null });
    expect(p.changes[1].diff).toEqual({ kind: 'text', label: LINK, before: '(absent)', after: `-> ${AVAIL}` });
    expect(p.changes[2].diff).toEqual({ kind: 'text', label: DEFAULT_LINK, before: '-> /etc/nginx/sites-available/default', after: '(absent)' });
    const s = stepArgs(p);
    expect(s.args).toEqual([AVAIL, LINK, '1', 'enable', '1', DEFAULT_LINK]);
    expect(s.stdin).toBe(CONTENT);
    expect(s.label).toBe(`write ${AVAIL}, link ${LINK}, remove ${DEFAULT_LINK}, nginx -t (all put back if it fails)`);
  });

  it.each([
    ['absolute link', linkTo(AVAIL)],
    ['relative link', linkTo('../sites-available/app')],
  ])('nothing to do: same content, %s, no default site', (_, link) => {
    const p = plan({ remove_default: true }, { site: fileWith(CONTENT), link, defaultLink: absent });
    expect(p.changes).toEqual([]);
    expect(p.ok).toBe(`${AVAIL} is up to date, enabled, no default site`);
  });

  it('nothing to do when disabled and not linked (the default site is not looked at unless asked)', () => {
    const p = plan({ enabled: false }, { site: fileWith(CONTENT), link: absent });
    expect(p.ok).toBe(`${AVAIL} is up to date, not enabled`);
    expect(Object.keys(nginxSite.facts(args({ name: 'app', content: 'x' }), ctx))).toEqual(['site', 'link']);
  });

  it('changed content: a file diff (old content fetched by the runner), the link left alone', () => {
    const p = plan({}, { site: fileWith('old\n'), link: linkTo(AVAIL) });
    expect(p.changes.map((c) => c.summary)).toEqual([`update ${AVAIL}`]);
    expect(p.changes[0].diff).toEqual({ kind: 'file', path: AVAIL, after: CONTENT });
    expect(stepArgs(p).args).toEqual([AVAIL, LINK, '1', 'keep', '0', DEFAULT_LINK]);
  });

  it('only the link missing: validated too, no content sent', () => {
    const p = plan({}, { site: fileWith(CONTENT), link: absent });
    expect(p.changes.map((c) => c.summary)).toEqual([`enable site app (${LINK} -> ${AVAIL})`]);
    const s = stepArgs(p);
    expect(s.args).toEqual([AVAIL, LINK, '0', 'enable', '0', DEFAULT_LINK]);
    expect(s.stdin).toBeUndefined();
  });

  it('a link to somewhere else is re-pointed', () => {
    const p = plan({}, { site: fileWith(CONTENT), link: linkTo('/srv/other') });
    expect(p.changes[0].diff).toEqual({ kind: 'text', label: LINK, before: '-> /srv/other', after: `-> ${AVAIL}` });
  });

  it('enabled: false removes the link', () => {
    const p = plan({ enabled: false }, { site: fileWith(CONTENT), link: linkTo(AVAIL) });
    expect(p.changes.map((c) => c.summary)).toEqual([`disable site app (remove ${LINK})`]);
    expect(stepArgs(p).args).toEqual([AVAIL, LINK, '0', 'disable', '0', DEFAULT_LINK]);
  });

  it('refuses to replace a regular file in sites-enabled, or a directory as the site file', () => {
    expect(() => plan({}, { link: fileWith('x') })).toThrow(/exists and is a regular file, not a link/);
    expect(() => plan({}, { site: { exists: true, type: 'directory' } })).toThrow(/is a directory, not a regular file/);
  });
});

describe('nginx_site transaction script (run locally against a fake nginx)', () => {
  const root = mkdtempSync(join(tmpdir(), 'nginx-site-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;

  /** A scratch /etc/nginx with sites-available/, sites-enabled/ and a default site; nginx -t fails on "bogus". */
  function scratch() {
    const dir = join(root, String(n++));
    const avail = join(dir, 'sites-available');
    const enabled = join(dir, 'sites-enabled');
    const bin = join(dir, 'bin');
    for (const d of [avail, enabled, bin]) mkdirSync(d, { recursive: true });
    writeFileSync(join(avail, 'default'), 'server { listen 80 default_server; }\n');
    symlinkSync(join(avail, 'default'), join(enabled, 'default'));
    writeFileSync(
      join(bin, 'nginx'),
      `#!/bin/sh\n[ "$1" = -t ] || exit 2\nif cat ${enabled}/* 2>/dev/null | grep -q bogus; then echo 'nginx: [emerg] unknown directive "bogus" in ${enabled}/app:1' >&2; echo 'nginx: configuration file /etc/nginx/nginx.conf test failed' >&2; exit 1; fi\necho 'nginx: configuration file /etc/nginx/nginx.conf test is successful' >&2\n`,
    );
    chmodSync(join(bin, 'nginx'), 0o755);
    const paths = { site: join(avail, 'app'), link: join(enabled, 'app'), defaultLink: join(enabled, 'default') };
    const run = (step: RunStep) => spawnSync('sh', ['-s'], { input: stepsScript([step]), encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const leftovers = () => [...readdirSync(avail), ...readdirSync(enabled)].filter((f) => f.startsWith('.'));
    return { dir, avail, enabled, paths, run, leftovers };
  }

  it('is one sh -c script with positional arguments, never values spliced into its text', () => {
    const step = siteStep({ site: AVAIL, link: LINK, defaultLink: DEFAULT_LINK, content: "x'; reboot; '", linkOp: 'enable', removeDefault: true });
    expect(step.command.startsWith("sh -c 'site=$1 link=$2 write=$3 linkop=$4 rmdef=$5 deflink=$6")).toBe(true);
    expect(step.command).not.toContain('reboot');
    // The shape of the rollback: nginx -t decides; on failure the file, the link and the default site are put back.
    expect(SITE_SCRIPT).toMatch(/out=\$\(nginx -t 2>&1\) \|\| ok=0/);
    expect(SITE_SCRIPT).toMatch(/if \[ "\$ok" = 0 \]; then[\s\S]*mv -f -- "\$old" "\$site"[\s\S]*restore "\$link"[\s\S]*restore "\$deflink"[\s\S]*exit 1\nfi$/);
  });

  it('success: file, link and default removal in place, no temporary files left', () => {
    const s = scratch();
    const r = s.run(siteStep({ ...s.paths, content: CONTENT, linkOp: 'enable', removeDefault: true }));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(s.paths.site, 'utf8')).toBe(CONTENT);
    expect(readlinkSync(s.paths.link)).toBe(s.paths.site);
    expect(existsSync(s.paths.defaultLink)).toBe(false);
    expect(lstatSync(s.paths.site).mode & 0o777).toBe(0o644);
    expect(s.leftovers()).toEqual([]);
  });

  it('nginx -t fails on a new site: file and link removed, default site back, nginx error shown', () => {
    const s = scratch();
    const r = s.run(siteStep({ ...s.paths, content: 'bogus;\n', linkOp: 'enable', removeDefault: true }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nginx -t rejected the new configuration');
    expect(r.stderr).toContain('unknown directive "bogus"');
    expect(existsSync(s.paths.site)).toBe(false);
    expect(existsSync(s.paths.link) || lstatExists(s.paths.link)).toBe(false);
    expect(readlinkSync(s.paths.defaultLink)).toBe(join(s.avail, 'default'));
    expect(s.leftovers()).toEqual([]);
  });

  it('nginx -t fails on an update: the old file back byte for byte with its mode, the old link kept', () => {
    const s = scratch();
    const old = 'server { listen 8080; }   # old\n';
    writeFileSync(s.paths.site, old);
    chmodSync(s.paths.site, 0o640);
    symlinkSync('../sites-available/app', s.paths.link);
    const r = s.run(siteStep({ ...s.paths, content: 'bogus;\n', linkOp: 'keep', removeDefault: false }));
    expect(r.status).toBe(1);
    expect(readFileSync(s.paths.site, 'utf8')).toBe(old);
    expect(lstatSync(s.paths.site).mode & 0o777).toBe(0o640);
    expect(readlinkSync(s.paths.link)).toBe('../sites-available/app');
    expect(s.leftovers()).toEqual([]);
  });

  it('enabling a broken, already present site file is rolled back too (the link is removed again)', () => {
    const s = scratch();
    writeFileSync(s.paths.site, 'bogus;\n');
    const r = s.run(siteStep({ ...s.paths, linkOp: 'enable', removeDefault: false }));
    expect(r.status).toBe(1);
    expect(lstatExists(s.paths.link)).toBe(false);
    expect(readFileSync(s.paths.site, 'utf8')).toBe('bogus;\n');
  });

  it('a regular file standing as the default site is copied aside and put back on failure', () => {
    const s = scratch();
    rmSync(s.paths.defaultLink);
    writeFileSync(s.paths.defaultLink, 'server { listen 81; }\n');
    const r = s.run(siteStep({ ...s.paths, content: 'bogus;\n', linkOp: 'enable', removeDefault: true }));
    expect(r.status).toBe(1);
    expect(readFileSync(s.paths.defaultLink, 'utf8')).toBe('server { listen 81; }\n');
    expect(s.leftovers()).toEqual([]);
  });

  it('runs under dash and bash alike', () => {
    for (const shell of ['dash', 'bash']) {
      if (spawnSync('sh', ['-c', `command -v ${shell}`]).status !== 0) continue;
      execFileSync(shell, ['-n', '-c', SITE_SCRIPT]);
    }
  });
});

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

describe('nginx_site templates (packaged, rendered through compile)', () => {
  const inventory = parseInventory(YamlSource.fromText('hosts:\n  web1: { vars: { domain: app.example.org, port: 8502 } }\n', 'hosts.yaml'));
  const compileSite = (task: string, files: Record<string, string> = {}) => {
    const dir = writeProject({ 'site.yaml': `- hosts: web1\n  tasks:\n    - nginx_site:\n${task.replace(/^/gm, '        ')}\n`, ...files });
    return compile(loadPlaybook(`${dir}/site.yaml`), inventory)[0].plays[0];
  };
  const render = (task: string, files: Record<string, string> = {}): string => (staticTasks(compileSite(task, files))[0].args as { content: string }).content;

  it('streamlit proxy (RockTalk): WebSocket location, vars from the task referring to host vars', () => {
    const out = render('name: rocktalk.conf\nsrc: nginx/streamlit-proxy.conf.hbs\nvars: { domain: "{{ domain }}", app_port: "{{ port }}" }');
    expect(out).toContain('server_name app.example.org;');
    expect(out).toContain('proxy_pass http://127.0.0.1:8502/;');
    expect(out).toMatch(/location \/_stcore\/stream \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:8502\/_stcore\/stream;[\s\S]*proxy_read_timeout 86400;/);
    expect(out).not.toMatch(/ssl|auth_basic|X-Forwarded-User|\{\{/);
    expect(out.startsWith('# Managed by provision')).toBe(true);
  });

  it('streamlit proxy (flip.rip): auth_basic and the user name header; with TLS a redirect and the ACME location', () => {
    const out = render(
      'name: flip\nsrc: nginx/streamlit-proxy.conf.hbs\nvars: { ansible_distribution_release: bookworm, domain: flip.rip, app_port: 8501, htpasswd_file: /etc/nginx/.htpasswd, user_header: X-Forwarded-User, tls_cert: /c.pem, tls_key: /k.pem, acme_webroot: /var/www/certbot }',
    );
    expect(out).toContain('auth_basic "Restricted";\n    auth_basic_user_file /etc/nginx/.htpasswd;');
    expect(out.match(/proxy_set_header X-Forwarded-User \$remote_user;/g)).toHaveLength(2);
    expect(out).toContain('listen 443 ssl http2;');
    expect(out).toContain('ssl_certificate     /c.pem;');
    expect(out).toContain('return 301 https://$host$request_uri;');
    expect(out).toMatch(/location \^~ \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/www\/certbot;/);
  });

  it.each([
    ['bookworm', /listen 443 ssl http2;\n    listen \[::\]:443 ssl http2;\n/, /http2 on;/],
    ['trixie', /listen 443 ssl;\n    listen \[::\]:443 ssl;\n    http2 on;\n/, /listen 443 ssl http2/],
  ])('TLS on Debian %s: the HTTP/2 syntax of its nginx, in every packaged site template', (release, wanted, unwanted) => {
    for (const src of ['streamlit-proxy', 'websocket-proxy', 'static-with-backend', 'hardened-proxy']) {
      const out = render(`name: s\nsrc: nginx/${src}.conf.hbs\nvars: { ansible_distribution_release: ${release}, domain: d.example, app_port: 1, web_root: /w, tls_cert: /c.pem, tls_key: /k.pem, zone_prefix: z }`);
      expect(out, src).toMatch(wanted);
      expect(out, src).not.toMatch(unwanted);
    }
  });

  it('TLS without the release fact: an error naming it, not a guess', () => {
    expect(() => render('name: s\nsrc: nginx/websocket-proxy.conf.hbs\nvars: { domain: d.example, app_port: 1, tls_cert: /c.pem, tls_key: /k.pem }')).toThrow(/variable "ansible_distribution_release" is not defined/);
  });

  it('websocket proxy (Chatalot): /ws with 86400 s timeouts, upload size, redirect to HTTPS', () => {
    const out = render('name: chatalot\nsrc: nginx/websocket-proxy.conf.hbs\nvars: { ansible_distribution_release: bookworm, domain: chat.example.com, app_port: 8080, tls_cert: /c.pem, tls_key: /k.pem }');
    expect(out).toMatch(/location \/ws \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:8080\/ws;[\s\S]*proxy_read_timeout 86400s;\n\s+proxy_send_timeout 86400s;/);
    expect(out).toContain('client_max_body_size 110M;');
    expect(out).toContain('return 301 https://$host$request_uri;');
    expect(out).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
  });

  it('static with backend (personal-analytics): root + try_files under /pa/, /pa_backend/ proxied, both behind auth', () => {
    const out = render('name: pa\nsrc: nginx/static-with-backend.conf.hbs\nvars: { domain: your-domain.org, web_root: /var/www/pa/html, htpasswd_file: /etc/nginx/.htpasswd, security_headers: true }');
    expect(out).toContain('root /var/www/pa/html;');
    expect(out).toMatch(/location \/pa\/ \{\n\s+auth_basic "PersonalAnalytics";\n\s+auth_basic_user_file \/etc\/nginx\/\.htpasswd;\n\s+try_files \$uri \$uri\/ =404;/);
    expect(out).toMatch(/location \/pa_backend\/ \{\n\s+auth_basic "PersonalAnalytics";[\s\S]*proxy_pass http:\/\/127\.0\.0\.1:8000\/;/);
    expect(out).toContain('add_header X-Frame-Options "SAMEORIGIN" always;');
    expect(out).not.toContain('ssl');
  });

  it('hardened proxy (IOB): limit zones at the top (http context), security headers, ACME location, strict TLS', () => {
    const out = render('name: iob\nsrc: nginx/hardened-proxy.conf.hbs\nvars: { ansible_distribution_release: trixie, domain: iob.example.org, app_port: 8000, tls_cert: /c.pem, tls_key: /k.pem, zone_prefix: iob }');
    const firstServer = out.indexOf('server {');
    expect(out.slice(0, firstServer)).toContain('limit_req_zone $binary_remote_addr zone=iob_api:10m rate=20r/s;');
    expect(out.slice(0, firstServer)).toContain('limit_conn_zone $binary_remote_addr zone=iob_addr:10m;');
    expect(out).toContain('add_header Strict-Transport-Security "max-age=31536000; includeSubDomains; preload" always;');
    expect(out).toContain("add_header Content-Security-Policy \"default-src 'self' https:;");
    expect(out).toMatch(/location \^~ \/\.well-known\/acme-challenge\/ \{\n\s+default_type "text\/plain";\n\s+root \/var\/www\/certbot;/);
    expect(out).toContain('limit_req zone=iob_auth burst=5 nodelay;');
    expect(out).not.toContain('ssl_stapling');
  });

  it('without vars the template sees the host variables; a project template of the same name wins over the packaged one', () => {
    // The packaged template reads a host fact (the release): with the host's variables it is rendered at run time, after the facts are read.
    const deferred = compileSite('name: a\nsrc: nginx/streamlit-proxy.conf.hbs');
    expect(staticTasks(deferred)).toHaveLength(0);
    expect(deferred.gatherFacts).toBe(true);
    const out = render('name: a\nsrc: nginx/streamlit-proxy.conf.hbs', { 'templates/nginx/streamlit-proxy.conf.hbs': 'server_name {{ domain }}; # mine\n' });
    expect(out).toBe('server_name app.example.org; # mine\n');
    expect(render('name: a\nsrc: site.hbs\nvars: { x: 1 }', { 'templates/site.hbs': 'x={{x}}\n' })).toBe('x=1\n');
  });

  it('a missing variable or template is a config error naming it, before any host is touched', () => {
    expect(() => render('name: a\nsrc: nginx/streamlit-proxy.conf.hbs\nvars: { domain: x }')).toThrow(/streamlit-proxy\.conf\.hbs:\d+: variable "app_port" is not defined/);
    expect(() => render('name: a\nsrc: nginx/nope.hbs\nvars: { domain: x }')).toThrow(ConfigErrors);
    expect(() => render('name: a\nsrc: nginx/nope.hbs\nvars: { domain: x }')).toThrow(/template "nginx\/nope\.hbs" not found/);
  });
});
