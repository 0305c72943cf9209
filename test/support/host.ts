import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { down, inventoryYaml, RELEASE_ENV, releaseFrom, up, type SandboxHost } from '../../src/sandbox/index.js';

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

export async function bootTestHost(name: string): Promise<TestHost> {
  const [host] = await up([name], { release: TEST_RELEASE, log: () => {} });
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
    destroy: () => down([name]),
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
