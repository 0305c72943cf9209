import { randomBytes } from 'node:crypto';
import { NodeSSH } from 'node-ssh';
import type { SFTPWrapper } from 'ssh2';

/**
 * File transfers over the run's SFTP channel (HostConnection.sftp), with
 * node-ssh's putFiles/getFile: its queue keeps several files in flight on the
 * one channel (a tree of small files is bound by round trips, not bytes), and
 * each file goes with ssh2's fastPut/fastGet (many 32 KiB requests at once).
 * node-ssh never connects here: it is handed the channel.
 */
export const FILES_IN_FLIGHT = 8;

const nodeSsh = new NodeSSH();

/**
 * A private directory (0700) for staged files in the login user's home: the
 * login user may not write where the files go (sudo), and a secret must not be
 * readable by others on its way. The home rather than /tmp: /tmp may be a
 * small tmpfs, and a large file would fill it.
 */
export async function createStage(sftp: SFTPWrapper): Promise<string> {
  const home = await call<string>((cb) => sftp.realpath('.', cb));
  const dir = `${home === '/' ? '' : home}/.provision-stage-${randomBytes(8).toString('hex')}`;
  await call<void>((cb) => sftp.mkdir(dir, { mode: 0o700 }, cb));
  return dir;
}

/** Subdirectories of the stage, private as it is. */
export async function makeDirs(sftp: SFTPWrapper, paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => call<void>((cb) => sftp.mkdir(p, { mode: 0o700 }, cb))));
}

/** Uploads local files to `dir/name`, each created 0600. */
export async function putFiles(sftp: SFTPWrapper, dir: string, files: { local: string; name: string }[]): Promise<void> {
  await nodeSsh.putFiles(
    files.map((f) => ({ local: f.local, remote: `${dir}/${f.name}` })),
    { sftp, concurrency: FILES_IN_FLIGHT, transferOptions: { mode: 0o600 } },
  );
}

export async function getFile(sftp: SFTPWrapper, remote: string, local: string): Promise<void> {
  await nodeSsh.getFile(local, remote, sftp, {});
}

/** Removes the stage and what is left in it (a failed task's files), two levels deep as staged. Best effort: it is private and hidden. */
export async function removeStage(sftp: SFTPWrapper, dir: string): Promise<void> {
  try {
    const entries = await call<{ filename: string; attrs: { isDirectory(): boolean } }[]>((cb) => sftp.readdir(dir, cb as never));
    await Promise.all(
      entries.map(async (e) => {
        const path = `${dir}/${e.filename}`;
        if (e.attrs.isDirectory()) await removeStage(sftp, path);
        else await call<void>((cb) => sftp.unlink(path, cb)).catch(() => {});
      }),
    );
    await call<void>((cb) => sftp.rmdir(dir, cb));
  } catch {
    // Already gone, or the connection is: nothing more to do.
  }
}

function call<T>(start: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}
