import type { HostPlay, Node } from '../../src/compile.js';

/** Each task of a compiled play by name (its type when unnamed): true when it was decided before the run, false when left for run time. */
export function decidedBeforeRun(play: HostPlay): Record<string, boolean> {
  const walk = (nodes: Node[]): [string, boolean][] => nodes.flatMap((n) => (n.kind === 'task' ? [[n.task.name ?? n.task.typeName, n.iterations !== undefined] as [string, boolean]] : [...walk(n.tasks), ...walk(n.rescue), ...walk(n.always)]));
  return Object.fromEntries(walk(play.nodes));
}
