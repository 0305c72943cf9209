import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CompiledTask, HostPlay, HostRun } from './compile.js';
import { renderDiff } from './diff.js';
import { CommandError, ConnectError, ProvisionError } from './errors.js';
import { fact, type Fact, type FactOutput } from './facts.js';
import type { Change, Plan, RunStep } from './plan.js';
import { describeStep, factBatch, FAILED_STEP_MARKER, stepsScript, wrapScript, type FactBatch } from './remote-script.js';
import { redact } from './secret.js';
import { quote } from './shell.js';
import { HostConnection, type ConnectOptions } from './ssh/connection.js';
import { withTransfers } from './transfers.js';
import type { RunLock } from './ssh/run-lock.js';
import type { PlanContext } from './task-type.js';

export type TaskStatus = 'ok' | 'changed' | 'skipped' | 'failed';

export interface TaskResult {
  host: string;
  play: string;
  task: string;
  type: string;
  handler: boolean;
  status: TaskStatus;
  changed: boolean;
  /** Why nothing was done, what was (or would be) changed, or the error. */
  message: string;
  diff?: string;
  durationMs: number;
}

export interface HostRecap {
  host: string;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  roundTrips: number;
  error?: string;
}

export type RunEvent =
  | { type: 'host-start'; host: string }
  | { type: 'task-start'; host: string; play: string; task: string; handler: boolean }
  | { type: 'task-result'; result: TaskResult }
  /** A long step is still running (apt installs, certificate issuance): shown so nobody wonders whether it hung. */
  | { type: 'task-alive'; host: string; task: string; elapsedMs: number }
  | { type: 'host-end'; recap: HostRecap };

export interface RunOptions {
  check: boolean;
  /** Compute diffs (fetching old file contents when needed). */
  diff: boolean;
  forks: number;
  connect: ConnectOptions;
  /** Set by Ctrl-C: no new task starts; the running one finishes. */
  signal?: AbortSignal;
}

const HEARTBEAT_MS = Number(process.env.PROVISION_HEARTBEAT_MS) || 10_000;

/** Each task's `prepare` (slow pure work such as bcrypt), started with the run and awaited before the task is planned. */
const prepared = new WeakMap<CompiledTask, Promise<void>>();

function startPreparing(runs: HostRun[]): void {
  for (const run of runs) {
    for (const play of run.plays) {
      for (const task of [...play.tasks, ...play.handlers.values()]) {
        if (task.type.prepare && !task.skipReason) prepared.set(task, task.type.prepare(task.args).catch(() => {}));
      }
    }
  }
}

export async function runAll(runs: HostRun[], options: RunOptions, emit: (e: RunEvent) => void): Promise<HostRecap[]> {
  startPreparing(runs);
  const recaps: HostRecap[] = new Array(runs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < runs.length) {
      const i = next++;
      recaps[i] = await runHost(runs[i], options, emit);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.forks, runs.length)) }, worker));
  return recaps;
}

/**
 * One host, start to end: connect once, and for each play gather the facts of
 * all its tasks in one batch, plan each task, apply (unless check mode), run
 * notified handlers. A failure stops this host only.
 */
