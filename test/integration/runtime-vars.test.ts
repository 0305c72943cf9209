import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TROUBLESOME_VALUES } from '../oracle/troublesome-values.js';
import { runCli, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * Variables defined from a registered result or a host fact, over a real sshd:
 * in check mode a value that depends on a result check mode cannot know is
 * "unknown in check mode" (as a `when:` reading the result is), a template error
 * in such a variable is the failure of the task that reads it, naming the
 * variable's file and line, and a secret in one stays masked.
 */
const SECRET = TROUBLESOME_VALUES['every troublesome character'];
let sshd: TestSshd;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

const project = {
  'group_vars/all.yaml': 'release: "{{ ansible_distribution_release }}"\nbroken: "{{ ansible_hostname }}-{{ no_such_name }}"\n',
  'site.yaml': `- hosts: all
  vars:
    greeting: "{{ result.stdout }} world"
    first_word: "{{ result.stdout }}"
    with_secret: "{{ result.stdout }} {{ secret_env \\"RT_SECRET\\" }}"
  tasks:
    - name: register
      command: echo hello
      register: result
    - name: greeting
      debug: { msg: "{{ greeting }}" }
    - name: in when
      when: first_word == 'hello'
      debug: { msg: when held }
    - name: fact
      debug: { msg: "{{ release }}" }
    - name: secret
      debug: { msg: "{{ with_secret }}" }
    - name: broken
      debug: { msg: "{{ broken }}" }
    - name: after
      debug: { msg: not reached }
`,
};

describe('variables that read run-time values, on a host', () => {
  it('check mode: a variable from a result check mode cannot know is unknown, never guessed; one from a fact is known', async () => {
    const dir = writeProject(project);
    const r = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), '--check'], { RT_SECRET: SECRET });
    const tasks = r.report!.hosts.local.tasks;
    const of = (name: string) => tasks.find((t) => t.name === name)!;
    expect(of('greeting').message).toMatch(/unknown in check mode/);
    expect(of('in when').message).toMatch(/unknown in check mode: when: first_word == 'hello' depends on a result check mode cannot know/);
    expect(of('fact')).toMatchObject({ status: 'ok' });
    expect(of('fact').message).toMatch(/^\w+$/);
  });

  it('applied: the values render with the result; a template error is the reading task\'s failure at the variable\'s file:line; a secret stays masked', async () => {
    const dir = writeProject(project);
    const r = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory()], { RT_SECRET: SECRET });
    const tasks = r.report!.hosts.local.tasks;
    const of = (name: string) => tasks.find((t) => t.name === name);
    expect(of('greeting')).toMatchObject({ status: 'ok', message: 'hello world' });
    expect(of('in when')).toMatchObject({ status: 'ok', message: 'when held' });
    expect(of('broken')).toMatchObject({ status: 'failed' });
    expect(of('broken')!.message).toMatch(/group_vars\/all\.yaml:2:\d+.*"no_such_name" is not defined/);
    expect(of('after')).toBeUndefined();
    expect(r.exitCode).toBe(2);
    expect(of('secret')!.message).toMatch(/^hello \*+$/);
    expect(r.stdout + r.stderr + JSON.stringify(r.report)).not.toContain(SECRET);
  });
});
