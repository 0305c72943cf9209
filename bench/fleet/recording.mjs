// A recording of one host's SSH exchanges: what each exec asked (command line and stdin) and what
// the host answered (stdout, stderr, exit status). Recorded once per playbook from a real
// converged host (record.mjs), replayed by every simulated host (simulator.mjs). Pure functions
// over plain data; the file is JSON.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

/**
 * Text of a no-op run that differs from run to run, and how it is normalised:
 * - the run lock's command names the controller (host name, pid, start time); the lock is
 *   answered by behaviour, not by a recorded output (see simulator.mjs), so its owner is dropped;
 * - the fact script separates its jobs' outputs with a marker drawn at random per run
 *   (PROVISION_FACT_ + 12 hex digits): it is replaced by a placeholder in the key and in the
 *   recorded output, and the replay puts the asking run's marker back.
 * Every other text, the fact script included, is the same for every host whose variables are equal.
 */
export const isRunLock = (command) => /^flock -n -E \d+ /.test(command);
const MARKER = /PROVISION_FACT_[0-9a-f]{12}/g;
const PLACEHOLDER = 'PROVISION_FACT_@MARKER@';

/** The match key of an exec (command line and stdin, normalised) and the run's marker, if any. */
export function exchangeKey(command, stdin) {
  const normal = isRunLock(command) ? command.replace(/printf '%s\\n' .*? >/, "printf '%s\\n' OWNER >") : command;
  const marker = stdin.match(MARKER)?.[0];
  const key = createHash('sha256').update(normal).update('\0').update(marker ? stdin.replaceAll(marker, PLACEHOLDER) : stdin).digest('hex');
  return { key, marker };
}

/** A recorded answer with its run's marker replaced by the asking run's. */
export function replayAnswer(answer, marker) {
  if (!marker) return answer;
  return { ...answer, stdout: answer.stdout.replaceAll(PLACEHOLDER, marker), stderr: answer.stderr.replaceAll(PLACEHOLDER, marker) };
}

/** @typedef {{ command: string, stdin: string, stdout: string, stderr: string, exitCode: number | null }} Exchange */
/** @typedef {{ playbook: string, recordedAt: string, host: string, vars: Record<string, unknown>, exchanges: Exchange[] }} Recording */

/** key → answer; two exchanges with one key must have had the same answer, or replay would be a guess. */
export function answerTable(recording) {
  const table = new Map();
  for (const x of recording.exchanges) {
    const { key, marker } = exchangeKey(x.command, x.stdin);
    const generic = (text) => (marker ? text.replaceAll(marker, PLACEHOLDER) : text);
    const answer = { stdout: generic(x.stdout), stderr: generic(x.stderr), exitCode: x.exitCode };
    const seen = table.get(key);
    if (seen && JSON.stringify(seen) !== JSON.stringify(answer)) throw new Error(`recording: the command ${JSON.stringify(x.command)} was answered two ways; the simulator cannot choose`);
    table.set(key, answer);
  }
  return table;
}

export const readRecording = (file) => /** @type {Recording} */ (JSON.parse(fs.readFileSync(file, 'utf8')));
export const writeRecording = (file, recording) => fs.writeFileSync(file, JSON.stringify(recording) + '\n', { mode: 0o600 });
