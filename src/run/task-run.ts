import type { CompiledTask, TaskNode } from '../compile.js';
import { ConnectError, ProvisionError } from '../errors.js';
import { isUnknown, UNKNOWN, type Unknown } from '../expr/index.js';
import type { Plan } from '../plan.js';
import { redact } from '../secret.js';
import type { ControlOutcome } from '../task-type.js';
import { apply, renderDiffs, type Applied } from './apply.js';
import { judgeResult, type Judged } from './judge.js';
import { planOnce } from './plan-once.js';
import type { RunEvent, TaskResult } from './events.js';
import { copyVars } from '../vars/levels.js';
import type { PlayRun } from './play-run.js';

/** What one execution (one loop item) did: its result line and what `register` keeps. */
export interface Outcome {
  result: TaskResult;
  registered: Record<string, unknown> | Unknown;
  /** The task really changed (or in check mode would): its notify fires. */
  notifies: boolean;
  flushHandlers?: boolean;
  /** set_fact: variables the host has from now on (PlayRun keeps them with its registered results; takes them back when the task failed). */
  facts?: Record<string, unknown>;
}

const HEARTBEAT_MS = Number(process.env.PROVISION_HEARTBEAT_MS) || 10_000;

/**
 * One execution of a task on the host, in a straight line: decided skips
 * first, then host-less tasks (debug, assert...), then facts -> pure plan ->
 * apply (or only show, when simulated) -> the result `changed_when` and
 * `failed_when` judge. `remaining`: the tasks after this one, asked for only
 * when facts are to be read ahead or a change followed up.
 */
export async function runExecution(play: PlayRun, node: TaskNode, task: CompiledTask, handler: boolean, remaining: () => CompiledTask[]): Promise<Outcome> {
  const { conn, options } = play.host;
  const t = node.task;
  const started = Date.now();
  const simulated = t.checkMode ?? options.check;
  // Field by field, not by spreading: one result per task execution (22,000 at 1,000 hosts), where
  // each spread was an object made and copied. Same keys, same order as the results always had.
  const done = (status: TaskResult['status'], message: string, extra?: Partial<TaskResult>): TaskResult => {
    const r = { host: conn.name, play: play.play.name, task: task.name, type: task.type.name, handler, simulated, where: task.where } as TaskResult;
    if (task.label !== undefined) r.item = task.label;
    r.status = status;
    r.changed = status === 'changed';
    r.message = t.noLog && status !== 'skipped' ? 'output hidden by no_log' : message;
    if (status !== 'skipped' && task.type.files) r.files = task.type.files(task.args);
    if (extra) Object.assign(r, extra);
    if (t.noLog) {
      r.diff = undefined;
      r.stdout = undefined;
      r.stderr = undefined;
    }
    r.durationMs = Date.now() - started;
    return r;
  };
  if (task.skipReason) return { result: done('skipped', task.skipReason), registered: { changed: false, failed: false, skipped: true, skip_reason: task.skipReason }, notifies: false };
  if (task.unknown) {
    // A set_fact whose values (or `when:`) check mode cannot know: what it sets is unknown too, never left as it was.
    const names = task.type.defines?.(t.args) ?? [];
    const facts = names.length ? Object.fromEntries(names.map((n) => [n, UNKNOWN])) : undefined;
    return { result: done('skipped', `unknown in check mode: ${task.unknown}`, { unknown: true }), registered: UNKNOWN, notifies: false, ...(facts ? { facts } : {}) };
  }

  if (task.type.control) return runControl(play, node, task, done, simulated);

  try {
    // Read what this task needs, together with what the tasks after it need: in a
    // run where nothing changes, the whole play costs one round trip for facts.
    // Handlers that are due or may become due read ahead too: a handler then costs its change only.
    // Built only when needed (facts to read, or a change to follow up): most executions find their facts read.
    let aheadList: CompiledTask[] | undefined;
    const ahead = (): CompiledTask[] => (aheadList ??= [...remaining(), ...play.handlersAhead(node, task, handler)]);
    await play.facts.ensure(task, () => [task, ...ahead()]);
    const wanted = play.facts.factsOf(task);
    const read = play.facts.values(wanted, task.become);
    const values = task.type.localFacts ? { ...read, ...task.type.localFacts(task.args, play.planContext) } : read;
    await play.host.prepared.get(task);
    const plan: Plan = planOnce(task, values, play.planContext);
    if (!t.noLog) {
      const event: Extract<RunEvent, { type: 'task-plan' }> = { type: 'task-plan', host: conn.name, task: task.name, handler, facts: values, plan };
      if (task.label !== undefined) event.item = task.label;
      play.host.emit(event);
    }
    if (plan.changes.length === 0) {
      const msg = plan.ok ?? 'nothing to do';
      const registered = { changed: false, failed: false, msg, ...(task.type.resultFields ? quietOutput() : {}), ...(simulated ? plan.okResult?.check : plan.okResult?.run) };
      if (!t.changedWhen && !t.failedWhen) return { result: done('ok', msg), registered, notifies: false };
      // Ansible judges a result with nothing done too (`changed_when: true` on a command skipped by `creates:` is a change).
      return judge(play, node, task, done, registered, { summary: msg, simulated, withoutScript: true });
    }
    const summary = plan.changes.map((c) => c.summary).join('; ');
    const diff = options.diff ? await renderDiffs(conn, plan.changes, task.become) : undefined;
    if (simulated) {
      // Planned, not carried out: the result knows the plan, not what the commands would print.
      // A command that did not run: whether it would fail is unknown too.
      const registered = { changed: true, failed: task.type.resultFields ? UNKNOWN : false, msg: `would ${summary}`, ...(task.type.resultFields ? unknownOutput() : {}) };
      return judge(play, node, task, done, registered, { summary: `would ${summary}`, diff, simulated: true });
    }
    await play.host.lockReady;
    // The host's record of pending handlers is kept in the same script: no round trip of its own.
    const record = play.recordFor(node, task, handler);
    const alive = setInterval(() => play.host.emit({ type: 'task-alive', host: conn.name, task: task.name, elapsedMs: Date.now() - started }), HEARTBEAT_MS);
    // What we read may be stale after a change: the same script re-reads the
    // facts of the tasks that follow, so a change costs one round trip, not two.
    const followUp = play.facts.followUp(ahead(), task.become);
    let applied: Applied;
    try {
      const bookkeeping = (steps: Plan['changes'][number]['steps']) => (steps.length ? [{ summary: '', steps }] : []);
      applied = await apply(conn, task, [...bookkeeping(record?.before ?? []), ...plan.changes, ...bookkeeping(record?.after ?? [])], followUp?.batch.script);
    } finally {
      clearInterval(alive);
      play.facts.invalidate();
    }
    record?.settle(applied);
    if (followUp && !applied.error) play.facts.store(followUp, applied.followUpStdout);
    const registered = {
      changed: true,
      failed: applied.error !== undefined,
      msg: applied.error ? applied.error.message : summary,
      ...(task.type.resultFields ? output(applied) : {}),
    };
    const outcome = await judge(play, node, task, done, registered, { summary, diff, simulated: false, error: applied.error?.message });
    return outcome;
  } catch (err) {
    if (err instanceof ConnectError) throw err;
    const message = err instanceof ProvisionError ? err.message : redact(err instanceof Error ? err.message : String(err));
    return failed(done, t, message, { changed: false, failed: true, msg: message });
  }
}

