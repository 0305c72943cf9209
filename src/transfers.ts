import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProvisionError } from './errors.js';
import type { DownloadStep, Step, UploadStep } from './plan.js';
import { stagedName, stagedUpload, type Staging } from './remote-script.js';
import type { ExecResult, HostConnection } from './ssh/connection.js';
import { createStage, getFile, makeDirs, putFiles, removeStage } from './ssh/sftp.js';

/**
 * Runs a task's script with its file transfers around it: uploads are staged
 * over SFTP before the script (which moves them into place), downloads are
 * fetched after it. Steps without transfers cost nothing more. The stage is
 * removed however the task ends.
 */
export async function withTransfers(conn: HostConnection, steps: Step[], become: boolean, run: (staging?: Staging) => Promise<ExecResult>): Promise<ExecResult> {
  const uploads = steps.flatMap((s, i) => (s.kind === 'upload' ? [{ step: s as UploadStep, i }] : []));
  const downloads = steps.flatMap((s, i) => (s.kind === 'download' ? [{ step: s as DownloadStep, i }] : []));
  if (!uploads.length && !downloads.length) return run();
  // Under sudo the script is root and SFTP is the login user (runScript: no sudo when logged in as root).
  const asOtherUser = become && conn.endpoint.user !== 'root';
  const sftp = await conn.sftp();
  const stage = uploads.length || (downloads.length && asOtherUser) ? await createStage(sftp) : undefined;
  try {
    if (uploads.length) {
      const staged = uploads.map(({ step }) => ({ local: step.local, ...stagedUpload(step.path) }));
      await makeDirs(sftp, [...new Set(staged.map((s) => `${stage}/${s.dir}`))]);
      await putFiles(sftp, stage!, staged.map((s) => ({ local: s.local, name: `${s.dir}/${s.name}` })));
    }
    const r = await run(stage ? { dir: stage, loginUser: asOtherUser ? conn.endpoint.user : undefined } : undefined);
    if (r.exitCode !== 0) return r;
    for (const { step, i } of downloads) await download(sftp, asOtherUser ? `${stage}/${stagedName(i, 'download')}` : step.path, step);
    return r;
  } finally {
    if (stage) await removeStage(sftp, stage);
  }
}

/** Into a temporary file beside the target, checked against the planned hash, renamed over the target. */
async function download(sftp: Awaited<ReturnType<HostConnection['sftp']>>, remote: string, step: DownloadStep): Promise<void> {
  mkdirSync(dirname(step.local), { recursive: true });
  const temp = join(dirname(step.local), `.provision-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await getFile(sftp, remote, temp);
    const got = await sha256OfFile(temp);
    if (got !== step.sha256) throw new ProvisionError(`${step.path} changed on the host during the transfer (its hash is not what was planned); ${step.local} was left as it was`);
    renameSync(temp, step.local);
  } finally {
    rmSync(temp, { force: true });
  }
}

export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