export async function runHost(run: HostRun, options: RunOptions, emit: (e: RunEvent) => void): Promise<HostRecap> {
  const name = run.host.name;
  const recap: HostRecap = { host: name, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, roundTrips: 0 };
  emit({ type: 'host-start', host: name });
  let conn: HostConnection;
  try {
    conn = await HostConnection.open(run.target, options.connect, run.endpoint);
  } catch (err) {
    recap.unreachable = 1;
    recap.error = err instanceof ProvisionError ? err.message : redact(String(err));
    emit({ type: 'host-end', recap });
    return recap;
  }
  const count = (r: TaskResult): void => {
    recap[r.status === 'changed' ? 'changed' : r.status]++;
    emit({ type: 'task-result', result: r });
  };
  // Only one run may change a host at a time. The lock is requested while the
  // first facts are read; a task waits for it only before it changes anything,
  // so a run with nothing to change never fails for another run's lock.
  let lock: RunLock | undefined;
  const lockReady = options.check ? Promise.resolve() : conn.holdRunLock(`${hostname()} pid ${process.pid} since ${new Date().toISOString()}`).then((l) => void (lock = l));
  lockReady.catch(() => {}); // awaited below
  try {
    for (const play of run.plays) {
      const failed = await runPlay(conn, play, options, emit, count, lockReady);
      if (failed) break;
    }
  } catch (err) {
    if (err instanceof ConnectError) {
      recap.unreachable = 1;
      recap.error = err.message;
    } else throw err;
  } finally {
    recap.roundTrips = conn.roundTrips;
    lock?.release();
    conn.close();
  }
  emit({ type: 'host-end', recap });
  return recap;
}

async function runPlay(
  conn: HostConnection,
  play: HostPlay,
  options: RunOptions,
  emit: (e: RunEvent) => void,
  count: (r: TaskResult) => void,
  lockReady: Promise<void>,
): Promise<boolean> {
  const ctx: PlanContext = { host: conn.name, sshPort: conn.port };
  const facts = new FactCache(conn, ctx);
  const pending = play.tasks.filter((t) => !t.skipReason);
  const notified = new Set<string>();
  // Handlers notified by a run that failed before they ran are recorded on the
  // host and run now (Ansible forgets them).
  const handlerState = play.handlerOrder.length ? pendingHandlers(play.name) : undefined;
  try {
    await facts.prefetch(pending, handlerState ? [handlerState.fact] : []);
  } catch (err) {
    // Reading state failed (sudo refused, a fact script broke): the host fails
    // here, like a task would, instead of ending the whole run.
    if (err instanceof ConnectError) throw err;
    const message = err instanceof ProvisionError ? err.message : redact(err instanceof Error ? err.message : String(err));
    count({ host: conn.name, play: play.name, task: 'read host state', type: 'facts', handler: false, status: 'failed', changed: false, message, durationMs: 0 });
    return true;
  }
  const leftOver = handlerState ? (facts.value(handlerState.fact, false) ?? []) : [];
  for (const h of leftOver) if (play.handlers.has(h)) notified.add(h);
  let index = 0;
  const execute = async (task: CompiledTask, handler: boolean, remaining: CompiledTask[]): Promise<TaskResult> => {
    emit({ type: 'task-start', host: conn.name, play: play.name, task: task.name, handler });
    const started = Date.now();
    const base = { host: conn.name, play: play.name, task: task.name, type: task.type.name, handler };
    if (task.skipReason) return { ...base, status: 'skipped', changed: false, message: task.skipReason, durationMs: 0 };
    try {
      const wanted = task.type.facts(task.args, ctx) as Record<string, Fact<unknown>>;
      // Read what this task needs, together with what the tasks after it need: in a
      // run where nothing changes, the whole play costs one round trip for facts.
      await facts.ensure(task, [task, ...remaining]);
      const values = { ...facts.values(wanted, task.become), ...task.type.localFacts?.(task.args, ctx) };
      await prepared.get(task);
      const plan: Plan = task.type.plan(task.args, values as never, ctx);
      if (plan.changes.length === 0) return { ...base, status: 'ok', changed: false, message: plan.ok ?? 'nothing to do', durationMs: Date.now() - started };
      const message = plan.changes.map((c) => c.summary).join('; ');
      const diff = options.diff ? await renderDiffs(conn, plan.changes, task.become) : undefined;
      if (!options.check) {
        await lockReady;
        const record = handlerState && !handler && task.notify.length ? [handlerState.record(task.notify, task.become || conn.user === 'root')] : [];
        const alive = setInterval(() => emit({ type: 'task-alive', host: conn.name, task: task.name, elapsedMs: Date.now() - started }), HEARTBEAT_MS);
        // What we read may be stale after a change: the same script re-reads the
        // facts of the tasks that follow, so a change costs one round trip, not two.
        const followUp = facts.followUp(remaining, task.become);
        try {
          const stdout = await apply(conn, task, [...plan.changes, ...record.map((step) => ({ summary: '', steps: [step] }))], followUp?.batch.script);
          facts.invalidate();
          if (followUp) facts.store(followUp, stdout);
        } catch (err) {
          facts.invalidate();
          throw err;
        } finally {
          clearInterval(alive);
        }
      }
      return { ...base, status: 'changed', changed: true, message: options.check ? `would ${message}` : message, diff, durationMs: Date.now() - started };
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      const message = err instanceof ProvisionError ? err.message : redact(err instanceof Error ? err.message : String(err));
      return { ...base, status: 'failed', changed: false, message, durationMs: Date.now() - started };
    }
  };
  for (const task of play.tasks) {
    if (options.signal?.aborted) return true;
    index++;
    const remaining = pending.filter((t) => play.tasks.indexOf(t) >= index);
    const result = await execute(task, false, remaining);
    count(result);
    if (result.status === 'failed') return true;
    if (result.changed) for (const h of task.notify) notified.add(h);
  }
  const handlers = play.handlerOrder.filter((h) => notified.has(h)).map((h) => play.handlers.get(h)!);
  for (const [i, handler] of handlers.entries()) {
    if (options.signal?.aborted) return true;
    const result = await execute(handler, true, handlers.slice(i + 1));
    if (leftOver.includes(handler.name)) result.message += ' (notified by an earlier run that stopped before its handlers)';
    count(result);
    if (result.status === 'failed') return true;
  }
  if (handlers.length && handlerState && !options.check) {
    const r = await conn.runScript(wrapScript(handlerState.clear), handlers.some((h) => h.become));
    if (r.exitCode !== 0) throw new CommandError(conn.name, 'handlers', 'clearing pending handlers', r.exitCode, r.stderr);
  }
  return false;
}

