import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { resolve } from '../../src/sandbox/config.js';
import { hostNames } from '../../src/sandbox/state.js';
import { down, inventoryYaml, RELEASE_ENV, releaseFrom, up, type SandboxHost } from '../../src/sandbox/index.js';
import { claimRunToken, leftoverMachines, liveRunTokens, machineName, releaseRunToken } from './host-names.js';

const run = promisify(execFile);

/**
 * The Debian release the host tests run on: PROVISION_TEST_RELEASE (bookworm, trixie), else
 * provision's default. `provision test` run by the tests reads the same variable.
 */
export const TEST_RELEASE = releaseFrom(process.env[RELEASE_ENV]);

/** A real Debian test host (systemd-nspawn) for one test file. */
export interface TestHost {
  host: SandboxHost;
  /** Inventory file for this host (root login; add `extra` YAML under the host, e.g. vars). */
  inventory: string;
  /** Runs a shell command inside the host without SSH (nsenter), for assertions and for drifting state. */
  sh(script: string): Promise<{ stdout: string; stderr: string; code: number }>;
  destroy(): Promise<void>;
}

/** This process's run token (host-names.ts), claimed at its first test host, released when it exits. */
let token: string | undefined;
function runToken(): string {
  if (token) return token;
  const claimed = claimRunToken();
  process.once('exit', () => releaseRunToken(claimed));
  return (token = claimed);
}

/**
 * Destroys the test machines of runs that are over (a run killed before its afterAll): they
 * would hold addresses and memory for good, since no later run boots the same name again.
 */
async function removeLeftovers(): Promise<void> {
  // Every host directory, also of a boot killed half-way (which list() leaves out).
  const leftovers = leftoverMachines(hostNames(resolve()), liveRunTokens());
  if (leftovers.length) await down(leftovers);
}

/**
 * The machine name for a host a test boots through `provision test --name`: `name` as a
 * machine of this run (machineName), so two runs at once never share it, and a killed run's
 * leftovers (their token is not live) are removed first, as bootTestHost does. A user's
 * `provision test --name X` keeps X: only tests call this.
 */
export async function testHostName(name: string): Promise<string> {
  const machine = machineName(runToken(), name);
  await removeLeftovers();
  return machine;
}

/**
 * Boots the test host `name` (e.g. pv-engine) as a machine of this run (machineName): the
 * returned host, its inventory and the reports still call it `name`.
 */
export async function bootTestHost(name: string): Promise<TestHost> {
  const machine = machineName(runToken(), name);
  await removeLeftovers();
  const [booted] = await up([machine], { release: TEST_RELEASE, log: () => {} });
  const host = { ...booted, name };
  const dir = mkdtempSync(join(tmpdir(), `provision-${name}-`));
  const inventory = join(dir, 'hosts.yaml');
  writeFileSync(inventory, inventoryYaml([host]));
  return {
    host,
    inventory,
    async sh(script) {
      try {
        const r = await run('nsenter', ['-t', String(host.machinePid), '-a', '/bin/sh', '-c', script], { maxBuffer: 64 * 1024 * 1024 });
        return { stdout: r.stdout, stderr: r.stderr, code: 0 };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; code?: number };
        return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
      }
    },
    destroy: () => down([machine]),
  };
}

/**
 * Boots `name` before the tests of the enclosing describe (or file) and destroys
 * it after them; `ready` receives the host. Later beforeAll hooks see it set.
 */
export function useTestHost(name: string, ready: (host: TestHost) => void): void {
  let host: TestHost | undefined;
  beforeAll(async () => {
    const t0 = Date.now();
    host = await bootTestHost(name);
    console.log(`host up (Debian ${TEST_RELEASE}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    ready(host);
  });
  afterAll(async () => {
    await host?.destroy();
  });
}
