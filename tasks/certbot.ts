import { X509Certificate } from 'node:crypto';
import * as z from 'zod';
import { fact, unitFact, type UnitState } from '../src/facts.js';
import { nothingToDo, type Change, type Step } from '../src/plan.js';
import { absolutePath, oneOrMany } from '../src/schemas.js';
import { cmd, quote } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';
import { readCertFields } from '../src/x509-fields.js';
import { planRenewalTrust, renewalTrustFact } from './certbot-renewal-ca.js';

export const LETSENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETSENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
export const TIMER = 'certbot.timer';

/** A DNS name as certbot takes it with -d: letters, digits, hyphens, dots; no wildcard (HTTP-01 cannot prove one). */
export const hostname = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'expected a host name such as "example.org" (letters, digits, "-" and "."; not starting with "-")')
  .transform((d) => d.toLowerCase());

const certName = z.string().max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a certificate name: letters, digits, ".", "_" or "-", starting with a letter or digit');

const email = z.string().max(254).regex(/^[A-Za-z0-9._%+][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'expected an email address such as admin@example.org');

const acmeUrl = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[A-Za-z0-9._~:/?#[\]@!%+,;=-]+$/, 'expected an ACME directory URL such as https://acme-v02.api.letsencrypt.org/directory');

const schema = z
  .strictObject({
    domains: oneOrMany(hostname)
      .refine((d) => d.length > 0, 'give at least one domain')
      .describe('The names the certificate is for (each one `-d NAME`); the first is the default certificate name.'),
    cert_name: certName.optional().describe('Certificate name: the directory /etc/letsencrypt/live/NAME. Default: the first domain.'),
    email: email.optional().describe("Account email for expiry notices. Not given: the account is registered without one (--register-unsafely-without-email)."),
    authenticator: z
      .enum(['webroot', 'standalone', 'nginx'])
      .default('webroot')
      .describe(
        'How the HTTP-01 challenge is answered. webroot: files under `webroot`, served by your web server (nginx_site templates have acme_webroot); ' +
          "standalone: certbot listens on port 80 itself (nothing else may); nginx: certbot's nginx plugin (python3-certbot-nginx) answers " +
          "for the challenge only. In every case certbot runs `certonly`: it never edits nginx's site files.",
      ),
    webroot: absolutePath.optional().describe('For authenticator: webroot: the directory served at http://DOMAIN/.well-known/acme-challenge/ (e.g. /var/www/certbot).'),
    staging: z.boolean().default(false).describe("Use Let's Encrypt's staging CA (untrusted certificates, generous rate limits): for trying a setup."),
    server: acmeUrl.optional().describe("Another ACME CA's directory URL (e.g. a test CA such as pebble: https://127.0.0.1:14000/dir)."),
    ca_bundle: absolutePath
      .optional()
      .describe(
        "A CA certificate file on the host that certbot trusts for `server`'s HTTPS (passed as REQUESTS_CA_BUNDLE), for a CA with a private certificate. " +
          'Kept for renewals in a drop-in for certbot.service (/etc/systemd/system/certbot.service.d/provision-ca-bundle.conf), which certbot.timer runs: ' +
          'one bundle for every certificate of the host.',
      ),
    renew_before_days: z.number().int().min(1).max(365).default(30).describe('Obtain a new certificate when the current one expires within this many days. Renewal in between is left to certbot.timer.'),
  })
  .refine((a) => a.authenticator !== 'webroot' || a.webroot !== undefined, { message: 'authenticator: webroot needs webroot (the directory nginx serves /.well-known/acme-challenge/ from)', path: ['webroot'] })
  .refine((a) => a.authenticator === 'webroot' || a.webroot === undefined, { message: 'webroot is only for authenticator: webroot', path: ['webroot'] })
  .refine((a) => !(a.staging && a.server !== undefined), { message: 'give staging or server, not both', path: ['server'] })
  .refine((a) => a.ca_bundle === undefined || a.server !== undefined, { message: 'ca_bundle is for a custom server', path: ['ca_bundle'] })
  .describe(
    'Obtains a certificate with `certbot certonly` (certbot never edits nginx files), when there is none for these names or it expires within renew_before_days; ' +
      "makes sure certbot.timer (certbot's own renewal) is enabled and running. Reloading nginx after a renewal: put a script in /etc/letsencrypt/renewal-hooks/deploy/ (copy task).",
  );

export type CertbotArgs = z.infer<typeof schema>;

export interface CertState {
  /** The host's clock, seconds since the epoch: expiry is judged by it, not by the controller's. */
  now: number;
  state: 'absent' | 'present' | 'unreadable';
  /** Expiry, seconds since the epoch. */
  notAfter?: number;
  /** DNS names in the certificate's subjectAltName, lower case. */
  names?: string[];
  /** The `server` of the renewal configuration, when there is one. */
  server?: string;
}

/**
 * The host's clock, the renewal server, and the certificate itself (public
 * data, ~2 KB): its two fields are read on the controller (src/x509-fields.ts), so
 * the host runs no openssl (OpenSSL 3 takes ~40-80 ms just to start).
 */
export function certFact(name: string) {
  const cert = quote(`/etc/letsencrypt/live/${name}/cert.pem`);
  const renewal = quote(`/etc/letsencrypt/renewal/${name}.conf`);
  // The renewal file's `server = URL` line is found by the shell itself (no sed, no head: each
  // process costs the host more than reading a 20-line file); the parser trims the value.
  const script = [
    `printf 'now=%s\\n' "$(date +%s)"`,
    `if [ -f ${renewal} ]; then while IFS= read -r pv_l || [ -n "$pv_l" ]; do pv_k=\${pv_l%%=*}; pv_k=\${pv_k%"\${pv_k##*[! ]}"}; if [ "$pv_k" = server ] && [ "$pv_k" != "$pv_l" ]; then printf 'server=%s\\n' "\${pv_l#*=}"; break; fi; done < ${renewal}; fi`,
    `if [ ! -e ${cert} ]; then echo absent; elif [ -r ${cert} ]; then echo pem; cat ${cert}; else echo unreadable; fi`,
  ].join('\n');
  return fact(`certbot-cert:${name}`, script, ({ stdout }) => parseCertState(stdout));
}

export function parseCertState(stdout: string): CertState {
  const lines = stdout.split('\n');
  const now = Number(/^now=(\d+)$/m.exec(stdout)?.[1] ?? NaN);
  const server = /^server=(.+)$/m.exec(stdout)?.[1]?.trim() || undefined;
  const base = { now, ...(server ? { server } : {}) };
  if (lines.includes('absent')) return { ...base, state: 'absent' };
  const pemAt = lines.indexOf('pem');
  if (pemAt < 0) return { ...base, state: 'unreadable' };
  const pem = lines.slice(pemAt + 1).join('\n');
  const fields = readCertFields(pem);
  const cert = fields === 'unreadable' ? readWithX509Certificate(pem) : { notAfter: fields.notAfter, names: fields.dnsNames };
  return cert ? { ...base, state: 'present', ...cert } : { ...base, state: 'unreadable' };
}

/**
 * Node's X509Certificate, for a certificate the strict reader above is not sure of (another PEM
 * layout, BER, a time or string form RFC 5280 does not give): the answer stays the one it has
 * always been; the oracle test measures the reader against it. A certbot certificate never comes
 * here: this costs ~0.15-0.25 ms, the reader ~0.01-0.03 (bench/cert-fact.mjs).
 */
export function readWithX509Certificate(pem: string): { notAfter: number; names: string[] } | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const notAfter = Date.parse(cert.validTo) / 1000;
  if (!Number.isFinite(notAfter)) return undefined;
  const names = (cert.subjectAltName ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  return { notAfter, names };
}

export const certbot = defineTask({
  name: 'certbot',
  summary: "Obtain a certificate with certbot certonly (never edits nginx); certbot.timer renews it.",
  schema: schema as z.ZodType<CertbotArgs>,
  example: `- name: Certificate for the site
  certbot:
    domains: [rocktalk.example.org, www.rocktalk.example.org]
    email: admin@example.org
    webroot: /var/www/certbot`,
  facts: (a) => ({ cert: certFact(nameOf(a)), timer: unitFact(TIMER), trust: renewalTrustFact() }),
  plan(a, { cert, timer, trust }) {
    const changes: Change[] = [];
    const obtain = planCertificate(a, cert);
    if (obtain.change) changes.push(obtain.change);
    const kept = planRenewalTrust(nameOf(a), a.ca_bundle, trust);
    if (kept) changes.push(kept);
    const t = planTimer(timer);
    if (t) changes.push(t);
    if (changes.length) return { changes };
    return nothingToDo(`${obtain.ok}; ${TIMER} is enabled and active${a.ca_bundle ? ` and its renewals trust ${a.ca_bundle}` : ''}`);
  },
});

export function nameOf(a: Pick<CertbotArgs, 'cert_name' | 'domains'>): string {
  return a.cert_name ?? a.domains[0];
}

function serverOf(a: CertbotArgs): string {
  return a.server ?? (a.staging ? LETSENCRYPT_STAGING : LETSENCRYPT);
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function day(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 10);
}

function planCertificate(a: CertbotArgs, c: CertState): { change?: Change; ok: string } {
  const name = nameOf(a);
  const wanted = unique(a.domains);
  const server = serverOf(a);
  const live = `/etc/letsencrypt/live/${name}`;
  const after = [`names: ${wanted.join(', ')}`, `issuer: ${server}`].join('\n');
  const change = (summary: string, before: string, force: boolean): { change: Change; ok: string } => ({
    ok: '',
    change: { summary, diff: { kind: 'text', label: `certificate ${name}`, before, after }, steps: [certbotStep(a, wanted, force)] },
  });
  if (c.state === 'absent') return change(`obtain certificate ${name} for ${wanted.join(', ')} from ${server}`, '(none)', false);
  if (c.state === 'unreadable') return change(`replace the unreadable certificate ${live}/cert.pem`, '(unreadable)', true);
  const have = c.names ?? [];
  const before = [`names: ${have.join(', ')}`, `issuer: ${c.server ?? '(unknown)'}`, `expires: ${day(c.notAfter!)}`].join('\n');
  const sameNames = have.length === wanted.length && [...have].sort().join(' ') === [...wanted].sort().join(' ');
  // certbot issues anew by itself when the names change; in the other cases it would
  // answer "not yet due for renewal", so we ask for the renewal we decided on.
  if (!sameNames) return change(`obtain certificate ${name} for ${wanted.join(', ')} (it is for ${have.join(', ') || 'no names'})`, before, false);
  const daysLeft = Math.floor((c.notAfter! - c.now) / 86400);
  if (daysLeft <= a.renew_before_days) {
    return change(`renew certificate ${name} (expires ${day(c.notAfter!)}, in ${daysLeft} days; renew_before_days: ${a.renew_before_days})`, before, true);
  }
  if (c.server && c.server !== server) return change(`replace certificate ${name} from ${c.server} with one from ${server}`, before, true);
  return { ok: `certificate ${name} for ${wanted.join(', ')} is valid until ${day(c.notAfter!)} (${daysLeft} days)` };
}

export function certbotStep(a: CertbotArgs, domains: string[], force: boolean): Step {
  const words: string[] = ['env'];
  if (a.ca_bundle) words.push(`REQUESTS_CA_BUNDLE=${a.ca_bundle}`);
  words.push('certbot', 'certonly', '--non-interactive', '--agree-tos', '--cert-name', nameOf(a));
  if (a.authenticator === 'webroot') words.push('--webroot', '--webroot-path', a.webroot!);
  else words.push(`--${a.authenticator}`);
  for (const d of domains) words.push('-d', d);
  if (a.email) words.push('--email', a.email, '--no-eff-email');
  else words.push('--register-unsafely-without-email');
  if (a.staging) words.push('--staging');
  if (a.server) words.push('--server', a.server);
  if (force) words.push('--force-renewal');
  return { kind: 'run', command: cmd(...words) };
}

function planTimer(u: UnitState): Change | null {
  const enabled = ['enabled', 'enabled-runtime', 'static', 'alias'].includes(u.unitFileState);
  const active = u.activeState === 'active' || u.activeState === 'activating';
  if (enabled && active) return null;
  const verbs = [!enabled && 'enable', !active && 'start'].filter(Boolean).join(' and ');
  return {
    summary: `${verbs} ${TIMER} (certbot's renewal)${u.loadState === 'not-found' ? ' — not installed yet' : ''}`,
    diff: { kind: 'text', label: TIMER, before: `${u.unitFileState || u.loadState}, ${u.activeState}`, after: 'enabled, active' },
    steps: [{ kind: 'run', command: cmd('systemctl', 'enable', '--now', TIMER) }],
  };
}
