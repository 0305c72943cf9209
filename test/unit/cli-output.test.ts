import { describe, expect, it } from 'vitest';
import { outputBlock, wantsColor } from '../../src/output/format.js';
import { PlainReporter } from '../../src/output/reporter.js';
import type { TaskResult } from '../../src/run/events.js';
import { Secret } from '../../src/secret.js';

describe('wantsColor: the conventions of terminals and CI systems', () => {
  it.each([
    ['a terminal, nothing set', {}, true, true],
    ['a pipe, nothing set', {}, false, false],
    ['NO_COLOR on a terminal', { NO_COLOR: '1' }, true, false],
    ['NO_COLOR empty is unset', { NO_COLOR: '' }, true, true],
    ['TERM=dumb on a terminal', { TERM: 'dumb' }, true, false],
    ['FORCE_COLOR on a pipe', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR empty means on', { FORCE_COLOR: '' }, false, true],
    ['FORCE_COLOR=3', { FORCE_COLOR: '3' }, false, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=false', { FORCE_COLOR: 'false' }, true, false],
    ['FORCE_COLOR wins over NO_COLOR and TERM=dumb (as in Node)', { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' }, false, true],
  ])('%s', (_, env, tty, expected) => {
    expect(wantsColor(env as Record<string, string>, tty as boolean)).toBe(expected);
  });
});

const troublesome = `p'a"s$s\`w@r:d/#x y`;

function result(extra: Partial<TaskResult>): TaskResult {
  return { host: 'web1', play: 'p', task: 'run it', type: 'command', handler: false, status: 'changed', changed: true, simulated: false, message: 'ran', durationMs: 1, ...extra };
}

describe('command output under the result line', () => {
  it('nothing printed: nothing shown', () => {
    expect(outputBlock({}, { color: false })).toEqual([]);
    expect(outputBlock({ stdout: '', stderr: '' }, { color: false })).toEqual([]);
  });

  it('stdout and stderr, one prefixed line each, a secret masked', () => {
    new Secret(troublesome);
    expect(outputBlock({ stdout: `hello\ntoken=${troublesome}\n`, stderr: 'warn\n' }, { color: false })).toEqual(['    stdout| hello', '    stdout| token=********', '    stderr| warn']);
  });

  it.each([
    [0, ['web1 | changed | run it | ran']],
    [1, ['web1 | changed | run it | ran', '    stdout| out']],
    [3, ['web1 | changed | run it | ran', '    stdout| out']],
  ])('the plain reporter at -v count %i', (verbose, expected) => {
    const lines: string[] = [];
    const reporter = new PlainReporter({ diff: false, verbose, style: { color: false }, write: (t) => lines.push(t) });
    reporter.onEvent({ type: 'task-result', result: result({ stdout: 'out\n' }) });
    expect(lines).toEqual(expected);
  });
});

describe('the plain reporter and a task\'s plan (-vv)', () => {
  const plan = { type: 'task-plan' as const, host: 'web1', task: 'env file', handler: false, facts: { dest: { exists: false } }, plan: { changes: [{ summary: `write /opt/.env`, steps: [{ kind: 'write' as const, path: '/opt/.env', content: new Secret(troublesome), mode: '0600' }] }] } };
  it.each([
    [0, []],
    [1, []],
    [2, ['web1 | facts | env file | dest = {"exists":false}', 'web1 | plan | env file | write /opt/.env', '    step| write /opt/.env (mode 0600)']],
    [3, ['web1 | facts | env file | dest = {"exists":false}', 'web1 | plan | env file | write /opt/.env', '    step| write /opt/.env (mode 0600)']],
  ])('at -v count %i', (verbose, expected) => {
    const lines: string[] = [];
    new PlainReporter({ diff: false, verbose, style: { color: false }, write: (t) => lines.push(t) }).onEvent(plan);
    expect(lines).toEqual(expected);
  });

  it('a handler\'s loop item, with nothing to do', () => {
    const lines: string[] = [];
    new PlainReporter({ diff: false, verbose: 2, style: { color: false }, write: (t) => lines.push(t) }).onEvent({ ...plan, handler: true, item: 'a', facts: {}, plan: { changes: [], ok: 'up to date' } });
    expect(lines).toEqual(['web1 | plan | handler: env file (item=a) | nothing to do: up to date']);
  });
});
