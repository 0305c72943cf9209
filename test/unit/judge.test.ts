import { describe, expect, it } from 'vitest';
import { isUnknown, UNKNOWN } from '../../src/expr/index.js';
import { judgeResult, type JudgeConditions } from '../../src/run/judge.js';

/**
 * The judge every task's result goes through (Ansible's TaskExecutor): changed_when first, then
 * failed_when over the result with changed_when's verdict in it; the task's own verdict without them.
 */
const scopeWith = (vars: Record<string, unknown>) => (registered: Record<string, unknown>) => ({ ...vars, r: registered });

const cases: [string, JudgeConditions, Record<string, unknown>, Record<string, unknown>, { failed: unknown; changed: unknown; registered?: Record<string, unknown> }][] = [
  // what, conditions, result, other variables, expected
  ['nothing to do: no conditions, the task verdict stands', {}, { changed: false, failed: false, msg: 'x' }, {}, { failed: false, changed: false, registered: { changed: false, failed: false, msg: 'x' } }],
  ['a failed task stays failed', {}, { changed: false, failed: true }, {}, { failed: true, changed: false }],
  ['failed_when true fails a debug', { failedWhen: [true] }, { changed: false, failed: false, msg: 'x' }, {}, { failed: true, changed: false, registered: { changed: false, failed: true, failed_when_result: true, msg: 'x' } }],
  ['failed_when false saves a failed assert', { failedWhen: [false] }, { changed: false, failed: true, msg: 'no', evaluated_to: false, assertion: '1 == 2' }, {}, { failed: false, changed: false, registered: { changed: false, failed: false, failed_when_result: false, msg: 'no', evaluated_to: false, assertion: '1 == 2' } }],
  ['failed_when reads the result under its register name', { failedWhen: ["r.msg == 'boom'"] }, { changed: false, failed: false, msg: 'boom' }, {}, { failed: true, changed: false }],
  ["failed_when reads set_fact's new name", { failedWhen: ['nf == 5'] }, { changed: false, failed: false, ansible_facts: { nf: 5 } }, { nf: 5 }, { failed: true, changed: false }],
  ['a list of conditions: all must hold', { failedWhen: ['true', 'x == 2'] }, { changed: false, failed: false }, { x: 1 }, { failed: false, changed: false }],
  ['changed_when true makes a debug changed', { changedWhen: [true] }, { changed: false, failed: false }, {}, { failed: false, changed: true }],
  ["failed_when sees changed_when's verdict (Ansible's order)", { changedWhen: [true], failedWhen: ['r.changed'] }, { changed: false, failed: false }, {}, { failed: true, changed: true }],
  ['changed_when false: not a change', { changedWhen: ['false'] }, { changed: true, failed: false }, {}, { failed: false, changed: false }],
  ['check mode: failed_when on unknown output is unknown', { failedWhen: ['r.rc != 0'] }, { changed: true, failed: UNKNOWN, rc: UNKNOWN }, {}, { failed: UNKNOWN, changed: true }],
  ['check mode: changed_when on unknown output is unknown', { changedWhen: ["'x' in r.stdout"] }, { changed: true, failed: false, stdout: UNKNOWN }, {}, { failed: false, changed: UNKNOWN }],
  ['check mode: a condition that decides without the unknown decides', { failedWhen: ['false and r.rc != 0'] }, { changed: true, failed: UNKNOWN, rc: UNKNOWN }, {}, { failed: false, changed: true }],
];

describe('judgeResult', () => {
  it.each(cases)('%s', (_what, when, result, vars, expected) => {
    const judged = judgeResult(when, result, scopeWith(vars));
    const shown = (v: unknown) => (isUnknown(v) ? 'unknown' : v);
    expect(shown(judged.failed)).toEqual(shown(expected.failed));
    expect(shown(judged.changed)).toEqual(shown(expected.changed));
    if (expected.registered) expect(judged.registered).toEqual(expected.registered);
  });

  it('the result it was given is not changed (the judged one is a copy)', () => {
    const result = { changed: false, failed: false };
    judgeResult({ failedWhen: [true], changedWhen: [true] }, result, scopeWith({}));
    expect(result).toEqual({ changed: false, failed: false });
  });

  it('a condition that cannot be evaluated throws: the task fails with that error', () => {
    expect(() => judgeResult({ failedWhen: ['nope == 1'] }, { changed: false, failed: false }, scopeWith({}))).toThrow(/nope/);
  });
});
