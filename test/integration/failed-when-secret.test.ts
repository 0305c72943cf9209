import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TROUBLESOME_VALUES } from '../oracle/troublesome-values.js';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * failed_when and changed_when on host-less tasks whose messages and results hold a secret:
 * the judge's verdicts and messages show it masked, in the output and the report, and a
 * registered result keeps it a secret for the tasks after it.
 */
const SECRET = TROUBLESOME_VALUES['every troublesome character'];
const { sshd } = useTestSshd('provision-failed-when-secret-');

describe('failed_when on tasks holding a secret', () => {
  it('the secret stays masked in every verdict, message and registered result', async () => {
    const dir = writeProject({
      'secrets.yaml': `pw: !secret ${JSON.stringify(SECRET)}\n`,
      'site.yaml': `- hosts: all
  gather_facts: false
  tasks:
    - name: debug of a secret, failed_when true
      debug: { msg: "token {{ pw }}" }
      failed_when: true
      ignore_errors: true
      register: d
    - name: assert with a secret message, saved by failed_when false
      assert: { that: "pw == 'other'", fail_msg: "bad {{ pw }}" }
      failed_when: false
      register: a
    - name: set_fact of a secret, failed_when reads it
      set_fact: { copy_of_pw: "{{ pw }}" }
      failed_when: copy_of_pw != pw
      changed_when: true
    - name: show d
      debug: { var: d }
    - name: show a
      debug: { var: a }
    - name: the copy is still the secret
      assert: { that: ["copy_of_pw == pw", "pw in d.msg"] }
`,
    });
    const r = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), '-e', `@${join(dir, 'secrets.yaml')}`, '-v']);
    const tasks = r.report!.hosts.local.tasks;
    const of = (name: string) => tasks.find((t) => t.name === name)!;
    expect(of('debug of a secret, failed_when true')).toMatchObject({ status: 'failed' });
    expect(of('assert with a secret message, saved by failed_when false')).toMatchObject({ status: 'ok' });
    expect(of('set_fact of a secret, failed_when reads it')).toMatchObject({ status: 'changed' });
    expect(of('show d').message).toContain('********');
    expect(of('show a').message).toContain('********');
    expect(of('the copy is still the secret')).toMatchObject({ status: 'ok' });
    expect(r.exitCode).toBe(0);
    for (const text of [r.stdout, r.stderr, JSON.stringify(r.report)]) {
      expect(text).not.toContain(SECRET);
    }
  }, 60_000);
});
