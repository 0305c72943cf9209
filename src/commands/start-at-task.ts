import type { HostRun, Node } from '../compile.js';
import { UsageError } from '../exit-codes.js';

/**
 * --start-at-task NAME as ansible-playbook does it: each host skips the tasks
 * (in playbook order: plays, blocks, rescue, always) before the first task
 * named NAME; from there on everything runs. Handlers are kept (a task that
 * runs may still notify them). A name no task has is an error: Ansible stops
 * too ("No matching task"), and running everything instead would surprise.
 */
export function startAtTask(runs: HostRun[], name: string | undefined): HostRun[] {
  if (name === undefined) return runs;
  let matchedAnywhere = false;
  const result = runs.map((run) => {
    let started = false;
    const keep = (nodes: Node[]): Node[] =>
      nodes.flatMap((n): Node[] => {
        if (n.kind === 'block') {
          const block = { ...n, tasks: keep(n.tasks), rescue: keep(n.rescue), always: keep(n.always) };
          return block.tasks.length || block.rescue.length || block.always.length ? [block] : [];
        }
        if (!started && n.task.name === name) started = true;
        return started ? [n] : [];
      });
    const plays = run.plays.map((p) => ({ ...p, nodes: keep(p.nodes) }));
    matchedAnywhere ||= started;
    return { ...run, plays };
  });
  if (!matchedAnywhere && runs.length) throw new UsageError(`--start-at-task: no task is named "${name}"`);
  return result;
}
