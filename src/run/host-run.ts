import { hostname } from 'node:os';
import type { CompiledTask, HostRun } from '../compile.js';
import { ConnectError, ProvisionError } from '../errors.js';
import { redact } from '../secret.js';
import { HostConnection, type ConnectOptions } from '../ssh/connection.js';
import type { RunLock } from '../ssh/run-lock.js';
import { countResult, emptyRecap, type HostRecap, type RunEvent, type TaskResult } from './events.js';
import { PlayRun } from './play-run.js';
import type { StepGate } from './step.js';

export interface RunOptions {
  check: boolean;
  /** Compute diffs (fetching old file contents when needed). */
  diff: boolean;
  forks: number;
  connect: ConnectOptions;
  /** Set by Ctrl-C: no new task starts; the running one finishes. */
  signal?: AbortSignal;
  /** --step: asks before each task, once for all hosts (src/run/step.ts). */
  step?: StepGate;
}

/** What every play on one host shares: the connection, the lock, registered results and host facts. */
export interface HostRunState {
  conn: HostConnection;
  options: RunOptions;
  emit: (e: RunEvent) => void;
  count: (r: TaskResult) => void;
  /** Resolves once this run holds the host's run lock (at once in check mode). */
  lockReady: Promise<void>;
  /** Each task's `prepare` (bcrypt), started with the run. */
  prepared: WeakMap<CompiledTask, Promise<void>>;
  /** `register:` results, kept across plays as Ansible keeps them. */
  registered: Record<string, unknown>;
  /** The host facts as variables, once read. */
  hostFacts?: Record<string, unknown>;
  /** --step: how often this host reached each task so far (a handler can run twice), so each time is one question. */
  stepVisits: Map<string, number>;
}

/**
 * One host, start to end: connect once, run each play (src/run/play-run.ts);
 * a failure stops this host only.
 */
export async function runHost(run: HostRun, options: RunOptions, emit: (e: RunEvent) => void, prepared: WeakMap<CompiledTask, Promise<void>>): Promise<HostRecap> {
  const name = run.host.name;
  const recap = emptyRecap(name);
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
  // Only one run may change a host at a time. The lock is requested while the
  // first facts are read; a task waits for it only before it changes anything,
  // so a run with nothing to change never fails for another run's lock.
  let lock: RunLock | undefined;
  const lockReady = options.check ? Promise.resolve() : conn.holdRunLock(`${hostname()} pid ${process.pid} since ${new Date().toISOString()}`).then((l) => void (lock = l));
  lockReady.catch(() => {}); // awaited before the first change
  const state: HostRunState = {
    conn,
    options,
    emit,
    count: (r) => {
      countResult(recap, r);
      emit({ type: 'task-result', result: r });
    },
    lockReady,
    prepared,
    registered: {},
    stepVisits: new Map(),
  };
  try {
    for (const play of run.plays) {
      if (await new PlayRun(state, play).run()) break;
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
