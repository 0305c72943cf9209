import { createHash } from 'node:crypto';
import { fact } from '../facts.js';
import type { RunStep } from '../plan.js';
import { quote } from '../shell.js';

/**
 * Where a play's notified-but-not-yet-run handlers are kept on the host: under
 * /var/lib/provision when writing as root, else in the login user's home.
 */
export function pendingHandlers(playName: string) {
  const key = createHash('sha256').update(playName).digest('hex').slice(0, 16);
  const rootFile = `/var/lib/provision/pending-handlers/${key}`;
  const userFile = `$HOME/.provision/pending-handlers/${key}`;
  return {
    // Usually neither file exists: tested by the shell, so that costs no process.
    fact: fact<string[]>(`pending-handlers:${key}`, `for f in ${quote(rootFile)} "${userFile}"; do if [ -f "$f" ]; then cat -- "$f"; fi; done 2>/dev/null; true`, ({ stdout }) => [...new Set(stdout.split('\n').filter(Boolean))]),
    record(names: string[], asRoot: boolean): RunStep {
      const file = asRoot ? quote(rootFile) : `"${userFile}"`;
      const lines = names.map((n) => quote(n)).join(' ');
      return { kind: 'run', command: `mkdir -p "$(dirname ${file})" && printf '%s\\n' ${lines} >> ${file}`, label: 'record notified handlers' };
    },
    clear: `rm -f ${quote(rootFile)} "${userFile}"`,
  };
}
