import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * Handlers that notify handlers, against ansible-playbook: each flush is one
 * pass over the handlers in definition order, so a handler notified by a
 * handler before it runs in the same flush, one defined earlier waits for the
 * next flush (after the last one: never), and a handler's notification of
 * itself is spent when it ends. The same playbook run by ansible-playbook (on
 * localhost) and by provision over a real sshd must run the same tasks and
 * handlers in the same order, each changed or not alike.
 */
const run = promisify(execFile);
const { sshd } = useTestSshd('provision-handler-chains-');

/** A handler (or task) that reports a change and notifies `notify`, on both tools. */
const changing = (name: string, notify: string[] = [], extra = ''): string =>
  `    - name: ${name}\n      debug: { msg: ${name} }\n      changed_when: true\n${notify.length ? `      notify: [${notify.join(', ')}]\n` : ''}${extra}`;
const quiet = (name: string, extra = ''): string => `    - name: ${name}\n      debug: { msg: ${name} }\n${extra}`;

const cases: [string, string][] = [
  [
    'notifies one after it (same flush) and one before it (the next flush: the play end)',
    `  tasks:\n${changing('task', ['A'])}  handlers:\n${quiet('C')}${changing('A', ['B', 'C'])}${quiet('B')}`,
  ],
  [
    'at a mid-play flush: the earlier one waits for the end of the play; a notification of itself is spent',
    `  tasks:\n${changing('task', ['A'])}    - name: flush here\n      meta: flush_handlers\n${quiet('after the flush')}  handlers:\n${changing('C', ['topic'])}${changing('A', ['B', 'C', 'A'])}${quiet('B')}${quiet('D', '      listen: topic\n')}`,
  ],
  [
    'a chain that goes back past the last flush: Ansible never runs the last link',
    `  tasks:\n${changing('task', ['A'])}  handlers:\n${quiet('B0')}${changing('C', ['B0'])}${changing('A', ['C', 'A'])}`,
  ],
  [
    'nothing to do: a handler that does not change notifies nothing',
    `  tasks:\n${changing('task', ['A'])}  handlers:\n${quiet('B')}${quiet('A', '      notify: B\n')}`,
  ],
];

describe('handlers notifying handlers, against ansible-playbook', () => {
  it.each(cases)('%s', async (_name, body) => {
    const dir = writeProject({
      'ansible.cfg': '[defaults]\n',
      'local.ini': 'local ansible_connection=local\n',
      'site.yaml': `- hosts: all\n  gather_facts: false\n${body}`,
    });
    const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
    const out = await run('ansible-playbook', ['-i', join(dir, 'local.ini'), join(dir, 'site.yaml')], { env, cwd: dir });
    type Played = { task: { name: string }; hosts: Record<string, { changed?: boolean }> };
    const theirs = (JSON.parse(out.stdout) as { plays: { tasks: Played[] }[] }).plays[0].tasks
      .filter((t) => t.task.name !== 'flush here')
      .map((t) => `${t.task.name}: ${t.hosts.local.changed ? 'changed' : 'ok'}`);
    const ours = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory()]);
    expect(ours.stderr).toBe('');
    expect(ours.exitCode).toBe(0);
    const names = ours.report!.hosts.local.tasks.filter((t) => t.type !== 'meta').map((t) => `${t.name}: ${t.status}`);
    expect(names).toEqual(theirs);
  }, 120_000);
});
