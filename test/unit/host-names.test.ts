import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateName } from '../../src/sandbox/config.js';
import { claimRunToken, leftoverMachines, liveRunTokens, machineName, randomRunToken, releaseRunToken, runTokenOf } from '../support/host-names.js';
import { ROOT } from '../support/provision.js';

/** The host tests' files, and the end-to-end test's, as text. */
function hostTestText(): string {
  const dir = join(ROOT, 'test', 'hosts');
  return [...readdirSync(dir).map((f) => join(dir, f)), join(ROOT, 'test', 'sandbox.e2e.test.ts')].map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** The names the host tests boot (useTestHost('pv-x'), bootTestHost('pv-x'), testHostName('pv-x') for `provision test --name`, const NAME = 'pv-x'), read from their files. */
function testHostNames(): string[] {
  return [...hostTestText().matchAll(/(?:useTestHost|bootTestHost|testHostName)\('([a-z0-9-]+)'|const NAME = '([a-z0-9-]+)'/g)].map((m) => m[1] ?? m[2]);
}

describe('test host machine names: unique per run, within the sandbox limits', () => {
  const names = testHostNames();

  it('the host tests name hosts (the list below is not empty)', () => {
    expect(names.length).toBeGreaterThan(5);
  });

  it.each([
    ['pv-engine', 't4kq', 't4kq-engine'],
    ['pv-connvars', 't4kq', 't4kq-connva'],
    ['pv-iob-acme', 't000', 't000-iob-ac'],
    ['pv-acme-', 'tzzz', 'tzzz-acme'],
    ['plain', 't123', 't123-plain'],
  ])('%s in run %s boots as %s', (name, token, machine) => {
    expect(machineName(token, name)).toBe(machine);
  });

  it('every host test\'s name gives a machine name the sandbox accepts (ve-<name> within IFNAMSIZ)', () => {
    for (const token of ['t000', 'tzzz', randomRunToken()]) {
      for (const name of names) expect(() => validateName(machineName(token, name)), name).not.toThrow();
    }
  });

  it('`provision test --name` in the tests names a machine of the run (testHostName), never a fixed name', () => {
    const fixed = [...hostTestText().matchAll(/'--name', '([^']*)'/g)].map((m) => m[1]);
    expect(fixed).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['pv-hello', 'pv-chat', 'pv-rock', 'pv-rockr', 'pv-pa', 'pv-iob-acme']));
  });

  it('no two host tests share a machine name in one run', () => {
    const machines = names.map((n) => machineName('t000', n));
    expect(new Set(machines).size).toBe(new Set(names).size);
  });

  it('two runs boot the same test host as different machines', () => {
    expect(machineName('t001', 'pv-engine')).not.toBe(machineName('t002', 'pv-engine'));
  });

  it.each([
    ['t4kq-engine', 't4kq'],
    ['pv-engine', undefined],
    ['pv-1', undefined],
    ['t4kq', undefined],
    ['tABC-x', undefined],
  ])('the run of %s: %s', (machine, token) => {
    expect(runTokenOf(machine)).toBe(token);
  });

  it.each([
    { name: 'nothing to do: no machines', machines: [], live: [], leftovers: [] },
    { name: 'a live run\'s machines stay', machines: ['t001-engine', 't001-flow'], live: ['t001'], leftovers: [] },
    { name: 'a dead run\'s machines go, a user\'s hosts stay', machines: ['t001-engine', 't002-flow', 'pv-1', 'web'], live: ['t001'], leftovers: ['t002-flow'] },
  ])('leftovers: $name', ({ machines, live, leftovers }) => {
    expect(leftoverMachines(machines, new Set(live))).toEqual(leftovers);
  });
});

describe('the registry of runs', () => {
  it('a claimed token is live while its process lives; released, it is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-runs-'));
    const a = claimRunToken(dir);
    const b = claimRunToken(dir);
    expect(a).not.toBe(b);
    expect(liveRunTokens(dir)).toEqual(new Set([a, b]));
    releaseRunToken(a, dir);
    expect(liveRunTokens(dir)).toEqual(new Set([b]));
  });

  it('the token of a process that has exited is not live, and its file is removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-runs-'));
    const gone = spawnSync('true').pid!;
    const token = claimRunToken(dir, gone);
    expect(liveRunTokens(dir)).toEqual(new Set());
    expect(existsSync(join(dir, token))).toBe(false);
  });

  it('a half-written or foreign file is not a live run; other names are ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-runs-'));
    writeFileSync(join(dir, 't00a'), '');
    writeFileSync(join(dir, 'README'), 'x');
    expect(liveRunTokens(dir)).toEqual(new Set());
    expect(readdirSync(dir)).toEqual(['README']);
  });
});
