import { expect } from 'vitest';
import type { ProvisionResult } from './provision.js';

/** The lines `provision test` prints for its phases: "--- NAME: passed|FAILED (...)". */
export function phases(stdout: string): [string, string][] {
  return [...stdout.matchAll(/^--- (.+?): (passed|FAILED)/gm)].map((m) => [m[1], m[2]]);
}

/**
 * Asserts what every guide playbook's `provision test` run must show: each
 * phase ran, in order, and passed; the second converge changed nothing; every
 * verify check passed.
 */
export function expectEveryPhasePassed(r: ProvisionResult, hostName: string, o: { rebuild?: boolean } = {}): void {
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.exitCode, out).toBe(0);
  const ran = phases(r.stdout);
  expect(ran.map(([name]) => name), out).toEqual([
    `boot fresh host ${hostName}`,
    expect.stringMatching(/^check mode on the fresh host: must change nothing$/),
    'converge',
    'converge again: nothing may change',
    'verify',
    ...(o.rebuild ? [`rebuild: a fresh host ${hostName.slice(0, 9)}-r, converged once, must get the same files`] : []),
    `destroy ${hostName}`,
  ]);
  expect(ran.filter(([, s]) => s !== 'passed'), out).toEqual([]);
  expect(r.stdout).toMatch(/^--- converge again: nothing may change: passed \(0 changed\)$/m);
  expect(r.stdout).toMatch(/^--- verify: passed \(\d+ checks passed\)$/m);
  expect(r.stdout).not.toMatch(/^FAILED /m);
}
