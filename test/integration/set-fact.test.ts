import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TROUBLESOME_VALUES } from '../oracle/troublesome-values.js';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * set_fact over a real sshd: a value set from a secret stays a secret (masked in
 * every message and the report, written whole into the file that asks for it,
 * refused as a command word at run time with file:line:field), no_log hides
 * what a set_fact shows, and in check mode a value set from a result check mode
 * cannot know is unknown, never guessed, while one set from variables is known.
 */
const SECRET = TROUBLESOME_VALUES['every troublesome character'];
const { sshd, work } = useTestSshd('provision-set-fact-it-');

const project = (out: string) => ({
  'secrets.yaml': `db_password: !secret ${JSON.stringify(SECRET)}\n`,
  'site.yaml': `- hosts: all
  gather_facts: false
  tasks:
    - name: from the secret
      set_fact:
        db_url: "postgresql://app:{{ db_password }}@localhost/app"
        db_copy: "{{ db_password }}"
        plain_value: visible
    - name: shows the url
      debug: { msg: "{{ db_url }}" }
    - name: shows the copy
      debug: { var: db_copy }
    - name: writes it
      copy: { dest: "${out}/db.env", content: "URL={{ db_url }}\\n", mode: "0600" }
    - name: hidden
      set_fact: { quiet: "{{ plain_value }}" }
      no_log: true
    - name: shows the plain value
      debug: { msg: "{{ quiet }}" }
    - name: as a command word
      file: { path: "${out}/{{ db_copy }}", state: directory }
`,
  'loop.yaml': `- hosts: all
  gather_facts: false
  tasks:
    - set_fact: { todo: [a, b], done: "" }
    - name: accumulate
      set_fact: { done: "{{ done }}{{ item }}" }
      loop: "{{ todo }}"
    - name: shows it
      debug: { msg: "{{ done }}" }
    - name: changes its own list
      set_fact: { todo: [c] }
      loop: "{{ todo }}"
    - name: after
      debug: { msg: not reached }
`,
  'check.yaml': `- hosts: all
  gather_facts: false
  vars: { base: known }
  tasks:
    - name: run
      command: echo from-host
      register: out
    - name: from the result
      set_fact: { from_result: "{{ out.stdout }}", with_it: "{{ base }}" }
    - name: from variables
      set_fact: { from_vars: "{{ base }}-set" }
    - name: shows the result's value
      debug: { msg: "{{ from_result }}" }
    - name: decides on it
      debug: { msg: reached }
      when: from_result == 'from-host'
    - name: shows the value from variables
      debug: { msg: "{{ from_vars }}" }
    - name: shows a value set beside an unknown one
      debug: { msg: "{{ with_it }}" }
`,
});

describe('set_fact on a host', () => {
  it('a value set from a secret stays a secret: masked everywhere, written whole, refused as a command word', async () => {
    const dir = writeProject(project(work));
    const r = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), '-e', `@${join(dir, 'secrets.yaml')}`, '-v']);
    const tasks = r.report!.hosts.local.tasks;
    const of = (name: string) => tasks.find((t) => t.name === name)!;
    expect(of('from the secret')).toMatchObject({ status: 'ok', changed: false });
    expect(of('shows the url').message).toMatch(/^postgresql:\/\/app:\*+@localhost\/app$/);
    expect(of('shows the copy').message).toMatch(/^db_copy: \*+$/);
    expect(readFileSync(join(work, 'db.env'), 'utf8')).toBe(`URL=postgresql://app:${SECRET}@localhost/app\n`);
    expect(of('hidden').message).toBe('output hidden by no_log');
    expect(of('shows the plain value').message).toBe('visible');
    expect(of('as a command word')).toMatchObject({ status: 'failed' });
    expect(of('as a command word').message).toMatch(/site\.yaml:\d+:\d+: .*file\.path: this argument becomes a command word on the host/);
    expect(r.exitCode).toBe(2);
    expect(r.stdout + r.stderr + JSON.stringify(r.report)).not.toContain(SECRET);
  });

  it('a loop\'s items see what the items before set; a list that changes because of them is an error naming the task, not another list', async () => {
    const dir = writeProject(project(work));
    const r = await runCli([join(dir, 'loop.yaml'), '-i', sshd.inventory()]);
    const tasks = r.report!.hosts.local.tasks;
    const of = (name: string) => tasks.filter((t) => t.name === name);
    expect(of('shows it')[0]).toMatchObject({ status: 'ok', message: 'ab' });
    expect(of('changes its own list').map((t) => t.status)).toEqual(['ok', 'failed']);
    expect(of('changes its own list')[1].message).toMatch(/loop\.yaml:\d+:\d+: loop: the loop's list reads a variable this set_fact sets/);
    expect(of('after')).toEqual([]);
    expect(r.exitCode).toBe(2);
  });

  it('check mode: a value set from a result check mode cannot know is unknown, never guessed; one from variables is known; set_fact is ok', async () => {
    const dir = writeProject(project(work));
    const r = await runCli([join(dir, 'check.yaml'), '-i', sshd.inventory(), '--check']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const tasks = r.report!.hosts.local.tasks;
    const of = (name: string) => tasks.find((t) => t.name === name)!;
    expect(of('shows the result\'s value').message).toMatch(/unknown in check mode/);
    expect(of('decides on it').message).toMatch(/unknown in check mode: when: from_result == 'from-host' depends on a result check mode cannot know/);
    expect(of('from the result').message).toMatch(/unknown in check mode/);
    expect(of('from variables')).toMatchObject({ status: 'ok', changed: false });
    expect(of('shows the value from variables')).toMatchObject({ status: 'ok', message: 'known-set' });
    // One set_fact, one outcome: a name set beside an unknown value is unknown too (README: split the task).
    expect(of('shows a value set beside an unknown one').message).toMatch(/unknown in check mode/);
  });
});