/** Fact outputs read from the host, by fact key and privilege. */
class FactCache {
  private outputs = new Map<string, FactOutput>();
  constructor(
    private readonly conn: HostConnection,
    private readonly ctx: PlanContext,
  ) {}

  /** Whether facts wanted with this `become` are read as root. Logged in as root, sudo changes nothing: one level. */
  private asRoot(become: boolean): boolean {
    return become || this.conn.user === 'root';
  }

  /** Reads what this task needs, together with what the tasks after it need, if not read yet. */
  async ensure(task: CompiledTask, upcoming: CompiledTask[]): Promise<void> {
    const own = Object.values(task.type.facts(task.args, this.ctx) as Record<string, Fact<unknown>>);
    if (own.every((f) => this.outputs.has(cacheKey(f, this.asRoot(task.become))))) return;
    await this.prefetch(upcoming, [], task.name);
  }

  /**
   * One script per privilege level for all facts of `upcoming` (and `extra`,
   * read without sudo) that are not known yet: in a run where nothing changes,
   * a whole play costs one round trip.
   */
  async prefetch(upcoming: CompiledTask[], extra: Fact<unknown>[], taskName = 'reading facts'): Promise<void> {
    for (const root of [true, false]) {
      const missing = new Map<string, Fact<unknown>>();
      if (this.asRoot(false) === root) for (const f of extra) if (!this.outputs.has(cacheKey(f, root))) missing.set(f.key, f);
      for (const t of upcoming) {
        if (this.asRoot(t.become) !== root || t.skipReason) continue;
        for (const f of Object.values(t.type.facts(t.args, this.ctx) as Record<string, Fact<unknown>>)) {
          if (!this.outputs.has(cacheKey(f, root))) missing.set(f.key, f);
        }
      }
      if (missing.size === 0) continue;
      const batch = factBatch([...missing.values()]);
      const r = await this.conn.runScript(batch.script, root);
      if (r.exitCode !== 0) {
        throw new CommandError(this.conn.name, taskName, root ? 'sudo sh -s (reading facts)' : 'sh -s (reading facts)', r.exitCode, r.stderr);
      }
      const parsed = batch.parse(r.stdout);
      for (const f of missing.values()) {
        const out = parsed.get(f.key);
        if (!out) throw new CommandError(this.conn.name, taskName, `reading fact ${f.key}`, r.exitCode, `no output for this fact\n${r.stderr}`);
        this.outputs.set(cacheKey(f, root), out);
      }
    }
  }

