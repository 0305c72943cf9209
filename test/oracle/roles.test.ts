import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, beforeAll } from 'vitest';
import { compile, staticTasks } from '../../src/compile.js';
import { loadInventory } from '../../src/inventory/load.js';
import { loadPlaybook } from '../../src/playbook.js';
import { writeProject } from '../support/provision.js';

/**
 * Variable precedence with roles, against ansible-playbook 2.14: the same
 * project (roles with defaults, vars, params and a dependency, vars_files,
 * inventory group and host vars, play, block, task and import vars, -e) run
 * by Ansible (debug tasks only, so no host is contacted) and compiled by
 * provision; every task must show the same value, in the same order.
 */
const run = promisify(execFile);

const project: Record<string, string> = {
  'ansible.cfg': '[defaults]\n',
  'inventory/hosts.yaml': 'web:\n  hosts:\n    h1:\n  vars:\n    v_def_inv: inventory-group\n    v_inv_host: inventory-group\n',
  'inventory/host_vars/h1.yaml': 'v_inv_host: host-vars\nv_hostvars_rolevars: host-vars\n',
  'vars/common.yaml': 'v_varsfiles_play: vars-file\nv_varsfiles_rolevars: vars-file\n',
  'site.yaml': `- hosts: web
  gather_facts: false
  vars_files: [vars/common.yaml]
  vars:
    v_def_play: play
    v_play_rolevars: play
    v_varsfiles_play: play
  pre_tasks:
    - name: pre_tasks see the roles' vars already
      debug: { msg: "{{ v_exported }}" }
  roles:
    - role: app
      vars: { v_entryvars_rolevars: entry-vars, v_entry_only: entry-vars }
      v_taskvars_param: param
      v_param_extra: param
      v_dep_param: parent-param
  tasks:
    - name: a play task sees role vars over play vars
      debug: { msg: "{{ v_play_rolevars }}" }
    - import_tasks: tasks/imported.yaml
      vars: { v_incparam_task: include-param }
    - import_role: { name: app, tasks_from: other }
    - block:
        - name: task vars over block vars
          vars: { v_block_task: task }
          debug: { msg: "{{ v_block_task }}" }
        - name: block vars over role vars
          debug: { msg: "{{ v_block_rolevars }}" }
        - name: the vars of a role imported by a role reach the play
          debug: { msg: "{{ v_inner }} {{ v_def_play }}" }
      vars: { v_block_task: block, v_block_rolevars: block }
`,
  'tasks/imported.yaml': `- name: include params over task vars
  vars: { v_incparam_task: task }
  debug: { msg: "{{ v_incparam_task }}" }
`,
  'roles/app/defaults/main.yml': 'v_def_only: role-default\nv_def_inv: role-default\nv_def_play: role-default\nv_app_vs_dep_default: app-default\n',
  'roles/app/vars/main.yml': 'v_play_rolevars: role-vars\nv_varsfiles_rolevars: role-vars\nv_rolevars_task: role-vars\nv_hostvars_rolevars: role-vars\nv_entryvars_rolevars: role-vars\nv_exported: role-vars\nv_block_rolevars: role-vars\n',
  'roles/app/meta/main.yml': 'dependencies:\n  - role: base\n    v_dep_own_param: dep-param\n',
  'roles/app/tasks/main.yml': `- name: role default alone
  debug: { msg: "{{ v_def_only }}" }
- name: inventory over role default
  debug: { msg: "{{ v_def_inv }}" }
- name: host_vars over group vars
  debug: { msg: "{{ v_inv_host }}" }
- name: play vars over role default
  debug: { msg: "{{ v_def_play }}" }
- name: vars_files over play vars
  debug: { msg: "{{ v_varsfiles_play }}" }
- name: role vars over vars_files
  debug: { msg: "{{ v_varsfiles_rolevars }}" }
- name: role vars over host_vars
  debug: { msg: "{{ v_hostvars_rolevars }}" }
- name: vars/main over the entry's vars
  debug: { msg: "{{ v_entryvars_rolevars }}" }
- name: the entry's vars
  debug: { msg: "{{ v_entry_only }}" }
- name: task vars over role vars
  vars: { v_rolevars_task: task }
  debug: { msg: "{{ v_rolevars_task }}" }
- name: role params over task vars
  vars: { v_taskvars_param: task }
  debug: { msg: "{{ v_taskvars_param }}" }
- name: -e over role params
  debug: { msg: "{{ v_param_extra }}" }
- name: a role's own default over its dependency's
  debug: { msg: "{{ v_app_vs_dep_default }}" }
`,
  'roles/app/tasks/other.yml': `- name: tasks_from
  debug: { msg: "other {{ v_def_only }}" }
- import_role: { name: inner }
`,
  'roles/inner/vars/main.yml': 'v_inner: inner-vars\nv_def_play: inner-vars\n',
  'roles/inner/tasks/main.yml': `- name: a role imported by a role
  debug: { msg: "{{ v_inner }}" }
`,
  'roles/base/defaults/main.yml': 'v_app_vs_dep_default: base-default\n',
  'roles/base/tasks/main.yml': `- name: the dependency runs first, with its own default over its parent's
  debug: { msg: "{{ v_app_vs_dep_default }}" }
- name: the dependency sees its parent's params
  debug: { msg: "{{ v_dep_param }}" }
- name: the dependency's own params
  debug: { msg: "{{ v_dep_own_param }}" }
`,
};

