import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { UnitState } from '../../../src/facts.js';
import type { Plan } from '../../../src/plan.js';
import { getTaskType } from '../../../tasks/index.js';
import { bundleOf, DROPIN, parseRenewalTrust, renderDropin, renewalTrustFact, type RenewalTrust } from '../../../tasks/certbot-renewal-ca.js';
import { certbot, certFact, LETSENCRYPT, parseCertState, type CertbotArgs, type CertState } from '../../../tasks/certbot.js';

const args = (a: Record<string, unknown>): CertbotArgs => certbot.schema.parse({ domains: ['example.org', 'www.example.org'], webroot: '/var/www/certbot', ...a });
const ctx = { host: 'web1', sshPort: 22 };
const DAY = 86400;
const NOW = 1_800_000_000;
const timerOn: UnitState = { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' };
const absent: CertState = { now: NOW, state: 'absent' };
const cert = (names: string[], daysLeft: number, server = LETSENCRYPT): CertState => ({ now: NOW, state: 'present', notAfter: NOW + daysLeft * DAY + 100, names, server });

const noTrust: RenewalTrust = { lineages: [] };
function plan(a: Record<string, unknown>, c: CertState, timer: UnitState = timerOn, trust: RenewalTrust = noTrust): Plan {
  return certbot.plan(args(a), { cert: c, timer, trust } as never, ctx);
}
const commands = (p: Plan): string[] => p.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'run' ? s.command : `write ${s.path}`)));

const BASE = 'env certbot certonly --non-interactive --agree-tos --cert-name example.org --webroot --webroot-path /var/www/certbot -d example.org -d www.example.org';

