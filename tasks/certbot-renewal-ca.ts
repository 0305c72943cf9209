import { fact } from '../src/facts.js';
import type { Change, Step } from '../src/plan.js';
import { cmd, quote } from '../src/shell.js';

/**
 * The CA bundle certbot trusts for a private ACME CA, kept for certbot.timer's renewals.
 *
 * certbot passes REQUESTS_CA_BUNDLE to python-requests at issuance, but it does not
 * record it in /etc/letsencrypt/renewal/NAME.conf: the renewal configuration only holds
 * options that are command-line flags, and certbot has no flag for a CA bundle. So
 * `certbot renew`, run by certbot.service from certbot.timer, would verify the private CA
 * against the system's public roots and fail. The environment of certbot.service is the
 * one place that reaches every renewal certbot.timer runs: a systemd drop-in sets it.
 * (Adding the private CA to the system's trust store would also work, but would make
 * every program on the host trust it: more privilege than certbot needs.)
 */
export const DROPIN_DIR = '/etc/systemd/system/certbot.service.d';
export const DROPIN = `${DROPIN_DIR}/provision-ca-bundle.conf`;
const RENEWAL_DIR = '/etc/letsencrypt/renewal';
/** Ends the drop-in's text in the fact's output (a line no unit file has). */
const END = 'end-of-provision-dropin';

export interface RenewalTrust {
  /** The drop-in's text, when there is one. */
  dropin?: string;
  /** Certificate names that certbot renews: /etc/letsencrypt/renewal/NAME.conf. */
  lineages: string[];
}

/** A value in systemd's double quotes: `\` and `"` escaped, `%` doubled (else a specifier). */
function systemdQuoted(v: string): string {
  return `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%')}"`;
}

export function renderDropin(caBundle: string): string {
  return [
    '# Managed by provision (certbot task): certbot.timer renews against a CA with a private certificate,',
    '# which certbot trusts only through REQUESTS_CA_BUNDLE; the renewal configuration cannot hold it.',
    '[Service]',
    `Environment=${systemdQuoted(`REQUESTS_CA_BUNDLE=${caBundle}`)}`,
    '',
  ].join('\n');
}

/** The bundle a drop-in names, for messages: the text after REQUESTS_CA_BUNDLE=, unquoted. */
export function bundleOf(dropin: string): string {
  const m = /^Environment="REQUESTS_CA_BUNDLE=((?:[^"\\]|\\.)*)"\s*$/m.exec(dropin);
  return m ? m[1].replace(/\\(.)/g, '$1').replaceAll('%%', '%') : '(an environment set in ' + DROPIN + ')';
}

export function renewalTrustFact() {
  const script = [
    `if [ -f ${quote(DROPIN)} ]; then echo dropin; cat ${quote(DROPIN)}; printf '\\n%s\\n' ${END}; fi`,
    `for pv_f in ${quote(RENEWAL_DIR)}/*.conf; do if [ -f "$pv_f" ]; then pv_f=\${pv_f##*/}; printf 'lineage=%s\\n' "\${pv_f%.conf}"; fi; done`,
  ].join('\n');
  return fact('certbot-renewal-trust', script, ({ stdout }) => parseRenewalTrust(stdout));
}

export function parseRenewalTrust(stdout: string): RenewalTrust {
  const start = stdout.startsWith('dropin\n') ? 'dropin\n'.length : -1;
  // The file's text sits between "dropin\n" and "\n" + END + "\n", byte for byte.
  const end = start < 0 ? -1 : stdout.lastIndexOf(`\n${END}\n`);
  const dropin = end >= start && start >= 0 ? stdout.slice(start, end) : undefined;
  const rest = dropin === undefined ? stdout : stdout.slice(end + END.length + 2);
  const lineages = rest
    .split('\n')
    .filter((l) => l.startsWith('lineage='))
    .map((l) => l.slice('lineage='.length));
  return { ...(dropin !== undefined ? { dropin } : {}), lineages };
}

/**
 * The drop-in for certificate `name` with `caBundle` (none: no drop-in). certbot renews
 * every certificate of the host with the one environment of certbot.service: where
 * another certificate would renew with a changed CA bundle, provision stops rather than
 * break that certificate's renewal without a word.
 */
export function planRenewalTrust(name: string, caBundle: string | undefined, have: RenewalTrust): Change | null {
  const want = caBundle === undefined ? undefined : renderDropin(caBundle);
  if (have.dropin === want) return null;
  const others = have.lineages.filter((l) => l !== name);
  if (others.length) {
    const now = have.dropin === undefined ? "the system's CA certificates" : `REQUESTS_CA_BUNDLE=${bundleOf(have.dropin)}`;
    const next = caBundle === undefined ? "the system's CA certificates" : `REQUESTS_CA_BUNDLE=${caBundle}`;
    throw new Error(
      `certbot.timer renews every certificate on this host with one CA bundle; it now trusts ${now} (${DROPIN}), ` +
        `which the certificate(s) ${others.join(', ')} renew with. Certificate ${name} asks for ${next}. ` +
        'Give every certbot task on this host the same ca_bundle: one file holding the certificates of every CA they use.',
    );
  }
  const reload: Step = { kind: 'run', command: cmd('systemctl', 'daemon-reload') };
  if (want === undefined) {
    return {
      summary: `remove ${DROPIN} (certificate ${name} renews with the system's CA certificates), daemon-reload`,
      diff: { kind: 'file', path: DROPIN, before: have.dropin ?? null, after: null },
      steps: [{ kind: 'run', command: cmd('rm', '-f', '--', DROPIN) }, reload],
    };
  }
  return {
    summary: `${have.dropin === undefined ? 'create' : 'update'} ${DROPIN} (certbot.timer's renewals trust ${caBundle}), daemon-reload`,
    diff: { kind: 'file', path: DROPIN, before: have.dropin ?? null, after: want },
    steps: [{ kind: 'run', command: cmd('mkdir', '-p', '--', DROPIN_DIR) }, { kind: 'write', path: DROPIN, content: want, mode: '0644', owner: 'root', group: 'root' }, reload],
  };
}
