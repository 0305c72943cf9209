import { describe, expect, it } from 'vitest';
import type { HostRun, Node } from '../../src/compile.js';
import { startAtTask } from '../../src/commands/start-at-task.js';

// Just enough of a compiled run: startAtTask reads task names and the tree's shape only.
const task = (name: string): Node => ({ kind: 'task', task: { name } as never, vars: {}, levels: {} as never });
const block = (tasks: Node[], rescue: Node[] = [], always: Node[] = []): Node => ({ kind: 'block', block: {} as never, tasks, rescue, always });
const run = (...plays: Node[][]): HostRun => ({ host: {} as never, target: { name: 'h', address: 'h' }, plays: plays.map((nodes) => ({ nodes }) as never) });

/** The names left, per play; a block as [tasks, rescue, always]. */
function names(r: HostRun): unknown[] {
  const walk = (nodes: Node[]): unknown[] => nodes.map((n) => (n.kind === 'task' ? n.task.name : [walk(n.tasks), walk(n.rescue), walk(n.always)]));
  return r.plays.map((p) => walk(p.nodes));
}

describe('--start-at-task', () => {
  it('nothing given: nothing skipped', () => {
    const r = run([task('a'), task('b')]);
    expect(startAtTask([r], undefined)).toEqual([r]);
  });

  it.each([
    ['the first task', [[task('a'), task('b')]], 'a', [['a', 'b']]],
    ['a middle task', [[task('a'), task('b'), task('c')]], 'b', [['b', 'c']]],
    ['the first of two tasks with that name', [[task('a'), task('b'), task('b')]], 'b', [['b', 'b']]],
    ['a task of a later play: earlier plays run nothing', [[task('a')], [task('b'), task('c')]], 'c', [[], ['c']]],
    ['inside a block: the block keeps the rest, rescue and always', [[task('a'), block([task('b'), task('c')], [task('r')], [task('z')])]], 'c', [[[['c'], ['r'], ['z']]]]],
    ['in an always: the block before it is gone', [[block([task('b')], [], [task('z')]), task('after')]], 'z', [[[[], [], ['z']], 'after']]],
  ])('%s', (_, plays, name, expected) => {
    expect(names(startAtTask([run(...(plays as Node[][]))], name as string)[0])).toEqual(expected);
  });

  it('a name no task has: an error naming it', () => {
    expect(() => startAtTask([run([task('a')])], 'nope')).toThrow('no task is named "nope"');
  });
});
