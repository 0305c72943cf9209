import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * Which flush runs a handler that a handler notifies again, against
 * ansible-playbook 2.14. Ansible's play has three flushes (after pre_tasks,
 * after roles and tasks, after post_tasks, each there even when its section is
 * empty), and each is one pass over the handlers in definition order: a
 * handler that already ran in a pass, or that comes before the one notifying
 * it, runs at the next flush, however often it ran before. The same playbook
 * run by ansible-playbook (on localhost) and by provision over a real sshd must
 * run the same tasks and handlers in the same order, each changed or not alike.
 */
const run = promisify(execFile);
const { sshd } = useTestSshd('provision-handler-flushes-');

/** A task or handler that reports a change and notifies `notify`; `extra`: more keys, already indented. */
const changing = (name: string, notify: string[] = [], extra = ''): string =>
  `    - name: ${name}\n      debug: { msg: ${name} }\n      changed_when: true\n${notify.length ? `      notify: [${notify.join(', ')}]\n` : ''}${extra}`;
const quiet = (name: string, notify: string[] = []): string => `    - name: ${name}\n      debug: { msg: ${name} }\n${notify.length ? `      notify: [${notify.join(', ')}]\n` : ''}`;
const flush = '    - name: flush here\n      meta: flush_handlers\n';

const cases: [string, string, string[]?][] = [
  ['the end: a handler that ran is notified again by a later one: it runs again at the last flush', `  tasks:\n${changing('task', ['A', 'B'])}  handlers:\n${changing('A')}${changing('B', ['A'])}`],
  ['the end with post_tasks: it runs again after them', `  tasks:\n${changing('task', ['A', 'B'])}  post_tasks:\n${changing('post')}  handlers:\n${changing('A')}${changing('B', ['A'])}`],
  ['post_tasks that notify: their flush runs both the new and the re-notified', `  tasks:\n${changing('task', ['B'])}  post_tasks:\n${changing('post', ['C'])}  handlers:\n${changing('A')}${changing('B', ['A'])}${changing('C')}`],
  ['post_tasks: a chain back from their flush is dropped, theirs being the last', `  tasks:\n${changing('task')}  post_tasks:\n${changing('post', ['B'])}  handlers:\n${changing('A')}${changing('B', ['A'])}`],
  ['after pre_tasks: the re-notified one runs at the end of the tasks', `  pre_tasks:\n${changing('pre', ['A', 'B'])}  tasks:\n${changing('task')}  handlers:\n${changing('A')}${changing('B', ['A'])}`],
  ['a chain back three links: the third never runs (two flushes left)', `  tasks:\n${changing('task', ['D'])}  handlers:\n${changing('A')}${changing('B', ['A'])}${changing('C', ['B'])}${changing('D', ['C'])}`],
  ['two that notify each other: back and forth until the flushes run out', `  tasks:\n${changing('task', ['A'])}  handlers:\n${changing('A', ['B'])}${changing('B', ['A'])}`],
  ['a handler notifying itself: spent when it ends', `  tasks:\n${changing('task', ['A'])}  handlers:\n${changing('A', ['A'])}${changing('B', ['B'])}`],
  [
    'meta: flush_handlers mid-play: what a handler there notifies again runs at the end, twice over',
    `  tasks:\n${changing('task', ['A', 'B'])}${flush}${changing('after the flush')}  handlers:\n${changing('A')}${changing('B', ['A'])}`,
  ],
  [
    'two mid-play flushes and the end: a ping-pong lasts as long as there are flushes',
    `  tasks:\n${changing('task', ['A'])}${flush}${changing('between')}${flush}${quiet('last')}  handlers:\n${changing('A', ['B'])}${changing('B', ['A'])}`,
  ],
  [
    'listen topics: a later handler notifies a topic an earlier one listens to',
    `  tasks:\n${changing('task', ['A', 'B'])}  handlers:\n${changing('A', [], '      listen: restart things\n')}${changing('B', ['restart things'])}${changing('C', [], '      listen: restart things\n')}`,
  ],
  [
    '--tags: the flush before post_tasks is kept (Ansible never filters its implicit flushes)',
    `  tasks:\n${changing('task', ['A'], '      tags: x\n')}${changing('untagged')}  post_tasks:\n${changing('post', [], '      tags: x\n')}  handlers:\n${changing('A')}`,
    ['--tags', 'x'],
  ],
  ['nothing to do: handlers that do not change notify nothing', `  tasks:\n${changing('task', ['A', 'B'])}  handlers:\n${quiet('A')}${quiet('B', ['A'])}`],
];

