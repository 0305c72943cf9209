import { createHash } from 'node:crypto';
import { fact } from '../facts.js';
import type { RunStep } from '../plan.js';
import { quote } from '../shell.js';

/**
 * The two files of the record: root's (under /var/lib/provision, written by
 * scripts that run as root) and the login user's (in its home, written by
 * scripts that run without sudo). A script can rewrite only the file of its
 * own privilege: under sudo, $HOME is root's.
 */
export type RecordFile = 'root' | 'user';

/** What the host's record holds, file by file: notify names and listen topics whose handlers have not run yet. */
export type HostRecord = Record<RecordFile, string[]>;

export const EMPTY_RECORD: HostRecord = { root: [], user: [] };

/**
 * Where a play's notified-but-not-yet-run handlers are kept on the host, so a
 * run that stops before its handlers leaves them to the next run.
 */
export function pendingHandlers(playName: string) {
  const key = createHash('sha256').update(playName).digest('hex').slice(0, 16);
  const paths: Record<RecordFile, string> = {
    root: quote(`/var/lib/provision/pending-handlers/${key}`),
    user: `"$HOME/.provision/pending-handlers/${key}"`,
  };
  // Each line tagged with its file; read by the shell itself (usually neither file exists: that costs no process).
  const readOne = (file: RecordFile): string => `if [ -f ${paths[file]} ]; then while IFS= read -r l || [ -n "$l" ]; do printf '${file} %s\\n' "$l"; done < ${paths[file]}; fi`;
  return {
    fact: fact<HostRecord>(`pending-handlers:${key}`, `{ ${readOne('root')}; ${readOne('user')}; } 2>/dev/null; true`, ({ stdout }) => parseRecord(stdout)),
    /** A step that leaves `file` holding exactly `names` (removed when there are none); the new content replaces the old by a rename. */
    write(file: RecordFile, names: string[]): RunStep {
      const path = paths[file];
      const command = names.length === 0 ? `rm -f -- ${path}` : `mkdir -p "$(dirname -- ${path})" && printf '%s\\n' ${names.map(quote).join(' ')} > ${path}.new && mv -f -- ${path}.new ${path}`;
      return { kind: 'run', command, label: 'record the notified handlers not yet run' };
    },
  };
}

export function parseRecord(stdout: string): HostRecord {
  const record: HostRecord = { root: [], user: [] };
  for (const line of stdout.split('\n')) {
    const m = /^(root|user) (.+)$/.exec(line);
    if (m && !record[m[1] as RecordFile].includes(m[2])) record[m[1] as RecordFile].push(m[2]);
  }
  return record;
}

/**
 * What a record file should hold after a script: what it holds and is still
 * pending, plus what the script's task notifies. Undefined when that is what
 * it holds already (the script needs no step for it).
 */
export function nextContent(holds: readonly string[], stillPending: (name: string) => boolean, adding: readonly string[]): string[] | undefined {
  const kept = holds.filter(stillPending);
  const next = [...kept, ...adding.filter((n) => !kept.includes(n))];
  const same = next.length === holds.length && next.every((n) => holds.includes(n));
  return same ? undefined : next;
}

/** The names that keep a handler pending on the host: its name, or its listen topics when it has none. */
export function recordKeys(handler: { name?: string; listen: string[] }): string[] {
  return handler.name !== undefined ? [handler.name] : handler.listen;
}

/** Handlers due, in definition order: notified by name or by a listen topic, or answered No at --step before (still notified). */
export function dueHandlers<H extends { task: { name?: string; listen: string[] } }>(handlers: readonly H[], notified: ReadonlySet<string>, declined: ReadonlySet<H>): H[] {
  return handlers.filter((h) => declined.has(h) || (h.task.name !== undefined && notified.has(h.task.name)) || h.task.listen.some((l) => notified.has(l)));
}
