import type { Client } from 'ssh2';
import { quote } from '../shell.js';

/**
 * A lock on the host held for the length of a run, so two runs never apply
 * changes to one host at once. flock(1) holds it while `cat` waits on the
 * channel's stdin: closing the channel releases it, and so does a dropped
 * connection (sshd closes the channel), so a crashed run never leaves it stuck.
 */
export const LOCK_FILE = '/run/lock/provision.lock';
const BUSY = 75;

export class HostBusyError extends Error {}

export interface RunLock {
  release(): void;
}

/** `lockFile`: the host variable provision_lock_file, for machines reached under several names (tests on loopback). */
export function acquireRunLock(client: Client, owner: string, lockFile = LOCK_FILE): Promise<RunLock> {
  const ownerFile = quote(`${lockFile}.owner`);
  const command = [
    `flock -n -E ${BUSY} ${quote(lockFile)} sh -c`,
    quote(`printf '%s\\n' ${quote(owner)} > ${ownerFile} 2>/dev/null; echo LOCKED; exec cat >/dev/null`),
    `|| { rc=$?; [ $rc -eq ${BUSY} ] && cat ${ownerFile} 2>/dev/null; exit $rc; }`,
  ].join(' ');
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      let out = '';
      let locked = false;
      channel.on('data', (d: Buffer) => {
        out += d.toString();
        if (!locked && out.includes('LOCKED\n')) {
          locked = true;
          resolve({ release: () => channel.end() });
        }
      });
      channel.stderr.on('data', () => {});
      channel.on('close', (code: number | null) => {
        if (locked) return;
        if (code === BUSY) reject(new HostBusyError(`another provision run is applying changes to this host (${out.trim() || 'owner unknown'}); wait for it to finish`));
        else reject(new Error(`could not take the run lock ${lockFile} (exit ${code}): is flock (util-linux) installed?`));
      });
    });
  });
}