  /** A batch reading every fact of `upcoming` at `become`'s privilege level, to run right after a change. */
  followUp(upcoming: CompiledTask[], become: boolean): { batch: FactBatch; facts: Fact<unknown>[]; root: boolean } | undefined {
    const root = this.asRoot(become);
    const wanted = new Map<string, Fact<unknown>>();
    for (const t of upcoming) {
      if (this.asRoot(t.become) !== root || t.skipReason) continue;
      for (const f of Object.values(t.type.facts(t.args, this.ctx) as Record<string, Fact<unknown>>)) wanted.set(f.key, f);
    }
    if (wanted.size === 0) return undefined;
    const facts = [...wanted.values()];
    return { batch: factBatch(facts), facts, root };
  }

  /** Keeps what a follow-up batch read; a fact it did not report is simply read again later. */
  store(followUp: { batch: FactBatch; facts: Fact<unknown>[]; root: boolean }, stdout: string): void {
    const parsed = followUp.batch.parse(stdout);
    for (const f of followUp.facts) {
      const out = parsed.get(f.key);
      if (out) this.outputs.set(cacheKey(f, followUp.root), out);
    }
  }

  value<T>(f: Fact<T>, become: boolean): T | undefined {
    const out = this.outputs.get(cacheKey(f, this.asRoot(become)));
    return out ? f.parse(out) : undefined;
  }

  values(wanted: Record<string, Fact<unknown>>, become: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(wanted)) out[name] = f.parse(this.outputs.get(cacheKey(f, this.asRoot(become)))!);
    return out;
  }

  /** After a change, what we read may be stale: read again before the next plan. */
  invalidate(): void {
    this.outputs.clear();
  }
}

function cacheKey(f: Fact<unknown>, become: boolean): string {
  return `${become ? 'root' : 'user'}:${f.key}`;
}

/** Runs a task's steps in one script, then `followUp` (a fact batch) in the same round trip; returns stdout. */
async function apply(conn: HostConnection, task: CompiledTask, changes: Change[], followUp?: string): Promise<string> {
  const steps = changes.flatMap((c) => c.steps);
  if (steps.length === 0 && !followUp) return '';
  // The newline puts the facts' markers at the start of a line whatever the steps printed.
  const r = await withTransfers(conn, steps, task.become, (staging) => conn.runScript(stepsScript(steps, staging) + (followUp ? `printf '\\n'\n${followUp}` : ''), task.become));
  if (r.exitCode === 0) return r.stdout;
  // No exit status: the remote side vanished. If the connection is gone too,
  // say so (the host is unreachable), rather than "exited by signal".
  if (r.exitCode === null) await conn.exec('true');
  const marker = new RegExp(`\\n?${FAILED_STEP_MARKER} (\\d+) (\\d+)\\n?`);
  const m = marker.exec(r.stderr);
  const step = m ? steps[Number(m[1])] : undefined;
  const stderr = r.stderr.replace(marker, '');
  throw new CommandError(conn.name, task.name, step ? describeStep(step) : 'sh -s', m ? Number(m[2]) : r.exitCode, stderr);
}

/** Diffs for a plan; old file contents are fetched only here, only for files that change. */
async function renderDiffs(conn: HostConnection, changes: Change[], become: boolean): Promise<string | undefined> {
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

/**
 * Where a play's notified-but-not-yet-run handlers are kept on the host: under
 * /var/lib/provision when writing as root, else in the login user's home.
 */
function pendingHandlers(playName: string) {
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