describe('handlers notified again within a flush, against ansible-playbook', () => {
  it.each(cases)('%s', async (_name, body, args = []) => {
    const dir = writeProject({
      'ansible.cfg': '[defaults]\n',
      'local.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
      'site.yaml': `- hosts: all\n  gather_facts: false\n${body}`,
    });
    const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
    const [out, ours] = await Promise.all([run('ansible-playbook', ['-i', join(dir, 'local.ini'), join(dir, 'site.yaml'), ...args], { env, cwd: dir }), runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), ...args])]);
    type Played = { task: { name: string }; hosts: Record<string, { changed?: boolean }> };
    const theirs = (JSON.parse(out.stdout) as { plays: { tasks: Played[] }[] }).plays[0].tasks
      .filter((t) => t.task.name !== 'flush here')
      .map((t) => `${t.task.name}: ${t.hosts.local.changed ? 'changed' : 'ok'}`);
    expect(ours.stderr).toBe('');
    expect(ours.exitCode).toBe(0);
    const mine = ours.report!.hosts.local.tasks.filter((t) => t.type !== 'meta').map((t) => `${t.name}: ${t.status}`);
    // Ansible ran more than the task (equal lists of one line would prove little).
    expect(theirs.length).toBeGreaterThan(1);
    expect(mine).toEqual(theirs);
  }, 120_000);
});

/**
 * --step: a handler answered No stays notified, so each flush left asks it
 * again (the two at the end of a play without post_tasks: asked twice; with
 * post_tasks: once). Compared: the questions asked, in order, and how often
 * each handler ran (a line appended to a file of its own per run).
 */
const QUESTION = /Perform task: ((?:TASK|HANDLER): .+?) \(N\)o\/\(y\)es\/\(c\)ontinue: /g;
/** The questions in the order asked. Ansible prints each twice (the prompt, then a banner of it): once is kept. */
function questions(text: string): string[] {
  const all = [...text.matchAll(QUESTION)].map((m) => m[1]);
  return all.filter((q, i) => i === 0 || q !== all[i - 1]);
}

const appending = (name: string, out: string, notify: string[] = []): string =>
  `    - name: ${name}\n      command: { argv: [sh, -c, 'echo run >> "$1"', sh, ${out}/${name}] }\n${notify.length ? `      notify: [${notify.join(', ')}]\n` : ''}`;

const stepCases: [string, string, (out: string) => string][] = [
  ['no post_tasks: answered No at the first end flush, asked again at the second', 'y\nn\ny\n', (out) => `  tasks:\n${appending('task', out, ['A'])}  handlers:\n${appending('A', out)}`],
  ['no post_tasks: No twice, never run', 'y\nn\nn\n', (out) => `  tasks:\n${appending('task', out, ['A'])}  handlers:\n${appending('A', out)}`],
  ['post_tasks: the end is one flush, so No there drops it', 'y\ny\nn\ny\n', (out) => `  tasks:\n${appending('task', out)}  post_tasks:\n${appending('post', out, ['A'])}  handlers:\n${appending('A', out)}`],
  ['a handler notified again after it ran and answered No: asked at the last flush again', 'y\ny\ny\nn\n', (out) => `  tasks:\n${appending('task', out, ['A', 'B'])}  handlers:\n${appending('A', out)}${appending('B', out, ['A'])}`],
];

describe('--step at the play end flushes, against ansible-playbook --step', () => {
  it.each(stepCases)('%s', async (_name, answers, body) => {
    const runs = (out: string): Record<string, number> =>
      Object.fromEntries(['task', 'post', 'A', 'B'].map((n) => [n, existsSync(join(out, n)) ? readFileSync(join(out, n), 'utf8').split('\n').filter(Boolean).length : 0]));
    const theirsDir = writeProject({ 'ansible.cfg': '[defaults]\n', 'local.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n' });
    const oursDir = writeProject({});
    writeFileSync(join(theirsDir, 'site.yaml'), `- hosts: all\n  gather_facts: false\n${body(theirsDir)}`);
    writeFileSync(join(oursDir, 'site.yaml'), `- hosts: all\n  gather_facts: false\n${body(oursDir)}`);
    const env = { ...process.env, HOME: theirsDir, ANSIBLE_CONFIG: join(theirsDir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };
    const a = spawnSync('ansible-playbook', ['-i', join(theirsDir, 'local.ini'), '--step', join(theirsDir, 'site.yaml')], { encoding: 'utf8', input: answers, env, cwd: theirsDir });
    expect(a.status, a.stdout + a.stderr).toBe(0);
    const ours = await runCli([join(oursDir, 'site.yaml'), '-i', sshd.inventory(), '--step'], {}, { input: answers });
    expect(ours.exitCode, ours.stderr).toBe(0);
    const asked = questions(a.stdout);
    expect(asked.filter((q) => q.startsWith('HANDLER')).length).toBeGreaterThan(0);
    expect(questions(ours.stderr)).toEqual(asked);
    expect(runs(oursDir)).toEqual(runs(theirsDir));
  }, 120_000);
});
