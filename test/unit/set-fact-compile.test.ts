import { describe, expect, it } from 'vitest';
import { compile, type HostRun } from '../../src/compile.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { YamlSource } from '../../src/yaml-source.js';
import { errorsOf } from '../support/config-errors.js';
import { decidedBeforeRun } from '../support/decided.js';
import { writeProject } from '../support/provision.js';

/**
 * Before the run: a name only set_fact defines is known at run time (like a
 * `register:` name), so the tasks that read it wait for the run instead of
 * failing as "not defined"; a typo is still an error at its file:line, and so
 * is a set_fact argument provision refuses.
 */
const inventory = parseInventory(YamlSource.fromText(`hosts:\n  web1: {}\n`, 'hosts.yaml'));

function build(playbook: string): HostRun[] {
  const dir = writeProject({ 'site.yaml': playbook });
  return compile(loadPlaybook(`${dir}/site.yaml`), inventory);
}

/** Each task's name (per play), and whether it was decided before the run. */
function decided(runs: HostRun[]): Record<string, boolean>[] {
  return runs[0].plays.map(decidedBeforeRun);
}

describe('set_fact before the run', () => {
  it('nothing to do: a playbook without set_fact decides its tasks before the run', () => {
    expect(decided(build(`- hosts: all\n  vars: { a: 1 }\n  tasks:\n    - { name: show, debug: { msg: "{{ a }}" } }\n`))).toEqual([{ show: true }]);
  });

  it('a name only set_fact defines waits for the run, in this play and the next, and in a play variable', () => {
    const runs = build(`- hosts: all
  vars: { built: "{{ app_root }}/bin" }
  tasks:
    - { name: set, set_fact: { app_root: /srv/app } }
    - { name: reads it, debug: { msg: "{{ app_root }}" } }
    - { name: reads it in when, debug: { msg: hi }, when: app_root == '/srv/app' }
    - { name: through a play variable, debug: { msg: "{{ built }}" } }
    - { name: unrelated, debug: { msg: plain } }
- hosts: all
  tasks:
    - { name: next play, debug: { var: app_root } }
    - { name: next play template, debug: { msg: "{{ app_root }}" } }
`);
    expect(decided(runs)).toEqual([
      { set: true, 'reads it': false, 'reads it in when': false, 'through a play variable': false, unrelated: true },
      { 'next play': false, 'next play template': false },
    ]);
  });

  it('a set_fact that reads a registered result or its own name waits for the run too', () => {
    const runs = build(`- hosts: all
  tasks:
    - { name: run, command: "true", register: out }
    - { name: from result, set_fact: { rc: "{{ out.rc }}" } }
    - { name: accumulate, set_fact: { acc: "{{ acc }}-{{ item }}" }, loop: [a, b] }
`);
    expect(decided(runs)).toEqual([{ run: true, 'from result': false, accumulate: false }]);
  });

  it('a typo in a name set_fact does not define is still an error before the run, at its file:line', () => {
    const message = errorsOf(() => build(`- hosts: all\n  tasks:\n    - set_fact: { app_root: /srv/app }\n    - debug: { msg: "{{ app_rot }}" }\n`));
    expect(message).toMatch(/site\.yaml:4:\d+.*"app_rot" is not defined/);
  });

  it.each([
    ['a connection variable', `set_fact: { ansible_user: deploy }`, /site\.yaml:3:\d+: tasks\[0\]\.set_fact\.ansible_user: ansible_user is a connection variable/],
    ['an invalid name', `set_fact: { "bad-name": 1 }`, /site\.yaml:3:\d+: tasks\[0\]\.set_fact\.bad-name: The variable name 'bad-name' is not valid/],
    ['the name=value form', `set_fact: a=1`, /site\.yaml:3:\d+: tasks\[0\]\.set_fact: set_fact takes a mapping/],
    ['no variables', `set_fact: {}`, /site\.yaml:3:\d+: tasks\[0\]\.set_fact: No key\/value pairs provided/],
  ])('refused before the run: %s, naming file:line:field', (_what, task, message) => {
    expect(errorsOf(() => build(`- hosts: all\n  tasks:\n    - ${task}\n`))).toMatch(message);
  });
});
