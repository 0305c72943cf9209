import { execFileSync } from 'node:child_process';
import { ROOT } from './support/provision.js';

/** Tests run the real CLI: build it once before they start. */
export default function setup(): void {
  execFileSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', `${ROOT}/tsconfig.json`], { stdio: 'inherit' });
}