describe('certbot schema', () => {
  it('is registered, every field is described, and its example parses', () => {
    expect(getTaskType('certbot')).toBe(certbot);
    for (const [k, v] of Object.entries((certbot.schema as any).shape)) expect((v as any).description, k).toBeTruthy();
    const [task] = parse(certbot.example);
    expect(certbot.schema.safeParse(task.certbot).success).toBe(true);
  });

  it('one domain as a string; names lower-cased; defaults', () => {
    expect(certbot.schema.parse({ domains: 'Example.ORG', authenticator: 'standalone' })).toEqual({
      domains: ['example.org'],
      authenticator: 'standalone',
      staging: false,
      renew_before_days: 30,
    });
  });

  it.each([
    [{ domains: ['-d'] }, 'host name'],
    [{ domains: ['--server=https://evil'] }, 'host name'],
    [{ domains: ['a.org;reboot'] }, 'host name'],
    [{ domains: ['a.org b.org'] }, 'host name'],
    [{ domains: ['$(reboot).org'] }, 'host name'],
    [{ domains: ['*.example.org'] }, 'host name'],
    [{ domains: ['a..org'] }, 'host name'],
    [{ domains: ['-a.org'] }, 'host name'],
    [{ domains: [] }, 'at least one domain'],
    [{ cert_name: '../x' }, 'certificate name'],
    [{ cert_name: '-x' }, 'certificate name'],
    [{ email: '-x@example.org' }, 'email'],
    [{ email: 'a@b.org --server x' }, 'email'],
    [{ server: 'https://x/dir --staging' }, 'ACME directory URL'],
    [{ server: "https://x/'dir" }, 'ACME directory URL'],
    [{ server: 'file:///etc/passwd' }, 'ACME directory URL'],
    [{ server: 'https://x/dir', staging: true }, 'staging or server'],
    [{ ca_bundle: 'relative.pem', server: 'https://x/dir' }, 'absolute path'],
    [{ ca_bundle: '/ca.pem' }, 'ca_bundle is for a custom server'],
    [{ webroot: undefined }, 'authenticator: webroot needs webroot'],
    [{ authenticator: 'standalone' }, 'webroot is only for authenticator: webroot'],
    [{ authenticator: 'apache', webroot: undefined }, 'Invalid option'],
    [{ renew_before_days: 0 }, 'Too small'],
    [{ renew_before_days: 1.5 }, 'expected int'],
  ])('rejects %j', (a, message) => {
    const r = certbot.schema.safeParse({ domains: ['example.org'], webroot: '/var/www/certbot', ...a });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('certbot plan', () => {
  it.each<[string, Record<string, unknown>, CertState, string[]]>([
    ['no certificate yet', {}, absent, [`${BASE} --register-unsafely-without-email`]],
    ['with email', { email: 'admin@example.org' }, absent, [`${BASE} --email admin@example.org --no-eff-email`]],
    ['staging', { staging: true }, absent, [`${BASE} --register-unsafely-without-email --staging`]],
    [
      'custom CA with its own certificate',
      { server: 'https://127.0.0.1:14000/dir', ca_bundle: '/etc/pebble/cert.pem' },
      absent,
      [
        `env REQUESTS_CA_BUNDLE=/etc/pebble/cert.pem ${BASE.slice(4)} --register-unsafely-without-email --server https://127.0.0.1:14000/dir`,
        // Kept for certbot.timer's renewals (certbot's renewal configuration cannot hold it).
        'mkdir -p -- /etc/systemd/system/certbot.service.d',
        `write ${DROPIN}`,
        'systemctl daemon-reload',
      ],
    ],
    [
      'names changed: certbot re-issues by itself',
      {},
      cert(['example.org'], 80),
      [`${BASE} --register-unsafely-without-email`],
    ],
    ['expires within renew_before_days: forced renewal', {}, cert(['example.org', 'www.example.org'], 29), [`${BASE} --register-unsafely-without-email --force-renewal`]],
    ['issued by another CA (staging → production)', {}, cert(['example.org', 'www.example.org'], 80, 'https://acme-staging-v02.api.letsencrypt.org/directory'), [`${BASE} --register-unsafely-without-email --force-renewal`]],
    ['unreadable certificate', {}, { now: NOW, state: 'unreadable' }, [`${BASE} --register-unsafely-without-email --force-renewal`]],
  ])('%s', (_, a, c, expected) => {
    expect(commands(plan(a, c))).toEqual(expected);
  });

  it('other authenticators, a certificate name of its own', () => {
    const p = certbot.plan(certbot.schema.parse({ domains: 'example.org', authenticator: 'nginx', cert_name: 'site' }), { cert: absent, timer: timerOn, trust: noTrust } as never, ctx);
    expect(commands(p)).toEqual(['env certbot certonly --non-interactive --agree-tos --cert-name site --nginx -d example.org --register-unsafely-without-email']);
    expect(Object.keys(certbot.facts(certbot.schema.parse({ domains: 'example.org', authenticator: 'standalone', cert_name: 'site' }), ctx))).toEqual(['cert', 'timer', 'trust']);
    expect(certFact('site').script).toContain('/etc/letsencrypt/live/site/cert.pem');
  });

  it('nothing to do: same names (in any order), valid long enough, same CA, timer on', () => {
    const p = plan({ domains: ['www.example.org', 'EXAMPLE.org'] }, cert(['example.org', 'www.example.org'], 31));
    expect(p.changes).toEqual([]);
    expect(p.ok).toMatch(/^certificate www\.example\.org for www\.example\.org, example\.org is valid until \d{4}-\d\d-\d\d \(31 days\); certbot\.timer is enabled and active$/);
  });

  it('a diff a person reads: names, issuer, expiry', () => {
    const p = plan({ domains: ['example.org', 'api.example.org'] }, cert(['example.org', 'www.example.org'], 80));
    expect(p.changes[0].summary).toBe('obtain certificate example.org for example.org, api.example.org (it is for example.org, www.example.org)');
    expect(p.changes[0].diff).toMatchObject({ kind: 'text', label: 'certificate example.org', after: `names: example.org, api.example.org\nissuer: ${LETSENCRYPT}` });
    expect((p.changes[0].diff as any).before).toMatch(/^names: example\.org, www\.example\.org\nissuer: https:\/\/acme-v02\S+\nexpires: \d{4}-\d\d-\d\d$/);
  });

  it.each<[string, UnitState, string]>([
    ['disabled and stopped', { loadState: 'loaded', activeState: 'inactive', unitFileState: 'disabled' }, 'enable and start certbot.timer'],
    ['enabled, stopped', { loadState: 'loaded', activeState: 'inactive', unitFileState: 'enabled' }, 'start certbot.timer'],
    ['running, not enabled', { loadState: 'loaded', activeState: 'active', unitFileState: 'disabled' }, 'enable certbot.timer'],
    ['not installed (check mode on a fresh host)', { loadState: 'not-found', activeState: 'inactive', unitFileState: '' }, 'enable and start certbot.timer'],
  ])('renewal timer %s: turned on, reported as a change', (_, timer, summary) => {
    const p = plan({}, cert(['example.org', 'www.example.org'], 80), timer);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0].summary.startsWith(summary)).toBe(true);
    expect(commands(p)).toEqual(['systemctl enable --now certbot.timer']);
  });
});

describe('certificate fact', () => {
  /** A real self-signed certificate, made by openssl here; returns its PEM. */
  const makeCert = (extra: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-cert-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=example.test', '-days', '3650', ...extra], { stdio: 'pipe' });
      return readFileSync(join(dir, 'cert.pem'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const notAfterOf = (pem: string) => Date.parse(execFileSync('openssl', ['x509', '-noout', '-enddate'], { input: pem, encoding: 'utf8' }).trim().replace('notAfter=', '')) / 1000;

  it('reads the certificate (expiry and DNS names, as openssl sees them), the renewal server and the host clock', () => {
    const pem = makeCert(['-addext', 'subjectAltName=DNS:Example.test,DNS:www.example.test,IP:127.0.0.1']);
    expect(parseCertState(`now=${NOW}\nserver=https://127.0.0.1:14000/dir\npem\n${pem}`)).toEqual({
      now: NOW,
      server: 'https://127.0.0.1:14000/dir',
      state: 'present',
      notAfter: notAfterOf(pem),
      names: ['example.test', 'www.example.test'],
    });
  });

  it('absent and unreadable certificates', () => {
    expect(parseCertState(`now=${NOW}\nabsent`)).toEqual({ now: NOW, state: 'absent' });
    expect(parseCertState(`now=${NOW}\nunreadable`)).toEqual({ now: NOW, state: 'unreadable' });
    expect(parseCertState(`now=${NOW}\npem\n-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----`)).toEqual({ now: NOW, state: 'unreadable' });
  });

  it('parseCertState: the strict reader and, for layouts it leaves, X509Certificate give one answer', () => {
    const pem = makeCert(['-addext', 'subjectAltName=DNS:A.test,IP:10.0.0.1,DNS:b.test']);
    const present = { now: NOW, state: 'present', notAfter: notAfterOf(pem), names: ['a.test', 'b.test'] };
    const table: [string, string, CertState][] = [
      ['nothing to read: only the clock', `now=${NOW}\n`, { now: NOW, state: 'unreadable' }],
      ['the certificate', `now=${NOW}\npem\n${pem}`, present as CertState],
      ['a chain after it (fullchain.pem): the first counts', `now=${NOW}\npem\n${pem}${makeCert([])}`, present as CertState],
      ['CRLF line ends (read by X509Certificate)', `now=${NOW}\npem\n${pem.replaceAll('\n', '\r\n')}`, present as CertState],
      ['text before the block (read by X509Certificate)', `now=${NOW}\npem\nsubject=x\n${pem}`, present as CertState],
      ['a truncated certificate', `now=${NOW}\npem\n${pem.slice(0, 300)}\n-----END CERTIFICATE-----\n`, { now: NOW, state: 'unreadable' }],
    ];
    for (const [what, stdout, expected] of table) expect(parseCertState(stdout), what).toEqual(expected);
  });

  it('a certificate without subjectAltName has no names (and so is replaced)', () => {
    const c = parseCertState(`now=${NOW}\npem\n${makeCert([])}`);
    expect(c).toMatchObject({ state: 'present', names: [] });
    expect(commands(plan({}, c))).toHaveLength(1);
  });

  it('the fact script, run by sh, hands over the PEM unchanged', () => {
    const pem = makeCert(['-addext', 'subjectAltName=DNS:example.test']);
    const dir = mkdtempSync(join(tmpdir(), 'provision-le-'));
    const script = certFact('example.test').script.replaceAll('/etc/letsencrypt', dir);
    expect(parseCertState(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }))).toMatchObject({ state: 'absent' });
    mkdirSync(join(dir, 'live', 'example.test'), { recursive: true });
    writeFileSync(join(dir, 'live', 'example.test', 'cert.pem'), pem);
    expect(parseCertState(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }))).toMatchObject({ state: 'present', notAfter: notAfterOf(pem), names: ['example.test'] });
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['server = https://acme.example/dir', 'https://acme.example/dir'],
    ['server=https://acme.example/dir', 'https://acme.example/dir'],
    ['server   =   https://acme.example/dir?x=1', 'https://acme.example/dir?x=1'],
    ['# server = https://commented.example/dir', undefined],
    ['server_url = https://other.example/dir', undefined],
    ['server', undefined],
  ])('the fact script reads the renewal server from %j', (line, server) => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-le-'));
    mkdirSync(join(dir, 'renewal'));
    // As certbot writes it: the server sits in [renewalparams]; the last line has no newline here.
    writeFileSync(join(dir, 'renewal', 'example.test.conf'), `version = 2.1.0\narchive_dir = /x\n\n[renewalparams]\naccount = abc\n${line}\nauthenticator = webroot`);
    const script = certFact('example.test').script.replaceAll('/etc/letsencrypt', dir);
    expect(parseCertState(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' })).server).toBe(server);
    writeFileSync(join(dir, 'renewal', 'example.test.conf'), `[renewalparams]\n${line}`);
    expect(parseCertState(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' })).server).toBe(server);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("renewal CA bundle (certbot.service's drop-in, which certbot.timer runs)", () => {
  const PEBBLE = { server: 'https://127.0.0.1:14000/dir', ca_bundle: '/etc/pebble/cert.pem' };
  const valid = cert(['example.org', 'www.example.org'], 80, PEBBLE.server);
  const ours = renderDropin(PEBBLE.ca_bundle);

  it.each<[string, Record<string, unknown>, RenewalTrust, string[]]>([
    ['nothing to do: no private CA, no drop-in', {}, { lineages: ['example.org'] }, []],
    ['nothing to do: the drop-in names this bundle', PEBBLE, { dropin: ours, lineages: ['example.org', 'other.org'] }, []],
    ['a certificate issued before the bundle was kept gets the drop-in', PEBBLE, { lineages: ['example.org'] }, ['mkdir -p -- /etc/systemd/system/certbot.service.d', `write ${DROPIN}`, 'systemctl daemon-reload']],
    ['another bundle for the only certificate: updated', PEBBLE, { dropin: renderDropin('/etc/old.pem'), lineages: ['example.org'] }, ['mkdir -p -- /etc/systemd/system/certbot.service.d', `write ${DROPIN}`, 'systemctl daemon-reload']],
    ["back to the system's CAs: the drop-in goes", {}, { dropin: ours, lineages: ['example.org'] }, [`rm -f -- ${DROPIN}`, 'systemctl daemon-reload']],
  ])('%s', (_, a, trust, expected) => {
    const c = a.server ? valid : cert(['example.org', 'www.example.org'], 80);
    expect(commands(plan(a, c, timerOn, trust))).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, RenewalTrust]>([
    ['a private CA on a host that renews another certificate with the system CAs', PEBBLE, { lineages: ['example.org', 'other.org'] }],
    ['another bundle than the one another certificate renews with', PEBBLE, { dropin: renderDropin('/etc/other-ca.pem'), lineages: ['other.org'] }],
    ["the system's CAs while another certificate renews with a private CA", {}, { dropin: ours, lineages: ['example.org', 'other.org'] }],
  ])('stops, naming both, rather than break another renewal: %s', (_, a, trust) => {
    expect(() => plan(a, valid, timerOn, trust)).toThrow(/one CA bundle.*other\.org.*same ca_bundle/s);
  });

  it.each(['/etc/pebble/cert.pem', '/etc/ca dir/a"b\\c%d$e`f#g@h:i.pem'])('the drop-in quotes %j for systemd (" and \\ escaped, %% doubled) and reads back', (path) => {
    const text = renderDropin(path);
    expect(text).toMatch(/^\[Service\]$/m);
    const line = text.split('\n').find((l) => l.startsWith('Environment='))!;
    expect(line).toMatch(/^Environment="REQUESTS_CA_BUNDLE=([^"\\%]|\\["\\]|%%)*"$/);
    expect(bundleOf(text)).toBe(path);
  });

  it('the fact script, run by sh, hands over the drop-in byte for byte and the certificates certbot renews', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-trust-'));
    const script = renewalTrustFact().script.replaceAll('/etc/systemd/system', join(dir, 'systemd')).replaceAll('/etc/letsencrypt', join(dir, 'le'));
    const run = () => parseRenewalTrust(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }));
    expect(run()).toEqual({ lineages: [] });
    mkdirSync(join(dir, 'le', 'renewal'), { recursive: true });
    for (const n of ['example.org', 'other.org']) writeFileSync(join(dir, 'le', 'renewal', `${n}.conf`), 'x');
    writeFileSync(join(dir, 'le', 'renewal', 'notes.txt'), 'x');
    mkdirSync(join(dir, 'systemd', 'certbot.service.d'), { recursive: true });
    for (const text of [renderDropin('/etc/ca dir/"q".pem'), 'no newline at the end', '', 'lineage=forged\n']) {
      writeFileSync(join(dir, 'systemd', 'certbot.service.d', 'provision-ca-bundle.conf'), text);
      expect(run()).toEqual({ dropin: text, lineages: ['example.org', 'other.org'] });
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
