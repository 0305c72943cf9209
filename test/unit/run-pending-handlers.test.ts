import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HandlerRecord } from '../../src/run/handler-record.js';
import { dueHandlers, nextContent, pendingHandlers, recordKeys, type HostRecord } from '../../src/run/pending-handlers.js';

const pendingOf = (names: string[]) => (n: string) => names.includes(n);

describe('nextContent: what a record file holds after a script', () => {
  it.each([
    ['nothing to do: empty, nothing pending, nothing added', [], [], [], undefined],
    ['nothing to do: holds what is pending', ['a'], ['a'], [], undefined],
    ['nothing to do: adds what it holds already', ['a'], ['a'], ['a'], undefined],
    ['adds a notification', [], [], ['a'], ['a']],
    ['adds beside what is still pending', ['a'], ['a'], ['b'], ['a', 'b']],
    ['takes back what is no longer pending', ['a', 'b'], ['b'], [], ['b']],
    ['empties: nothing pending', ['a'], [], [], []],
    ['takes back and adds in one', ['a'], [], ['b'], ['b']],
  ] as [string, string[], string[], string[], string[] | undefined][])('%s', (_, holds, pending, adding, expected) => {
    expect(nextContent(holds, pendingOf(pending), adding)).toEqual(expected);
  });
});

describe('recordKeys and dueHandlers', () => {
  const h = (name: string | undefined, listen: string[] = []) => ({ task: { name, listen } });
  const restart = h('restart app');
  const reload = h('reload web', ['web changed']);
  const topicOnly = h(undefined, ['web changed']);
  const handlers = [restart, reload, topicOnly];
  it.each([
    ['nothing notified: none due', [], [], []],
    ['by name', ['restart app'], [], [restart]],
    ['by topic: every handler listening, in definition order', ['web changed'], [], [reload, topicOnly]],
    ['answered No before: due again', [], [reload], [reload]],
  ] as [string, string[], (typeof restart)[], (typeof restart)[]][])('%s', (_, notified, declined, expected) => {
    expect(dueHandlers(handlers, new Set(notified), new Set(declined))).toEqual(expected);
  });
  it('a handler is recorded by its name, or by its topics when it has none', () => {
    expect(recordKeys(reload.task)).toEqual(['reload web']);
    expect(recordKeys(topicOnly.task)).toEqual(['web changed']);
  });
});

describe('HandlerRecord: the steps an apply script carries', () => {
  const files = pendingHandlers('play');
  const fresh = (holds: Partial<HostRecord> = {}) => new HandlerRecord(files, { root: [], user: [], ...holds });
  const names = (steps: { command: string }[]) => steps.map((s) => s.command);

  it('nothing to do: no notification, nothing stale, no step', () => {
    const r = fresh().forScript('root', pendingOf([]), []);
    expect([r.before, r.after]).toEqual([[], []]);
  });
  it('a notification goes before the task’s steps (no moment where the change is made and not recorded)', () => {
    const r = fresh().forScript('root', pendingOf([]), ['restart app']);
    expect(r.after).toEqual([]);
    expect(names(r.before)).toEqual([files.write('root', ['restart app']).command]);
  });
  it('taking back what has run goes after the steps: the handler stays recorded until its script succeeded', () => {
    const r = fresh({ root: ['restart app'] }).forScript('root', pendingOf([]), []);
    expect(r.before).toEqual([]);
    expect(names(r.after)).toEqual([files.write('root', []).command]);
  });
  it('a script of the other privilege does not touch this file; the end of the play does', () => {
    const record = fresh({ root: ['restart app'] });
    expect(record.forScript('user', pendingOf([]), []).after).toEqual([]);
    expect(record.stale(pendingOf([])).map((s) => s.file)).toEqual(['root']);
  });
  // The task then turned out not to notify (it failed): whatever the host holds of it must be taken back.
  it.each([
    ['the script succeeded: the file holds the notification', {}, ['root']],
    ['a later step failed: the early record was written', { error: 'x', failedStep: 1 }, ['root']],
    ['the early record itself failed: the file is as it was, nothing to take back', { error: 'x', failedStep: 0 }, []],
    ['died without saying where: written again at the next chance', { error: 'x' }, ['root']],
  ])('%s', (_, result, staleAfter) => {
    const record = fresh();
    record.forScript('root', pendingOf([]), ['restart app']).settle(result);
    expect(record.stale(pendingOf([])).map((s) => s.file)).toEqual(staleAfter);
  });
});

