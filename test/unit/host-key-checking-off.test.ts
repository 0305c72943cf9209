import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/ssh/endpoint.js';
import { HostKeyPolicy } from '../../src/ssh/host-key-policy.js';

/**
 * The host key policy with checking on and off (ansible.cfg host_key_checking),
 * over known_hosts files made for each case: what is accepted, what is
 * recorded, what is said. The real ssh agrees in test/oracle/host-key-checking-off.test.ts.
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-hkc-unit-'));
const keyOf = (name: string): { line: string; blob: Buffer } => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  const [type, b64] = readFileSync(join(dir, `${name}.pub`), 'utf8').split(' ');
  return { line: `${type} ${b64}`, blob: Buffer.from(b64, 'base64') };
};
const server = keyOf('server');
const other = keyOf('other');

function endpoint(knownHosts: string): Endpoint {
  const file = join(mkdtempSync(join(dir, 'kh-')), 'known_hosts');
  writeFileSync(file, knownHosts);
  return { name: 'h', address: '192.0.2.7', port: 2222, user: 'u', keyFiles: [], agent: false, identitiesOnly: false, userKnownHostsFiles: [file], globalKnownHostsFiles: [], jumps: [] };
}

const NAME = '[192.0.2.7]:2222';
const table: { case: string; knownHosts: string; checking: boolean; accepted: boolean; recorded: boolean; note?: RegExp }[] = [
  { case: 'known key, checking on: nothing to do', knownHosts: `${NAME} ${server.line}\n`, checking: true, accepted: true, recorded: false },
  { case: 'known key, checking off: nothing to say', knownHosts: `${NAME} ${server.line}\n`, checking: false, accepted: true, recorded: false },
  { case: 'unknown, checking on: refused', knownHosts: '', checking: true, accepted: false, recorded: false },
  { case: 'unknown, checking off: accepted and recorded', knownHosts: '', checking: false, accepted: true, recorded: true, note: /was unknown; accepted and recorded/ },
  { case: 'changed, checking on: refused', knownHosts: `${NAME} ${other.line}\n`, checking: true, accepted: false, recorded: false },
  { case: 'changed, checking off: accepted, not recorded', knownHosts: `${NAME} ${other.line}\n`, checking: false, accepted: true, recorded: false, note: /HOST KEY CHANGED/ },
  { case: 'revoked, checking off: refused all the same', knownHosts: `@revoked ${NAME} ${server.line}\n`, checking: false, accepted: false, recorded: false },
];

describe('HostKeyPolicy with host_key_checking on and off', () => {
  it.each(table)('$case', (c) => {
    const e = endpoint(c.knownHosts);
    const policy = new HostKeyPolicy(e, false, c.checking);
    expect(policy.verify(server.blob)).toBe(c.accepted);
    const after = readFileSync(e.userKnownHostsFiles[0], 'utf8');
    expect(after !== c.knownHosts).toBe(c.recorded);
    if (c.recorded) expect(after).toContain(`${NAME} ${server.line}`);
    expect(policy.uncheckedNotes.join('\n')).toMatch(c.note ?? /^$/);
    // A refusal is explained; an acceptance is not a refusal.
    expect(policy.refusal() === undefined).toBe(c.accepted);
  });
});