type Done = (status: TaskResult['status'], message: string, extra?: Partial<TaskResult>) => TaskResult;

/** `changed_when` and `failed_when` over the result (available under the `register` name), then the verdict. */
async function judge(
  play: PlayRun,
  node: TaskNode,
  task: CompiledTask,
  done: Done,
  result: Record<string, unknown>,
  r: { summary: string; diff?: string; simulated: boolean; error?: string; withoutScript?: boolean },
): Promise<Outcome> {
  const t = node.task;
  let judged: Judged;
  try {
    judged = judgeTask(t, result, task.scope ?? play.scopeFor(node));
  } catch (err) {
    return failed(done, t, (err as Error).message, { ...result, failed: true });
  }
  const { registered, changed } = judged;
  const notes: string[] = [];
  let isFailed = judged.failed;
  if (isUnknown(isFailed)) {
    if (t.failedWhen) notes.push('whether it fails is unknown in check mode (failed_when reads its output)');
    isFailed = false;
  }
  if (isUnknown(changed)) notes.push('whether it changes is unknown in check mode (changed_when reads its output)');
  const note = notes.length ? ` (${notes.join('; ')})` : '';
  if (isFailed) return failed(done, t, r.error ?? `failed_when: ${t.failedWhen!.join(' and ')}`, registered, commandOutput(registered));
  // Unknown counts as a change: --fail-on-change must not pass what it cannot know.
  if (changed === false) {
    const why = `${r.error ? ` (failed, ignored by failed_when: ${r.error})` : ''}${r.withoutScript ? '' : ', not a change (changed_when)'}`;
    return { result: done('ok', `${r.summary}${why}`, commandOutput(registered)), registered, notifies: false };
  }
  // Nothing ran on the host (changed_when said so of a task with nothing to do): no script carries its notifications.
  if (r.withoutScript) play.recordWithoutScript(task, r.simulated);
  return { result: done('changed', `${r.summary}${note}`, { diff: r.diff, simulated: r.simulated, ...commandOutput(registered) }), registered, notifies: true };
}

