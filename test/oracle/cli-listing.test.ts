import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/provision.js';

/**
 * --list-hosts, --list-tasks, --list-tags against ansible-playbook's own: the
 * same playbook (tasks both tools know: command, debug) and inventory, each
 * flag combination through both; the output must be the same text. Ansible
 * prints a play's hosts from a Python set (an order that changes from run to
 * run), so the host lines are compared as sets and provision's must be in the
 * order the play runs them.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'provision-listing-'));
const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };
writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');
writeFileSync(join(dir, 'hosts.yaml'), 'web:\n  hosts:\n    web2:\n    web1:\ndb:\n  hosts:\n    db1:\n  children:\n    backup:\n      hosts:\n        bk1:\n');
writeFileSync(
  join(dir, 'site.yaml'),
  `- name: Web servers
  hosts: web
  tasks:
    - name: Install nginx
      command: echo nginx
      tags: [web, packages]
    - block:
        - name: Inner task
          command: echo inner
          tags: inner
        - command: echo unnamed
      rescue:
        - name: Rescue task
          debug: { msg: rescued }
      tags: [blocky]
    - name: Always here
      debug: { msg: hi }
      tags: always
- hosts: db:&backup:web
  tasks: []
- hosts: "db:!backup"
  tasks:
    - name: Check the database
      command: echo db
      tags: [db]
`,
);

const cases: string[][] = [
  ['--list-hosts'],
  ['--list-tasks'],
  ['--list-tags'],
  ['--list-hosts', '--list-tasks', '--list-tags'],
  ['--list-hosts', '-l', 'web1:db1'],
  ['--list-tasks', '-t', 'inner'],
  ['--list-tasks', '--skip-tags', 'web,blocky'],
  ['--list-tags', '-t', 'db'],
];

/** The listing with each play's host lines sorted (Ansible's come from a set). */
function hostLinesSorted(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {4}hosts \((\d+)\):$/.exec(lines[i]);
    out.push(lines[i]);
    if (!m) continue;
    const n = Number(m[1]);
    out.push(...lines.slice(i + 1, i + 1 + n).sort());
    i += n;
  }
  return out.join('\n');
}

describe('playbook listings against ansible-playbook', () => {
  it.each(cases.map((c) => [c.join(' '), c]))('%s', async (_, flags) => {
    const args = [join(dir, 'site.yaml'), '-i', join(dir, 'hosts.yaml'), ...flags];
    const ansible = await run('ansible-playbook', args, { env, cwd: dir });
    const ours = await runCli(args);
    expect(ours.stderr).toBe('');
    expect(ours.exitCode).toBe(0);
    expect(hostLinesSorted(ours.stdout)).toBe(hostLinesSorted(ansible.stdout));
  });

  it('lists hosts in the order the play runs them (inventory order of the pattern), and touches none', async () => {
    const ours = await runCli([join(dir, 'site.yaml'), '-i', join(dir, 'hosts.yaml'), '--list-hosts']);
    expect(ours.stdout).toContain('hosts (2):\n      web2\n      web1\n');
    // No run happened: no report was written.
    expect(ours.report).toBeUndefined();
  });
});

/**
 * The same listings for a project that reuses tasks: pre_tasks and post_tasks,
 * roles (with tags and a dependency), import_tasks, include_tasks,
 * import_role, include_role. Ansible lists a role's named tasks as
 * "ROLE : name", an import's tasks as its own, and a dynamic include as one
 * task (its name, or the module's) with its own tags.
 */
const reuseDir = mkdtempSync(join(tmpdir(), 'provision-listing-roles-'));
const reuseFiles: Record<string, string> = {
  'ansible.cfg': '[defaults]\n',
  'hosts.yaml': 'web:\n  hosts:\n    web1:\n',
  'roles/web/tasks/main.yml': '- name: web task\n  command: echo web\n  tags: [webt]\n- command: echo unnamed\n- import_tasks: extra.yml\n  tags: [imp]\n- include_tasks: extra.yml\n',
  'roles/web/tasks/extra.yml': '- name: extra task\n  debug: { msg: x }\n',
  'roles/web/meta/main.yml': 'dependencies: [base]\n',
  'roles/base/tasks/main.yml': '- name: base task\n  debug: { msg: b }\n  tags: [basic]\n',
  'roles/base/tasks/setup.yaml': '- name: base setup\n  debug: { msg: s }\n',
  'tasks/common.yaml': '- name: common one\n  debug: { msg: c }\n- block:\n    - name: common in a block\n      debug: { msg: b }\n',
  'site.yaml': `- name: Reuse
  hosts: web
  pre_tasks:
    - name: pre
      debug: { msg: pre }
      tags: [early]
  roles:
    - role: web
      tags: [r]
  tasks:
    - name: play task
      debug: { msg: t }
    - import_tasks: tasks/common.yaml
      tags: [common]
    - import_role: { name: base, tasks_from: setup }
    - include_role: { name: web }
      tags: [dyn]
    - name: named include
      include_tasks: tasks/common.yaml
  post_tasks:
    - name: post
      debug: { msg: post }
`,
};
for (const [name, text] of Object.entries(reuseFiles)) {
  mkdirSync(dirname(join(reuseDir, name)), { recursive: true });
  writeFileSync(join(reuseDir, name), text);
}
const reuseEnv = { ...env, HOME: reuseDir, ANSIBLE_CONFIG: join(reuseDir, 'ansible.cfg') };

describe('listings of roles and includes against ansible-playbook', () => {
  it.each([['--list-tasks'], ['--list-tags'], ['--list-tasks', '--list-tags', '-t', 'r'], ['--list-tasks', '--skip-tags', 'webt,common'], ['--list-tasks', '-t', 'dyn'], ['--list-tasks', '-t', 'imp,early']].map((c) => [c.join(' '), c]))('%s', async (_, flags) => {
    const args = [join(reuseDir, 'site.yaml'), '-i', join(reuseDir, 'hosts.yaml'), ...flags];
    const ansible = await run('ansible-playbook', args, { env: reuseEnv, cwd: reuseDir });
    const ours = await runCli(args);
    expect(ours.stderr).toBe('');
    expect(ours.exitCode).toBe(0);
    expect(ours.stdout).toBe(ansible.stdout);
  });
});
