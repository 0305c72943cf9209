import { staticTasks, type CompiledTask, type HostRun } from '../compile.js';
import type { HostRecap, RunEvent } from './events.js';
import { runHost, type RunOptions } from './host-run.js';

/**
 * The one scheduler: hosts run `forks` at a time, and every view (live
 * terminal, plain lines, reports) only listens to the events it emits.
 */
export async function runAll(runs: HostRun[], options: RunOptions, emit: (e: RunEvent) => void): Promise<HostRecap[]> {
  emit({ type: 'run-start', check: options.check, hosts: runs.map((r) => r.host.name) });
  const prepared = startPreparing(runs);
  const recaps: HostRecap[] = new Array(runs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < runs.length) {
      const i = next++;
      recaps[i] = await runHost(runs[i], options, emit, prepared);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.forks, runs.length)) }, worker));
  emit({ type: 'run-end', recaps });
  return recaps;
}

/** Each task's `prepare` (slow pure work such as bcrypt), started with the run and awaited before the task is planned. */
function startPreparing(runs: HostRun[]): WeakMap<CompiledTask, Promise<void>> {
  const prepared = new WeakMap<CompiledTask, Promise<void>>();
  // Started after the first connections are on their way (a turn of the event loop later): the
  // first prepare loads bcrypt's native module (~14 ms), which then overlaps the handshakes
  // instead of delaying them.
  const afterConnecting = new Promise<void>((resolve) => setImmediate(resolve));
  for (const run of runs) {
    for (const play of run.plays) {
      const handlers = play.handlers.flatMap((h) => h.iterations ?? []);
      for (const task of [...staticTasks(play), ...handlers]) {
        if (task.type.prepare && !task.skipReason && !task.unknown) prepared.set(task, afterConnecting.then(() => task.type.prepare!(task.args)).catch(() => {}));
      }
    }
  }
  return prepared;
}
