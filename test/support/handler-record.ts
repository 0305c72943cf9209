import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/**
 * The host's record of a play's notified-but-not-yet-run handlers, as root writes it (under
 * /var/lib/provision), read from the file itself; null when there is none. The path is spelled
 * out here, not imported from src/run/pending-handlers.ts, so a change there shows in the tests.
 */
export function recordOf(play: string): string | null {
  const file = `/var/lib/provision/pending-handlers/${createHash('sha256').update(play).digest('hex').slice(0, 16)}`;
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}
