import { describe, expect, it } from 'vitest';
import type { Node } from '../../src/compile.js';
import { endFlushCount } from '../../src/run/handler-flushes.js';

/** A top-level task node as the play tree makes it: only what endFlushCount reads. */
const task = (path: (string | number)[], implicit?: boolean): Node => ({ kind: 'task', task: { path, implicit } }) as unknown as Node;
const block = (tasks: Node[]): Node => ({ kind: 'block', tasks, rescue: [], always: [] }) as unknown as Node;

describe('endFlushCount: the flushes left for the end of the play (Ansible has three)', () => {
  it.each([
    ['nothing to do: no tasks at all, both last flushes are the end', [], 2],
    ['tasks only: after tasks and after post_tasks', [task([0, 'tasks', 0])], 2],
    ['pre_tasks flushed as a task: still two at the end', [task([0, 'pre_tasks', 0]), task([0, 'pre_tasks', 0], true), task([0, 'tasks', 0])], 2],
    ['post_tasks: the flush after tasks ran as a task, one is left', [task([0, 'tasks', 0]), task([0, 'tasks', 0], true), task([0, 'post_tasks', 0])], 1],
    ['an imported play (a longer path): the same', [task(['import', 1, 'tasks', 0], true), task(['import', 1, 'post_tasks', 0])], 1],
    ["the user's own flush_handlers in tasks is not Ansible's implicit one", [task([0, 'tasks', 0]), task([0, 'tasks', 1])], 2],
    ['an implicit flush only counts at the top of the play, not inside a block', [block([task([0, 'tasks', 0], true)])], 2],
  ] as [string, Node[], number][])('%s', (_, nodes, expected) => {
    expect(endFlushCount(nodes)).toBe(expected);
  });
});
