import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { sameProcess, startTime } from '../../src/sandbox/process.js';

/**
 * Test hosts are machines of the whole computer (a systemd-nspawn machine, a veth named
 * ve-<machine>, a directory in the sandbox state dir): two test runs at once (two `npm test`,
 * or CI beside a developer) must not boot, reuse or destroy each other's. So each test process
 * claims a token, and a test's host `pv-engine` boots as the machine `t4kq-engine`. The test
 * still sees it as `pv-engine` (inventory name, report keys); `provision sandbox list` shows
 * the machine name.
 *
 * The machine name must pass src/sandbox/config.ts (at most 11 of [a-z0-9-], so that ve-<name>
 * fits IFNAMSIZ): a 4-character token, '-', and at most 6 characters of the test's name.
 */
const TOKEN = /^t[0-9a-z]{3}$/;
const TAG_LENGTH = 6;

/** A fresh run token: 't' and 3 base-36 characters (46,656 of them; the registry keeps live ones apart). */
export function randomRunToken(): string {
  return `t${randomInt(36 ** 3).toString(36).padStart(3, '0')}`;
}

/** The machine a test host named `name` boots as in the run `token`. */
export function machineName(token: string, name: string): string {
  if (!TOKEN.test(token)) throw new Error(`not a test run token: ${token}`);
  const tag = name.replace(/^pv-/, '').slice(0, TAG_LENGTH).replace(/-+$/, '');
  return `${token}-${tag}`;
}

/** The run a machine belongs to, if it is a test host's. */
export function runTokenOf(machine: string): string | undefined {
  const token = machine.split('-')[0];
  return TOKEN.test(token) && machine.length > token.length + 1 ? token : undefined;
}

/**
 * The test machines no live run holds: left behind by a run that was killed (its afterAll never
 * ran) or by one before a reboot. Machines not named by a run (a user's `pv-1`) are never among them.
 */
export function leftoverMachines(machines: string[], liveTokens: Set<string>): string[] {
  return machines.filter((m) => {
    const token = runTokenOf(m);
    return token !== undefined && !liveTokens.has(token);
  });
}

/**
 * The registry of runs: a file per token holding the pid and start time of the vitest process
 * that claimed it. Machine-wide under /run, as the sandbox's own lock and slots are.
 */
export const RUNS_DIR = '/run/provision-test-runs';

/**
 * Claims a token no live run holds. The file is written whole under another name, then linked
 * to the token's name (which fails if it exists): a reader never sees it half-written.
 */
export function claimRunToken(dir = RUNS_DIR, pid = process.pid): string {
  mkdirSync(dir, { recursive: true });
  const draft = join(dir, `.claim-${pid}`);
  writeFileSync(draft, JSON.stringify({ pid, start: startTime(pid) }));
  try {
    for (;;) {
      const token = randomRunToken();
      try {
        linkSync(draft, join(dir, token));
        return token;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

export function releaseRunToken(token: string, dir = RUNS_DIR): void {
  rmSync(join(dir, token), { force: true });
}

/** Tokens whose run is still going; the files of runs that are over are removed. */
export function liveRunTokens(dir = RUNS_DIR): Set<string> {
  const live = new Set<string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return live;
  }
  for (const token of names.filter((n) => TOKEN.test(n))) {
    if (runIsLive(join(dir, token))) live.add(token);
    else rmSync(join(dir, token), { force: true });
  }
  return live;
}

/** A pid alone could have been reused: its start time decides. */
function runIsLive(file: string): boolean {
  try {
    const { pid, start } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; start: number };
    return sameProcess(pid, start);
  } catch {
    return false;
  }
}
