import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startSshd, type TestSshd } from './sshd.js';

export interface TestSshdSetup {
  /** The file's sshd: usable from its first beforeAll on (it is started there). */
  sshd: TestSshd;
  /** A fresh directory for the file's projects and outputs, removed after its last test. */
  work: string;
}

/**
 * The set-up most integration test files share: a real sshd on loopback started before their
 * tests and stopped after, and a work directory (named with `workPrefix`) removed then. Call it
 * at the top of the file; `sshd` forwards to the server started in beforeAll, so the file can
 * keep it in a const.
 */
export function useTestSshd(workPrefix: string): TestSshdSetup {
  const work = mkdtempSync(join(tmpdir(), workPrefix));
  let live: TestSshd | undefined;
  beforeAll(async () => {
    live = await startSshd();
  });
  afterAll(async () => {
    await live?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  const started = (): TestSshd => {
    if (!live) throw new Error('the test sshd is used before its beforeAll started it (useTestSshd)');
    return live;
  };
  const sshd: TestSshd = {
    get dir() {
      return started().dir;
    },
    get port() {
      return started().port;
    },
    get clientKey() {
      return started().clientKey;
    },
    get knownHosts() {
      return started().knownHosts;
    },
    get hostPublicKey() {
      return started().hostPublicKey;
    },
    inventory: (extra) => started().inventory(extra),
    log: () => started().log(),
    stop: () => started().stop(),
  };
  return { sshd, work };
}
