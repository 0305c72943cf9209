import { describe, expect, it } from 'vitest';
import { fact } from '../../src/facts.js';
import { parseShared } from '../../src/run/fact-cache.js';
import { planOnce } from '../../src/run/plan-once.js';
import type { CompiledTask } from '../../src/task-expand.js';
import type { Plan } from '../../src/plan.js';
import type { PlanContext, TaskType } from '../../src/task-type.js';
import { file } from '../../tasks/file.js';

const ctx = (host: string): PlanContext => ({ host, sshPort: 22 });
const execution = (type: TaskType, args: unknown): CompiledTask => ({ name: 't', type, args, notify: [], tags: [], become: false, where: { file: 'p.yaml' } });

/** A task type counting its plans: `changes` decides whether the plan has something to do. */
function counting(changes: boolean, extra: Partial<TaskType> = {}): { type: TaskType; calls: () => number } {
  let n = 0;
  const type = {
    ...file,
    name: 'counting',
    plan(_a: unknown, f: Record<string, unknown>): Plan {
      n++;
      return changes ? { changes: [{ summary: `fix ${String(f.mode)}`, steps: [] }] } : { changes: [], ok: `already ${String(f.mode)}` };
    },
    ...extra,
  } as TaskType;
  return { type, calls: () => n };
}

describe('planOnce: one plan for every host with the same shared arguments and fact values', () => {
  const cases: { name: string; changes: boolean; extra?: Partial<TaskType>; second: (v: Record<string, unknown>) => Record<string, unknown>; plans: number; same: boolean }[] = [
    { name: 'nothing to do, same arguments and values: planned once, the same plan', changes: false, second: (v) => ({ ...v }), plans: 1, same: true },
    { name: 'another value for a fact: planned again', changes: false, second: () => ({ mode: { m: '0600' } }), plans: 2, same: false },
    { name: 'one fact more: planned again', changes: false, second: (v) => ({ ...v, owner: 'root' }), plans: 2, same: false },
    { name: 'one fact fewer: planned again', changes: false, second: () => ({}), plans: 2, same: false },
    { name: 'a plan with changes is made per host (its diffs are filled per host)', changes: true, second: (v) => ({ ...v }), plans: 2, same: false },
    {
      name: 'a planner that reads the context is asked per host',
      changes: false,
      extra: { plan: (_a: unknown, _f: unknown, c: PlanContext) => ({ changes: [], ok: c.host }) } as Partial<TaskType>,
      second: (v) => ({ ...v }),
      plans: -1,
      same: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { type, calls } = counting(c.changes, c.extra);
      const args = { path: '/srv/app' };
      const values = { mode: { m: '0644' } };
      const a = planOnce(execution(type, args), values, ctx('web1'));
      const b = planOnce(execution(type, args), c.second(values), ctx('web2'));
      if (c.plans >= 0) expect(calls()).toBe(c.plans);
      if (c.same) expect(b).toBe(a);
      else expect(b).not.toBe(a);
      if (c.extra) expect([a.ok, b.ok]).toEqual(['web1', 'web2']);
    });
  }

  it('equal but separate arguments (not shared by compile) are planned per host', () => {
    const { type, calls } = counting(false);
    planOnce(execution(type, { path: '/a' }), {}, ctx('web1'));
    planOnce(execution(type, { path: '/a' }), {}, ctx('web2'));
    expect(calls()).toBe(2);
  });

  it('a kept plan cannot be changed by whoever receives it', () => {
    const { type } = counting(false);
    const args = { path: '/a' };
    planOnce(execution(type, args), {}, ctx('web1'));
    const kept = planOnce(execution(type, args), {}, ctx('web2'));
    expect(() => kept.changes.push({ summary: 'x', steps: [] })).toThrow(TypeError);
  });
});

describe('parseShared: a fact output parsed once for every host that sent the same bytes', () => {
  const parsing = () => {
    let n = 0;
    const f = fact(`test:${Math.random()}`, 'true', ({ stdout }) => {
      n++;
      return { lines: stdout.split('\n'), nested: { first: stdout[0] } };
    });
    return { f, calls: () => n };
  };

  it('the same output twice: parsed once, one frozen value', () => {
    const { f, calls } = parsing();
    const a = parseShared(f, { stdout: 'a\nb', exitCode: 0 }) as { lines: string[]; nested: { first: string } };
    const b = parseShared({ ...f }, { stdout: 'a\nb', exitCode: 0 });
    expect(b).toBe(a);
    expect(calls()).toBe(1);
    expect(() => a.lines.push('c')).toThrow(TypeError);
    expect(() => {
      a.nested.first = 'z';
    }).toThrow(TypeError);
  });

  it('another output, or the same text with another exit status, is parsed again', () => {
    const { f, calls } = parsing();
    const a = parseShared(f, { stdout: 'a', exitCode: 0 });
    expect(parseShared(f, { stdout: 'b', exitCode: 0 })).not.toBe(a);
    expect(parseShared(f, { stdout: 'b', exitCode: 1 })).toEqual({ lines: ['b'], nested: { first: 'b' } });
    expect(calls()).toBe(3);
  });

  it('nothing to freeze: a primitive value comes back as it is', () => {
    const f = fact(`test:${Math.random()}`, 'true', ({ stdout }) => stdout.length);
    expect(parseShared(f, { stdout: 'abc', exitCode: 0 })).toBe(3);
  });
});
