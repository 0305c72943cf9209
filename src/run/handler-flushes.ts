import type { Node } from '../compile.js';

/**
 * How many flushes end the play. Ansible's play has three flushes, each there
 * even when its section is empty: after pre_tasks, after roles and tasks, after
 * post_tasks. provision adds the first two as `meta: flush_handlers` tasks only
 * when a section follows them (src/includes/play-tree.ts); what is left of the
 * three is the play's end: the flush after post_tasks, and the one after tasks
 * too when no post_tasks made provision add it as a task. Counting them
 * matters: each flush is one pass, so a handler notified again by a later one
 * runs at the next flush, and after the last, never (Ansible's order).
 */
export function endFlushCount(nodes: readonly Node[]): number {
  const flushedAfterTasks = nodes.some((n) => n.kind === 'task' && n.task.implicit === true && n.task.path.at(-2) === 'tasks');
  return flushedAfterTasks ? 1 : 2;
}
