import { describe, expect, it } from 'vitest';
import { compile, type HostRun } from '../../src/compile.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { YamlSource } from '../../src/yaml-source.js';
import { errorsOf } from '../support/config-errors.js';
import { decidedBeforeRun } from '../support/decided.js';
import { writeProject } from '../support/provision.js';

/**
 * Before the run: which tasks compile decides now and which wait for run-time
 * values (a variable defined from a host fact or a registered result, directly or
 * through others), and which errors are still found before any host is touched.
 */
const inventory = parseInventory(YamlSource.fromText(`hosts:\n  web1: { vars: { release: "{{ ansible_distribution_release }}" } }\n`, 'hosts.yaml'));

function build(playbook: string, files: Record<string, string> = {}): HostRun[] {
  const dir = writeProject({ 'site.yaml': playbook, ...files });
  return compile(loadPlaybook(`${dir}/site.yaml`), inventory);
}

/** Each task's name, and whether it was decided before the run. */
function decided(runs: HostRun[]): Record<string, boolean> {
  return decidedBeforeRun(runs[0].plays[0]);
}

describe('variables that read run-time values', () => {
  const play = `- hosts: all
  vars:
    root: "/srv/{{ inventory_hostname }}"
    web_root: "/srv/{{ ansible_hostname }}"
    chained: "{{ web_root }}/www"
    ok: "{{ result.rc }}"
  tasks:
    - name: plain
      debug: { msg: "{{ root }}" }
    - name: fact in inventory
      debug: { msg: "{{ release }}" }
    - name: chain
      debug: { msg: "{{ chained }}" }
    - name: run
      command: "true"
      register: result
    - name: in when
      when: ok == '0'
      debug: { msg: yes }
    - name: task var from one
      vars: { mine: "{{ chained }}" }
      debug: { msg: "{{ mine }}" }
`;

  it('nothing to do: a plain variable is decided before the run; the others wait for it, with no error', () => {
    expect(decided(build(play))).toEqual({ plain: true, 'fact in inventory': false, chain: false, run: true, 'in when': false, 'task var from one': false });
  });

  it('gather_facts unset: facts are read when a task reads a variable defined from one, not otherwise', () => {
    expect(build(play)[0].plays[0].gatherFacts).toBe(true);
    const registeredOnly = `- hosts: all
  vars: { ok: "{{ result.rc }}", unused: "{{ ansible_hostname }}" }
  tasks:
    - { name: run, command: "true", register: result }
    - { name: show, debug: { msg: "{{ ok }}" } }
`;
    expect(build(registeredOnly)[0].plays[0].gatherFacts).toBe(false);
  });

  it('a variable that waits for the run still has its other errors found before the run, at its file:line', () => {
    expect(errorsOf(() => build(`- hosts: all\n  vars:\n    bad: "{{ nope }}"\n  tasks:\n    - debug: { msg: hi }\n`))).toMatch(/site\.yaml:3:\d+.*"nope" is not defined/);
  });

  it("a role's variable defined from a fact is no error before the run; the role's tasks (which carry its vars) wait for the run", () => {
    const runs = build(`- hosts: all\n  roles: [app]\n`, {
      'roles/app/vars/main.yml': 'codename: "{{ ansible_distribution_release }}"\n',
      'roles/app/tasks/main.yml': '- name: own vars\n  vars: { x: 1 }\n  debug: { msg: "{{ x }}" }\n',
    });
    expect(decided(runs)).toEqual({ 'app : own vars': false });
  });

  it('an include loop over a variable defined from a registered result is refused before the run, naming the variable', () => {
    const msg = errorsOf(() =>
      build(`- hosts: all\n  vars: { names: "{{ out.stdout_lines }}" }\n  tasks:\n    - { command: ls, register: out }\n    - include_tasks: each.yaml\n      loop: "{{ names }}"\n`, { 'each.yaml': '- debug: { msg: "{{ item }}" }\n' }),
    );
    expect(msg).toMatch(/reads "names", known only during the run/);
  });
});