/**
 * A task that never touches the host (debug, assert, fail, set_fact, meta):
 * its type decides from the variables in scope, then the same judge as every
 * task's result (Ansible applies `changed_when`/`failed_when` to these too).
 * set_fact's names are seen by its own conditions; PlayRun sets them only
 * when the task does not fail (Ansible keeps a failed set_fact's out,
 * ignore_errors or not).
 */
function runControl(play: PlayRun, node: TaskNode, task: CompiledTask, done: Done, simulated: boolean): Outcome {
  const t = node.task;
  let outcome: ControlOutcome;
  try {
    outcome = task.type.control!(task.args, task.scope ?? node.vars);
  } catch (err) {
    return failed(done, t, (err as Error).message, { changed: false, failed: true, msg: (err as Error).message });
  }
  // meta: engine actions, not a module: Ansible judges no result of theirs.
  if (outcome.flushHandlers !== undefined) return { result: done('ok', outcome.message), registered: { changed: false, failed: false }, notifies: false, flushHandlers: outcome.flushHandlers };
  const result = { changed: false, failed: outcome.failed, ...(outcome.registers ?? { msg: outcome.message }) };
  let judged: Judged;
  try {
    judged = judgeTask(t, result, copyVars(task.scope ?? play.scopeFor(node), outcome.facts ?? {}));
  } catch (err) {
    return failed(done, t, (err as Error).message, { ...result, failed: true });
  }
  const { registered, changed } = judged;
  // Check mode: a verdict that reads what it cannot know is no failure (as a failed_when on unknown output).
  const isFailed = judged.failed === true;
  const unknown = outcome.unknown || isUnknown(judged.failed) || isUnknown(changed) ? { unknown: true } : {};
  const facts = outcome.facts ? { facts: outcome.facts } : {};
  if (isFailed) {
    const why = outcome.failed && !t.failedWhen ? outcome.message : `failed_when: ${t.failedWhen!.join(' and ')}${outcome.message ? ` (${outcome.message})` : ''}`;
    // A failed set_fact's variables still reach the next items of its loop; PlayRun takes them back after the last.
    return { ...failed(done, t, why, registered, registered.changed === true ? { changed: true } : {}), ...facts };
  }
  const why = outcome.failed ? `${outcome.message} (failed, ignored by failed_when)` : outcome.message;
  if (changed !== false) {
    // A debug or assert has no apply script to carry the host's handler record: its notifications are
    // owed to the record, written by the next script (no round trip of their own) or at the end of the play.
    play.recordWithoutScript(task, simulated);
    return { result: done('changed', `${why}${isUnknown(changed) ? ' (whether it changes is unknown in check mode)' : ''}`, { simulated }), registered, notifies: true, ...facts };
  }
  return { result: done('ok', why, unknown), registered, notifies: false, ...facts };
}

/** The judge over a result, with the result under the task's `register:` name in the conditions' variables. */
function judgeTask(t: TaskNode['task'], result: Record<string, unknown>, scope: Record<string, unknown>): Judged {
  // A copy that keeps lazy variables lazy: one that cannot be rendered yet fails only if the condition reads it.
  return judgeResult(t, result, (registered) => (t.register ? copyVars(scope, { [t.register]: registered }) : scope));
}

/** How a failure of this task is handled without stopping the host: `ignore_errors`, or a block's rescue. */
export function handledBy(t: TaskNode['task']): TaskResult['handled'] {
  return t.ignoreErrors ? 'ignored' : t.rescued ? 'rescued' : undefined;
}

function failed(done: Done, t: TaskNode['task'], message: string, registered: Record<string, unknown>, extra: Partial<TaskResult> = {}): Outcome {
  const handled = handledBy(t);
  return { result: done('failed', message, { ...extra, ...(handled ? { handled } : {}) }), registered, notifies: false };
}

/** A command's stdout and stderr for the result line's reports, when it ran (a simulated one has none). */
function commandOutput(registered: Record<string, unknown>): Pick<TaskResult, 'stdout' | 'stderr'> {
  const { stdout, stderr } = registered;
  return typeof stdout === 'string' && typeof stderr === 'string' ? { stdout, stderr } : {};
}

function output(a: Applied): Record<string, unknown> {
  const stdout = a.stdout.replace(/\n$/, '');
  const stderr = a.stderr.replace(/\n$/, '');
  return { rc: a.rc, stdout, stderr, stdout_lines: lines(stdout), stderr_lines: lines(stderr) };
}

function quietOutput(): Record<string, unknown> {
  return { rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
}

function unknownOutput(): Record<string, unknown> {
  return { rc: UNKNOWN, stdout: UNKNOWN, stderr: UNKNOWN, stdout_lines: UNKNOWN, stderr_lines: UNKNOWN };
}

function lines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}
