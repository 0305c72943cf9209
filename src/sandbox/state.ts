// state.json per host: the only record of what up() created, so list() and down()
// work from a fresh process (the CLI) long after up() returned.
import fs from 'node:fs';
import path from 'node:path';
import { hostDir, type Resolved } from './config.js';
import type { Release } from './release.js';

export interface HostState {
  name: string;
  /** The Debian release the host runs (absent in records written before trixie: bookworm). */
  release?: Release;
  index: number;        // slot in 10.213.0.0/16, one /30 each
  address: string;      // container side (host0)
  gateway: string;      // machine side (ve-<name>)
  hostIf: string;       // machine-side veth name
  nspawnPid: number;
  nspawnStart: number;  // process start times, see process.ts startTime()
  machinePid: number;
  machineStart: number;
  rootDir: string;
  privateKeyPath: string;
  knownHostsPath: string;
  createdAt: string;
}

export function statePath(r: Resolved, name: string): string {
  return path.join(hostDir(r, name), 'state.json');
}

export function readState(r: Resolved, name: string): HostState | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePath(r, name), 'utf8')) as HostState;
  } catch {
    return undefined;
  }
}

export function writeState(r: Resolved, s: HostState): void {
  const file = statePath(r, s.name);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

// Host folders present, with or without a complete state.json (half-made hosts
// still need to be found by down()).
export function hostNames(r: Resolved): string[] {
  if (!fs.existsSync(r.stateDir)) return [];
  return fs.readdirSync(r.stateDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name).sort();
}

// Serialises slot allocation and NAT setup/teardown between concurrent runs (mkdir is
// atomic). Machine-wide under /run because addresses and NAT are machine-wide too.
const LOCK = '/run/provision-sandbox.lock';

export async function withLock<T>(r: Resolved, fn: () => Promise<T> | T): Promise<T> {
  fs.mkdirSync(r.stateDir, { recursive: true });
  const lock = LOCK;
  for (let i = 0; ; i++) {
    try { fs.mkdirSync(lock); break; } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than 30 s belongs to a crashed run.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30_000) fs.rmSync(lock, { recursive: true, force: true });
      if (i > 600) throw new Error(`sandbox lock ${lock} held too long`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  try { return await fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}
