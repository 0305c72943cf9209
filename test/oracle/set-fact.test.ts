import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeProject, type ProvisionResult } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * set_fact against ansible-playbook 2.14: the same playbook run by Ansible on
 * this machine (`ansible_connection=local`) and by provision through a real
 * sshd on loopback, in a real run and in check mode. Each case is a task whose
 * output (a debug's message or variable, or its skip) must be the same in both;
 * type checks are `when:` conditions both evaluate, and a template file shows
 * what a later task's file sees.
 */
const run = promisify(execFile);

const playbook = `- hosts: all
  vars:
    pv: from-play-vars
    number: 42
    word: "yes"
  tasks:
    - set_fact: { plain_fact: hello }
    - name: plain
      debug: { var: plain_fact }

    - set_fact: { from_fact: "{{ ansible_hostname }}-sf" }
    - name: templated from a host fact
      debug: { msg: "{{ from_fact }}" }

    - command: echo registered-out
      register: out
    - set_fact: { from_register: "{{ out.stdout }}" }
    - name: templated from a registered result
      debug: { var: from_register }

    - set_fact: { acc: start }
    - set_fact: { acc: "{{ acc }}-{{ item }}", last_item: "{{ item }}" }
      loop: [x, y, z]
    - name: loop, each item sees the one before, the last wins
      debug: { msg: "{{ acc }} {{ last_item }}" }

    - set_fact: { never_set: oops }
      when: false
    - name: when false sets nothing
      debug: { msg: "never_set is defined" }
      when: never_set is defined

    - set_fact: { pv: from-set-fact }
    - name: over play vars
      debug: { var: pv }
    - name: over task vars
      vars: { pv: from-task-vars }
      debug: { var: pv }

    - name: over block vars
      block:
        - name: over block vars
          debug: { var: pv }
      vars: { pv: from-block-vars }
    - name: below include params
      include_role: { name: show }
      vars: { pv: from-include-params }

    - set_fact: { ev: from-set-fact }
    - name: below extra vars
      debug: { var: ev }

    - set_fact: { twice: first }
    - set_fact: { twice: second }
    - name: a later set_fact overrides an earlier one
      debug: { var: twice }

    - set_fact:
        a_number: "{{ number }}"
        a_list: [1, two, { three: 3 }]
        a_map: { k: v, n: 1 }
        yes_word: "{{ word }}"
        no_literal: "No"
        a_bool: false
        text_number: "n{{ number }}"
      register: set_result
    - name: values keep their type
      debug: { var: a_list }
    - name: a mapping
      debug: { var: a_map }
    - name: a number from a template stays a number
      debug: { msg: "number" }
      when: a_number is number and a_number == 42
    - name: yes and No strings become booleans
      debug: { msg: "booleans" }
      when: [yes_word is boolean, yes_word, no_literal is boolean, not no_literal, a_bool is boolean]
    - name: text around a number is a string
      debug: { var: text_number }
      when: text_number is string
    - name: register on set_fact holds ansible_facts
      debug: { var: set_result.ansible_facts.a_map }

    - name: in when of a later task
      debug: { msg: "when saw it" }
      when: plain_fact == 'hello'
    - name: in arguments of a later task
      copy: { dest: "{{ out_dir }}/page.txt", content: "{{ plain_fact }} {{ pv }} {{ acc }}\\n" }
    - name: in a template file of a later task
      template: { src: facts.txt, dest: "{{ out_dir }}/facts.txt" }

- hosts: all
  gather_facts: false
  vars: { pv: from-play-two-vars }
  tasks:
    - name: a later play sees it over its own vars
      debug: { var: pv }
    - name: a later play sees a value from a registered result
      debug: { var: from_register }
`;

/** A smaller playbook for check mode: nothing in it needs a command's output. */
const checkPlaybook = `- hosts: all
  gather_facts: false
  vars: { base: b }
  tasks:
    - name: check-mode set_fact
      set_fact: { in_check: "{{ base }}-set" }
    - name: check-mode loop
      set_fact: { looped: "{{ item }}" }
      loop: [1, 2]
    - name: check mode shows it
      debug: { msg: "{{ in_check }} {{ looped }}" }
`;

type Shown = Map<string, { status: string; shown: string[] }>;

const { sshd, work } = useTestSshd('provision-set-fact-');
let dir: string;
let ansible: Shown;
let ours: Shown;
let ansibleCheck: Shown;
let oursCheck: Shown;
let provisionRun: ProvisionResult;
let provisionCheck: ProvisionResult;

/** A value as provision's debug shows it (a string as it is, anything else as JSON). */
const asShown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

type AnsibleResult = Record<string, unknown> & { msg?: unknown; skipped?: boolean; changed?: boolean; results?: AnsibleResult[] };

function ansibleShown(stdout: string): Shown {
  const json = JSON.parse(stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[] };
  const out: Shown = new Map();
  for (const play of json.plays) {
    for (const t of play.tasks) {
      const r = t.hosts.local;
      const one = (x: AnsibleResult): string => {
        if (x.skipped) return '(skipped)';
        if (x.msg !== undefined) return asShown(x.msg);
        const key = Object.keys(x).find((k) => !k.startsWith('_') && !['action', 'changed', 'failed', 'ansible_facts'].includes(k));
        return key ? `${key}: ${asShown(x[key])}` : '';
      };
      const status = r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok';
      out.set(t.task.name.replace(/^\w+ : /, ''), { status, shown: r.skipped ? ['(skipped)'] : (r.results ?? [r]).map(one) });
    }
  }
  return out;
}

function provisionShown(result: ProvisionResult): Shown {
  const out: Shown = new Map();
  for (const t of result.report?.hosts.local?.tasks ?? []) {
    const name = t.name.replace(/^\w+ : /, '');
    const prior = out.get(name);
    const shown = t.status === 'skipped' ? '(skipped)' : t.message;
    // A loop's items: one line each; the task is ok when every item is.
    out.set(name, { status: prior && prior.status !== 'ok' ? prior.status : t.status, shown: [...(prior?.shown ?? []), shown] });
  }
  return out;
}

beforeAll(async () => {
  dir = writeProject({
    'ansible.cfg': '[defaults]\n',
    'hosts.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
    'site.yaml': playbook,
    'check.yaml': checkPlaybook,
    'templates/facts.txt': '{{ from_register }} {{ a_number }} {{ twice }} {{ ev }}\n',
    'roles/show/tasks/main.yml': '- name: below include params, in the role\n  debug: { var: pv }\n',
    'out-ansible/.keep': '',
    'out-provision/.keep': '',
  });
  const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
  const inventory = sshd.inventory();
  const [theirs, theirsCheck, mine, mineCheck] = await Promise.all([
    run('ansible-playbook', ['-i', join(dir, 'hosts.ini'), join(dir, 'site.yaml'), '-e', 'ev=from-extra', '-e', `out_dir=${join(dir, 'out-ansible')}`], { env, cwd: dir }),
    run('ansible-playbook', ['-i', join(dir, 'hosts.ini'), join(dir, 'check.yaml'), '--check'], { env, cwd: dir }),
    runCli([join(dir, 'site.yaml'), '-i', inventory, '-e', 'ev=from-extra', '-e', `out_dir=${join(dir, 'out-provision')}`]),
    runCli([join(dir, 'check.yaml'), '-i', inventory, '--check']),
  ]);
  ansible = ansibleShown(theirs.stdout);
  ansibleCheck = ansibleShown(theirsCheck.stdout);
  provisionRun = mine;
  provisionCheck = mineCheck;
  ours = provisionShown(mine);
  oursCheck = provisionShown(mineCheck);
}, 300_000);

/** The named debug tasks of a playbook: what each shows is compared. */
const named = (text: string): string[] => [...text.matchAll(/- name: (.+)\n((?: +[^ \n-].*\n)*)/g)].filter((m) => m[2].includes('debug:')).map((m) => m[1]);
/** The playbook's named debug tasks and the role's. */
const compared = [...named(playbook), 'below include params, in the role'];

describe('set_fact, against ansible-playbook', () => {
  it('both runs succeed', () => {
    expect(provisionRun.exitCode, provisionRun.stdout + provisionRun.stderr).toBe(0);
    expect(compared.length).toBeGreaterThanOrEqual(18);
    expect(ansible.get('templated from a host fact')?.shown[0]).toMatch(/^\S+-sf$/);
    // The type checks are when: conditions: Ansible must have run them, or equal skips would prove nothing.
    for (const name of ['a number from a template stays a number', 'yes and No strings become booleans', 'text around a number is a string', 'in when of a later task']) {
      expect(ansible.get(name)?.status, name).toBe('ok');
    }
  });

  it.each(compared)('%s', (name) => {
    expect(ansible.has(name), `Ansible ran "${name}"`).toBe(true);
    expect(ours.get(name)).toEqual(ansible.get(name));
  });

  it.each(['page.txt', 'facts.txt'])('a later task writes %s from the facts (the same bytes)', (file) => {
    const theirs = readFileSync(join(dir, 'out-ansible', file), 'utf8');
    expect(theirs).toMatch(/\S+ \S+ \S+\n$/);
    expect(readFileSync(join(dir, 'out-provision', file), 'utf8')).toBe(theirs);
  });
});

describe('set_fact in check mode, against ansible-playbook --check', () => {
  it('both runs succeed', () => {
    expect(provisionCheck.exitCode, provisionCheck.stdout + provisionCheck.stderr).toBe(0);
  });

  it.each(['check-mode set_fact', 'check-mode loop'])('%s runs and reports ok, never changed', (name) => {
    expect(ansibleCheck.get(name)?.status).toBe('ok');
    expect(oursCheck.get(name)?.status).toBe(ansibleCheck.get(name)?.status);
  });

  it('a later task sees the values set in check mode', () => {
    expect(ansibleCheck.get('check mode shows it')?.shown).toEqual(['b-set 2']);
    expect(oursCheck.get('check mode shows it')).toEqual(ansibleCheck.get('check mode shows it'));
  });
});

void work;