describe('HandlerRecord: notifications without a script, and handlers that notify', () => {
  const files = pendingHandlers('play');
  const fresh = (holds: Partial<HostRecord> = {}) => new HandlerRecord(files, { root: [], user: [], ...holds });
  const write = (file: 'root' | 'user', names: string[]) => files.write(file, names).command;
  const commands = (steps: { command: string }[]) => steps.map((s) => s.command);

  it('nothing to do: nothing owed, nothing stale, no script at the end', () => {
    expect(fresh().stale(pendingOf([]))).toEqual([]);
  });
  it('owed (a debug changed): the next script of its privilege writes it before its steps; none of its own', () => {
    const record = fresh();
    record.owe('root', ['restart app']);
    expect(record.forScript('user', pendingOf(['restart app']), []).before).toEqual([]);
    const r = record.forScript('root', pendingOf(['restart app']), []);
    expect([commands(r.before), r.after]).toEqual([[write('root', ['restart app'])], []]);
    r.settle({});
    expect(record.stale(pendingOf(['restart app']))).toEqual([]);
  });
  it('owed and no script after it (the run failed): the end of the play writes it', () => {
    const record = fresh();
    record.owe('root', ['restart app']);
    expect(record.stale(pendingOf(['restart app'])).map((s) => s.step.command)).toEqual([write('root', ['restart app'])]);
  });
  it('nothing to do: owed, but its handler ran already: nothing is written', () => {
    const record = fresh();
    record.owe('root', ['restart app']);
    expect(record.stale(pendingOf([]))).toEqual([]);
    expect(record.forScript('root', pendingOf([]), [])).toMatchObject({ before: [], after: [] });
  });
  it('a handler that notifies: its notifications and itself before its steps, itself taken out after', () => {
    const r = fresh({ root: ['A'] }).forScript('root', pendingOf([]), ['B'], ['A']);
    expect([commands(r.before), commands(r.after)]).toEqual([[write('root', ['A', 'B'])], [write('root', ['B'])]]);
  });
  it('a handler that notifies itself: spent when it ends, as in Ansible', () => {
    const r = fresh({ root: ['A'] }).forScript('root', pendingOf([]), ['A'], ['A']);
    expect([r.before, commands(r.after)]).toEqual([[], [write('root', [])]]);
  });
  // What the file holds after the script, seen from the end of a play where only B is still pending.
  it.each([
    ['its steps failed: the file holds it and what it notified', { error: 'x', failedStep: 1 }, [write('root', ['B'])]],
    ['it succeeded: the file holds only what it notified', {}, []],
  ])('a handler that notifies, %s', (_, result, staleAfter) => {
    const record = fresh({ root: ['A'] });
    record.forScript('root', pendingOf([]), ['B'], ['A']).settle(result);
    expect(record.stale(pendingOf(['B'])).map((s) => s.step.command)).toEqual(staleAfter);
  });
});

describe('the record on a real shell: written by the step, read by the fact', () => {
  const home = mkdtempSync(join(tmpdir(), 'provision-record-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const sh = (script: string): string => execFileSync('sh', ['-c', script], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
  const files = pendingHandlers('a play');
  const troublesome = [`it's "quoted"`, 'costs $HOME `id` @host:/path # not a comment', '  spaced  '];

  it('nothing to do: no file, the fact reads an empty record', () => {
    expect(files.fact.parse({ stdout: sh(files.fact.script), exitCode: 0 })).toEqual({ root: [], user: [] });
  });
  it('names with quotes, $, backticks, @, :, /, # and spaces come back as written; an empty write removes the file', () => {
    sh(files.write('user', troublesome).command);
    const dir = join(home, '.provision/pending-handlers');
    expect(readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual([troublesome.map((n) => `${n}\n`).join('')]);
    expect(files.fact.parse({ stdout: sh(files.fact.script), exitCode: 0 })).toEqual({ root: [], user: troublesome });
    sh(files.write('user', []).command);
    expect(files.fact.parse({ stdout: sh(files.fact.script), exitCode: 0 })).toEqual({ root: [], user: [] });
  });
});
