// systemd_env_quote against systemd itself (Debian 12, systemd 252): every troublesome value
// is written through the helper into an EnvironmentFile=, a transient service started with
// it prints its environment, and each variable must hold exactly the value.
import { beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/template.js';
import { useTestHost, type TestHost } from '../support/host.js';
import { LINE_BREAK_VALUES, TROUBLESOME_VALUES } from '../oracle/troublesome-values.js';

const isRoot = process.getuid?.() === 0;
const VALUES = Object.entries({ ...TROUBLESOME_VALUES, ...LINE_BREAK_VALUES });

describe.skipIf(!isRoot)('systemd_env_quote read by systemd (EnvironmentFile=)', () => {
  let host: TestHost;
  useTestHost('pv-enc', (h) => (host = h));
  const environment = new Map<string, string>();

  beforeAll(async () => {
    const file = VALUES.map(([, v], i) => renderTemplate(`V${i}={{ systemd_env_quote v }}\n`, { v })).join('');
    const r = await host.sh(
      `echo ${Buffer.from(file).toString('base64')} | base64 -d > /root/enc.env && ` +
        'systemd-run --wait -q -p EnvironmentFile=/root/enc.env -p StandardOutput=file:/root/enc.out /usr/bin/env -0 && base64 -w0 /root/enc.out',
    );
    expect(r.stderr).toBe('');
    for (const entry of Buffer.from(r.stdout, 'base64').toString().split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) environment.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  });

  it.each(VALUES.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
    expect(environment.get(`V${i}`)).toBe(value);
  });
});
