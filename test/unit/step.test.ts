import { describe, expect, it } from 'vitest';
import { StepGate, stepAnswer, stepQuestion, type StepAnswer } from '../../src/run/step.js';

describe('stepAnswer: Ansible\'s reading of the reply (_take_step)', () => {
  it.each<[string, StepAnswer]>([
    ['y', 'yes'],
    ['Y', 'yes'],
    ['yes', 'yes'],
    ['YES', 'yes'],
    ['c', 'continue'],
    ['Continue', 'continue'],
    ['n', 'no'],
    ['no', 'no'],
    ['', 'no'], // just Enter: the default, (N)o
    [' y', 'no'], // Ansible compares the whole line
    ['yep', 'no'],
  ])('%j is %s', (reply, expected) => expect(stepAnswer(reply)).toBe(expected));
});

describe('stepQuestion: Ansible\'s prompt, with its repr of a task or a handler', () => {
  it.each([
    ['one', false, 'Perform task: TASK: one (N)o/(y)es/(c)ontinue: '],
    ['reload nginx', true, 'Perform task: HANDLER: reload nginx (N)o/(y)es/(c)ontinue: '],
  ])('%s', (task, handler, expected) => expect(stepQuestion(task, handler as boolean)).toBe(expected));
});

/** A gate whose operator replies from a list; records the questions. */
function gate(replies: (string | null)[]) {
  const asked: string[] = [];
  const g = new StepGate(async (q) => {
    asked.push(q);
    return replies.length ? replies.shift()! : null;
  });
  return { g, asked };
}

describe('StepGate: one question per task for every host', () => {
  it('nothing to ask: a gate never used asks nothing', () => {
    expect(gate([]).asked).toEqual([]);
  });

  it('y, n: each task asked once; a second host takes the same answers without asking', async () => {
    const { g, asked } = gate(['y', 'n']);
    expect(await g.take('t1', 'one', false)).toBe(true);
    expect(await g.take('t2', 'two', false)).toBe(false);
    expect(await g.take('t1', 'one', false)).toBe(true);
    expect(await g.take('t2', 'two', false)).toBe(false);
    expect(asked).toHaveLength(2);
  });

  it('hosts reaching a task at once wait for one answer', async () => {
    const { g, asked } = gate(['y']);
    expect(await Promise.all([g.take('t1', 'one', false), g.take('t1', 'one', false), g.take('t1', 'one', false)])).toEqual([true, true, true]);
    expect(asked).toEqual(['Perform task: TASK: one (N)o/(y)es/(c)ontinue: ']);
  });

  it('questions come one at a time, in the order hosts reach their tasks', async () => {
    const { g, asked } = gate(['n', 'y']);
    const [a, b] = await Promise.all([g.take('t1', 'one', false), g.take('t2', 'two', false)]);
    expect([a, b]).toEqual([false, true]);
    expect(asked.map((q) => q.split(' ')[3])).toEqual(['one', 'two']);
  });

  it('c runs this task and every task not asked yet, without asking', async () => {
    const { g, asked } = gate(['n', 'c']);
    expect(await g.take('t1', 'one', false)).toBe(false);
    expect(await g.take('t2', 'two', false)).toBe(true);
    expect(await g.take('t3', 'three', false)).toBe(true);
    expect(await g.take('h1', 'reload', true)).toBe(true);
    expect(await g.take('t1', 'one', false)).toBe(false); // answered before c: stays answered
    expect(asked).toHaveLength(2);
  });

  it('no answer can come (end of input): null, for this task and the ones after', async () => {
    const { g } = gate(['y', null]);
    expect(await g.take('t1', 'one', false)).toBe(true);
    expect(await g.take('t2', 'two', false)).toBeNull();
    expect(await g.take('t3', 'three', false)).toBeNull();
  });
});
