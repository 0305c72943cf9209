import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * When handlers run in a play with pre_tasks, roles, tasks and post_tasks:
 * the same playbook run by ansible-playbook (on localhost: commands that change
 * nothing but report a change) and by provision over a real sshd; the order of
 * tasks and handlers must be the same (provision's explicit flush tasks aside).
 */
const run = promisify(execFile);
let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

const files = {
  'ansible.cfg': '[defaults]\n',
  'local.ini': 'local ansible_connection=local\n',
  'site.yaml': `- hosts: all
  gather_facts: false
  pre_tasks:
    - name: pre
      command: { argv: ["true"] }
      notify: play handler
  roles: [web]
  tasks:
    - name: task
      command: { argv: ["true"] }
      notify: [play handler, reload]
  post_tasks:
    - name: post
      command: { argv: ["true"] }
      notify: "web : reload"
  handlers:
    - name: play handler
      debug: { msg: handled }
`,
  'roles/web/tasks/main.yaml': '- name: role task\n  command: { argv: ["true"] }\n  notify: reload\n',
  'roles/web/handlers/main.yaml': '- name: reload\n  debug: { msg: reloaded }\n',
};

describe('handler flushes against ansible-playbook', () => {
  it('pre_tasks, their handlers, roles and tasks, their handlers, post_tasks, theirs', async () => {
    const dir = writeProject(files);
    const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
    const out = await run('ansible-playbook', ['-i', join(dir, 'local.ini'), join(dir, 'site.yaml')], { env, cwd: dir });
    const theirs = (JSON.parse(out.stdout) as { plays: { tasks: { task: { name: string } }[] }[] }).plays[0].tasks.map((t) => t.task.name);
    const ours = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory()]);
    expect(ours.stderr).toBe('');
    expect(ours.exitCode).toBe(0);
    const names = ours.report!.hosts.local.tasks.map((t) => t.name).filter((n) => n !== 'meta flush_handlers');
    expect(theirs.length).toBe(8);
    expect(names).toEqual(theirs);
  }, 120_000);
});
