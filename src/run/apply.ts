import { randomBytes } from 'node:crypto';
import type { CompiledTask } from '../compile.js';
import { renderDiff } from '../diff.js';
import { CommandError } from '../errors.js';
import type { Change } from '../plan.js';
import { describeStep, FAILED_STEP_MARKER, stepsScript, wrapScript } from '../remote-script.js';
import { quote } from '../shell.js';
import type { HostConnection } from '../ssh/connection.js';
import { withTransfers } from '../transfers.js';

/** What carrying out a plan did: the steps' own output (a command's stdout and stderr, for `register`), and the error if a step failed. */
export interface Applied {
  rc: number;
  stdout: string;
  stderr: string;
  /** Output of the fact batch run after the steps in the same round trip. */
  followUpStdout: string;
  error?: CommandError;
  /** Which step failed (its index in the steps of all changes), when the script said so. */
  failedStep?: number;
}

/**
 * Runs a task's steps in one script, then `followUp` (a fact batch) in the same
 * round trip. A failing step is not thrown: the caller decides with
 * `failed_when`/`ignore_errors`; only a lost connection throws.
 */
export async function apply(conn: HostConnection, task: CompiledTask, changes: Change[], followUp?: string): Promise<Applied> {
  const steps = changes.flatMap((c) => c.steps);
  if (steps.length === 0 && !followUp) return { rc: 0, stdout: '', stderr: '', followUpStdout: '' };
  // A random line between the steps' output and the facts': it also puts the facts' markers at the start of a line.
  const split = `PROVISION_STEPS_END_${randomBytes(6).toString('hex')}`;
  const r = await withTransfers(conn, steps, task.become, (staging) => conn.runScript(stepsScript(steps, staging) + (followUp ? `printf '\\n%s\\n' ${split}\n${followUp}` : ''), task.become));
  const at = r.stdout.indexOf(`\n${split}\n`);
  const stdout = at >= 0 ? r.stdout.slice(0, at) : r.stdout;
  const followUpStdout = at >= 0 ? r.stdout.slice(at + split.length + 2) : '';
  if (r.exitCode === 0) return { rc: 0, stdout, stderr: r.stderr, followUpStdout };
  // No exit status: the remote side vanished. If the connection is gone too,
  // say so (the host is unreachable), rather than "exited by signal".
  if (r.exitCode === null) await conn.exec('true');
  const marker = new RegExp(`\\n?${FAILED_STEP_MARKER} (\\d+) (\\d+)\\n?`);
  const m = marker.exec(r.stderr);
  const step = m ? steps[Number(m[1])] : undefined;
  const stderr = r.stderr.replace(marker, '');
  const rc = m ? Number(m[2]) : (r.exitCode ?? 255);
  return { rc, stdout, stderr, followUpStdout, error: new CommandError(conn.name, task.name, step ? describeStep(step) : 'sh -s', rc, stderr), ...(m ? { failedStep: Number(m[1]) } : {}) };
}

/** Diffs for a plan; old file contents are fetched only here, only for files that change. */
export async function renderDiffs(conn: HostConnection, changes: Change[], become: boolean): Promise<string | undefined> {
  const needed = changes.map((c) => c.diff).filter((d): d is Extract<Change['diff'], { kind: 'file' }> => d?.kind === 'file' && d.before === undefined);
  if (needed.length) {
    const old = await readFiles(conn, [...new Set(needed.map((d) => d.path))], become);
    for (const d of needed) d.before = old.get(d.path) ?? null;
  }
  const texts = changes.map((c) => (c.diff ? renderDiff(c.diff) : '')).filter(Boolean);
  return texts.length ? texts.join('\n') : undefined;
}

async function readFiles(conn: HostConnection, paths: string[], become: boolean): Promise<Map<string, string | null>> {
  const marker = `PROVISION_FILE_${randomBytes(6).toString('hex')}`;
  const body = paths
    .map((p, i) => `printf '${marker} ${i}\\n'; if [ -f ${quote(p)} ]; then base64 < ${quote(p)}; else printf 'ABSENT\\n'; fi`)
    .join('\n');
  const r = await conn.runScript(wrapScript(body), become);
  const out = new Map<string, string | null>();
  const chunks = r.stdout.split(new RegExp(`^${marker} `, 'm')).slice(1);
  for (const chunk of chunks) {
    const nl = chunk.indexOf('\n');
    const i = Number(chunk.slice(0, nl));
    const data = chunk.slice(nl + 1).trim();
    out.set(paths[i], data === 'ABSENT' ? null : Buffer.from(data, 'base64').toString('utf8'));
  }
  return out;
}

