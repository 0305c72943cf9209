// Resolved locations and name rules shared by all sandbox modules.
import path from 'node:path';
import { DEFAULT_RELEASE, type Release } from './release.js';

export interface SandboxOptions {
  log?: (line: string) => void;
  stateDir?: string;
  cacheDir?: string;
  /** The Debian release of hosts that up() boots (default DEFAULT_RELEASE). */
  release?: Release;
}

export interface Resolved { log: (line: string) => void; stateDir: string; cacheDir: string; release: Release }

export function resolve(opts: SandboxOptions = {}): Resolved {
  return {
    log: opts.log ?? (() => {}),
    stateDir: opts.stateDir ?? process.env.PROVISION_SANDBOX_DIR ?? '/var/lib/provision/sandbox',
    cacheDir: opts.cacheDir ?? process.env.PROVISION_CACHE_DIR ?? '/var/cache/provision',
    release: opts.release ?? DEFAULT_RELEASE,
  };
}

// Short names keep nspawn's "ve-<name>" host interface within IFNAMSIZ (15 chars).
const NAME_RE = /^[a-z0-9-]{1,11}$/;

export function validateName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new Error(`invalid sandbox host name "${name}": use 1-11 chars of [a-z0-9-]`);
  }
}

export function hostDir(r: Resolved, name: string): string {
  return path.join(r.stateDir, name);
}