type Shown = { name: string; msg: unknown }[];
let dir: string;
let ansible: Shown;
let ours: Shown;

beforeAll(async () => {
  dir = writeProject(project);
  const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
  const out = await run('ansible-playbook', ['-i', join(dir, 'inventory/hosts.yaml'), join(dir, 'site.yaml'), '-e', 'v_param_extra=extra'], { env, cwd: dir });
  const json = JSON.parse(out.stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, { msg?: unknown }> }[] }[] };
  ansible = json.plays[0].tasks.map((t) => ({ name: t.task.name, msg: t.hosts.h1?.msg }));
  const [h1] = compile(loadPlaybook(join(dir, 'site.yaml')), loadInventory(join(dir, 'inventory/hosts.yaml'), { playbookDir: dir }), { extraVars: { v_param_extra: 'extra' } });
  ours = staticTasks(h1.plays[0]).map((t) => ({ name: t.name, msg: (t.args as { msg?: unknown }).msg }));
}, 120_000);

describe('role variable precedence against ansible-playbook', () => {
  it('runs the same tasks in the same order (dependency first, then the role, tasks_from)', () => {
    expect(ansible.length).toBeGreaterThanOrEqual(20);
    expect(ours.map((t) => t.name)).toEqual(ansible.map((t) => t.name));
  });

  it.each(Object.values(project).flatMap((text) => [...text.matchAll(/- name: (.+)\n/g)].map((m) => m[1])))('%s', (name) => {
    const theirs = ansible.filter((t) => t.name.replace(/^\w+ : /, '') === name);
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours.filter((t) => t.name.replace(/^\w+ : /, '') === name).map((t) => t.msg)).toEqual(theirs.map((t) => t.msg));
  });

  it('role vars beat play vars (Ansible\'s order; the issue had them the other way round)', () => {
    expect(ansible.find((t) => t.name === 'a play task sees role vars over play vars')?.msg).toBe('role-vars');
    expect(ours.find((t) => t.name === 'a play task sees role vars over play vars')?.msg).toBe('role-vars');
  });
});

/**
 * Includes against Ansible: include_tasks with a loop (per item, index_var),
 * include params above task vars and role params, include_role with vars and
 * tasks_from, nested imports relative to the importing file.
 */
const includes: Record<string, string> = {
  'ansible.cfg': '[defaults]\n',
  'hosts.yaml': 'all:\n  hosts:\n    h1:\n      users: [ann, "bob o\'neil"]\n',
  'site.yaml': `- hosts: all
  gather_facts: false
  vars:
    v_inc: play
  tasks:
    - include_tasks: tasks/per-user.yaml
      loop: "{{ users }}"
      loop_control: { loop_var: user, index_var: i }
      vars: { v_inc: include-param }
    - include_role: { name: db, tasks_from: users }
      vars: { v_db: include-role-vars }
    - import_tasks: tasks/nested/outer.yaml
`,
  'tasks/per-user.yaml': `- name: per user
  vars: { v_inc: task }
  debug: { msg: "{{ i }} {{ user }} {{ v_inc }}" }
`,
  'tasks/nested/outer.yaml': '- import_tasks: inner.yaml\n',
  'tasks/nested/inner.yaml': '- name: inner, found beside outer\n  debug: { msg: inner }\n',
  'roles/db/defaults/main.yaml': 'v_db: default\nv_db_default: db-default\n',
  'roles/db/tasks/users.yaml': `- name: include_role vars over role defaults
  debug: { msg: "{{ v_db }} {{ v_db_default }}" }
`,
};

describe('includes against ansible-playbook', () => {
  let theirs: Shown;
  let mine: Shown;
  beforeAll(async () => {
    const d = writeProject(includes);
    const env = { ...process.env, HOME: d, ANSIBLE_CONFIG: join(d, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
    const out = await run('ansible-playbook', ['-i', join(d, 'hosts.yaml'), join(d, 'site.yaml')], { env, cwd: d });
    const json = JSON.parse(out.stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, { msg?: unknown; action?: string }> }[] }[] };
    // Ansible reports each include itself as a task too; provision's includes are expanded before the run.
    theirs = json.plays[0].tasks.filter((t) => !/^include_/.test(t.hosts.h1?.action ?? '')).map((t) => ({ name: t.task.name, msg: t.hosts.h1?.msg }));
    const [h1] = compile(loadPlaybook(join(d, 'site.yaml')), loadInventory(join(d, 'hosts.yaml'), { playbookDir: d }), {});
    mine = staticTasks(h1.plays[0]).map((t) => ({ name: t.name, msg: (t.args as { msg?: unknown }).msg }));
  }, 120_000);

  it('the same tasks with the same values, in order', () => {
    expect(theirs.length).toBe(4);
    expect(mine).toEqual(theirs);
  });
});
