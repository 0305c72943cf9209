import { describe, expect, it } from 'vitest';
import { Secret, isSecret } from '../../../src/secret.js';
import type { TaskType } from '../../../src/task-type.js';
import { getTaskType } from '../../../tasks/index.js';

/**
 * What the host-less tasks decide and what `register:` keeps of them besides changed/failed:
 * Ansible's fields for each module (test/oracle/failed-when.test.ts compares them with
 * ansible-playbook's registered results).
 */
function control(type: string, rawArgs: unknown, vars: Record<string, unknown> = {}) {
  const t = getTaskType(type) as TaskType;
  return t.control!(t.schema.parse(rawArgs), vars);
}

const cases: [string, string, unknown, Record<string, unknown>, { failed: boolean; registers: Record<string, unknown> }][] = [
  ['nothing to do: debug without arguments', 'debug', {}, {}, { failed: false, registers: { msg: 'Hello world!' } }],
  ['debug msg keeps its type', 'debug', { msg: [1, 'a'] }, {}, { failed: false, registers: { msg: [1, 'a'] } }],
  ['debug var: the value under its name', 'debug', { var: 'x.y' }, { x: { y: 5 } }, { failed: false, registers: { 'x.y': 5 } }],
  ["debug var not defined: Ansible's words", 'debug', { var: 'nope' }, {}, { failed: false, registers: { nope: 'VARIABLE IS NOT DEFINED!' } }],
  ['assert that holds', 'assert', { that: ['1 == 1'] }, {}, { failed: false, registers: { msg: 'All assertions passed' } }],
  ['assert with success_msg, quiet', 'assert', { that: 'true', success_msg: 'fine', quiet: true }, {}, { failed: false, registers: { msg: 'fine' } }],
  ['assert failing: the condition, its value, the message', 'assert', { that: ['1 == 1', 'x == 2'], fail_msg: 'no' }, { x: 1 }, { failed: true, registers: { msg: 'no', assertion: 'x == 2', evaluated_to: false } }],
  ['assert failing without a message', 'assert', { that: 'false' }, {}, { failed: true, registers: { msg: 'Assertion failed', assertion: 'false', evaluated_to: false } }],
  ['fail', 'fail', { msg: 'stop' }, {}, { failed: true, registers: { msg: 'stop' } }],
  ['fail without a message', 'fail', null, {}, { failed: true, registers: { msg: 'Failed as requested from task' } }],
  ['set_fact: only ansible_facts', 'set_fact', { a: 1, b: 'yes' }, {}, { failed: false, registers: { ansible_facts: { a: 1, b: true } } }],
];

describe('host-less tasks: verdict and registered fields', () => {
  it.each(cases)('%s', (_what, type, args, vars, expected) => {
    const outcome = control(type, args, vars);
    expect(outcome.failed).toBe(expected.failed);
    expect(outcome.registers).toEqual(expected.registers);
  });

  it('a secret message is registered as the secret (masked when shown, whole for a later task)', () => {
    const pw = new Secret(`p@ss "w0rd" $x \`id\` #:/ y`);
    const outcome = control('debug', { msg: pw });
    expect(isSecret(outcome.registers!.msg)).toBe(true);
    expect(outcome.message).not.toContain('w0rd');
  });
});
