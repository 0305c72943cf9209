import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeProject, type ProvisionResult } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * Variables that read run-time values (host facts, registered results), against
 * ansible-playbook 2.14: the same playbook, group_vars, role and template run by
 * Ansible on this machine (`ansible_connection=local`) and by provision on this
 * machine through a real sshd on loopback. The facts compared are ones both read
 * the same way from the same machine (distribution release, host name, system).
 * Every task's messages (and skips) must be the same, and so must the file the
 * template writes.
 */
const run = promisify(execFile);

const project: Record<string, string> = {
  'ansible.cfg': '[defaults]\n',
  'hosts.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
  'group_vars/all.yaml': [
    'release: "{{ ansible_distribution_release }}"',
    'host_part: "{{ ansible_hostname }}"',
    // The same name as a fact: Ansible puts facts above inventory variables.
    'ansible_system: inventory-system',
    'plain: "plain-{{ inventory_hostname }}"',
    '',
  ].join('\n'),
  'site.yaml': `- hosts: all
  vars:
    web_root: "/srv/{{ ansible_hostname }}"
    greeting: "{{ result.stdout }} world"
    chained: "{{ host_part }}-chained"
    first_word: "{{ result.stdout }}"
    lines_of: "{{ listing.stdout_lines }}"
  tasks:
    - name: plain variable
      debug: { msg: "{{ plain }}" }
    - name: fact in group_vars
      debug: { msg: "{{ release }}" }
    - name: fact in play vars
      debug: { msg: "{{ web_root }}" }
    - name: chain through a variable to a fact
      debug: { msg: "{{ chained }}" }
    - name: fact over inventory variable of the same name
      debug: { msg: "{{ ansible_system }}" }
    - name: register
      command: echo hello
      register: result
    - name: registered result in play vars
      debug: { msg: "{{ greeting }}" }
    - name: registered result over task vars
      vars: { result: { stdout: from-task-vars } }
      debug: { msg: "{{ result.stdout }}" }
    - name: register ev
      command: echo registered-ev
      register: ev
    - name: extra vars over registered result
      debug: { msg: "{{ ev }}" }
    - name: variable in when
      when: first_word == 'hello'
      debug: { msg: "when held" }
    - name: variable in when, false
      when: first_word == 'other'
      debug: { msg: "should be skipped" }
    - name: listing
      command: printf 'a\\nb\\n'
      register: listing
    - name: variable in loop
      loop: "{{ lines_of }}"
      debug: { msg: "item {{ item }}" }
    - name: variable in a template file
      template: { src: page.txt, dest: "{{ out_dir }}/page.txt" }
    - include_role: { name: show }
      vars: { shown: "{{ ansible_hostname }}-role" }
    - name: changed_when on debug notifies
      debug: { msg: "notifying" }
      changed_when: true
      notify: the handler
  handlers:
    - name: the handler
      debug: { msg: "handler ran" }
`,
  'templates/page.txt': 'release {{ release }} on {{ host_part }} says {{ greeting }}\n',
  'roles/show/tasks/main.yml': `- name: include_role vars
  debug: { msg: "{{ shown }}" }
- name: role default from a fact
  debug: { msg: "{{ role_release }}" }
`,
  'roles/show/defaults/main.yml': 'role_release: "{{ ansible_distribution_release }}-default"\n',
  'out-ansible/.keep': '',
  'out-provision/.keep': '',
};

/** What a task showed: its messages (one per loop item) or that it was skipped. */
type Shown = Map<string, string[]>;

let dir: string;
let sshd: TestSshd;
let ansible: Shown;
let ours: Shown;
let provisionRun: ProvisionResult;

beforeAll(async () => {
  dir = writeProject(project);
  sshd = await startSshd();
  const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
  const [out, mine] = await Promise.all([
    run('ansible-playbook', ['-i', join(dir, 'hosts.ini'), join(dir, 'site.yaml'), '-e', 'ev=from-extra', '-e', `out_dir=${join(dir, 'out-ansible')}`], { env, cwd: dir }),
    runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), '-e', 'ev=from-extra', '-e', `out_dir=${join(dir, 'out-provision')}`]),
  ]);
  provisionRun = mine;
  type AnsibleResult = { msg?: string; skipped?: boolean; results?: AnsibleResult[] };
  const json = JSON.parse(out.stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[] };
  ansible = new Map();
  for (const t of json.plays[0].tasks) {
    const r = t.hosts.local;
    const shown = r.skipped ? ['(skipped)'] : (r.results ?? [r]).map((x) => (x.skipped ? '(skipped)' : String(x.msg ?? '')));
    ansible.set(t.task.name.replace(/^\w+ : /, ''), shown);
  }
  ours = new Map();
  for (const t of mine.report?.hosts.local?.tasks ?? []) {
    const name = t.name.replace(/^\w+ : /, '');
    ours.set(name, [...(ours.get(name) ?? []), t.status === 'skipped' ? '(skipped)' : t.message]);
  }
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
});

/** The debug tasks (and handler) of the project, by name: what each shows is compared. */
const debugTasks = [...Object.values(project).join('\n').matchAll(/- name: (.+)\n((?: +[^ \n-].*\n)*)/g)].filter((m) => m[2].includes('debug:')).map((m) => m[1]);

describe('variables that read run-time values, against ansible-playbook', () => {
  it('both runs succeed, and provision gathered the facts the variables need (gather_facts unset)', () => {
    expect(provisionRun.exitCode, provisionRun.stdout + provisionRun.stderr).toBe(0);
    expect(debugTasks.length).toBeGreaterThanOrEqual(14);
    expect(ansible.get('fact in group_vars')?.[0]).toMatch(/^\w+$/);
  });

  it.each(debugTasks)('%s', (name) => {
    expect(ansible.has(name)).toBe(true);
    expect(ours.get(name)).toEqual(ansible.get(name));
  });

  it('a template file reads variables defined from a fact and a registered result', () => {
    const theirs = readFileSync(join(dir, 'out-ansible', 'page.txt'), 'utf8');
    expect(theirs).toContain('says hello world');
    expect(readFileSync(join(dir, 'out-provision', 'page.txt'), 'utf8')).toBe(theirs);
  });
});
