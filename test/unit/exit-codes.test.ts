import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors, ProvisionError } from '../../src/errors.js';
import { formatError } from '../../src/exit-codes.js';

/** "No host was touched" belongs to commands that were about to run a playbook on hosts, and to no other. */
describe('formatError: the "no host was touched" suffix', () => {
  const one = new ConfigError('expected a mapping', { file: 'hosts.yaml', line: 3 }, 'hosts');
  const two = new ConfigErrors([one, new ConfigError('unknown key', { file: 'site.yaml', line: 2 }, 'tasks[0]')]);
  const cases: { name: string; err: unknown; runsPlaybook: boolean; expected: string }[] = [
    { name: 'one bad input, a run', err: one, runsPlaybook: true, expected: 'hosts.yaml:3: hosts: expected a mapping\nNo host was touched.' },
    { name: 'one bad input, inventory/vault', err: one, runsPlaybook: false, expected: 'hosts.yaml:3: hosts: expected a mapping' },
    { name: 'several, a run', err: two, runsPlaybook: true, expected: `${two.message}\n2 problems found; no host was touched.` },
    { name: 'several, inventory/vault', err: two, runsPlaybook: false, expected: `${two.message}\n2 problems found.` },
    { name: 'nothing to add: not bad input', err: new ProvisionError('host key changed'), runsPlaybook: true, expected: 'host key changed' },
  ];
  it.each(cases)('$name', ({ err, runsPlaybook, expected }) => {
    expect(formatError(err, runsPlaybook)).toBe(expected);
  });
  it('without saying, a command runs no playbook', () => {
    expect(formatError(one)).not.toMatch(/touched/i);
  });
});
