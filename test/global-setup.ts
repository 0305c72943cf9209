import { spawnSync } from 'node:child_process';
import { ROOT } from './support/provision.js';

/**
 * Tests run the real CLI, as installed (bin/provision.cjs → dist/provision.cjs):
 * build it once before they start. A type error fails
 * the run in CI; locally tsc still emits, so one half-edited file does not stop
 * everyone else's tests.
 */
export default function setup(): void {
  const r = spawnSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', `${ROOT}/tsconfig.json`], { stdio: 'inherit' });
  if (r.status !== 0 && process.env.CI) throw new Error('tsc failed: fix the type errors above');
  const b = spawnSync(process.execPath, [`${ROOT}/scripts/bundle.mjs`], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('bundling the CLI failed (scripts/bundle.mjs)');
}
