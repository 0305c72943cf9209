import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, totals, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * Playbooks that compute, over a real OpenSSH server: loops, register, run-time
 * conditions, block/rescue/always, ignore_errors, handlers flushed mid-play,
 * assert; in check mode (exact, changes nothing), applied, applied again.
 */
const { sshd, work } = useTestSshd('provision-flow-');

function playbook(dir: string): string {
  return `- hosts: all
  vars:
    names: [alpha, beta, "gamma delta"]
  tasks:
    - name: one file per item
      loop: "{{ names }}"
      loop_control: { index_var: i }
      copy: { dest: "${dir}/{{ item }}.txt", content: "{{ i }} {{ item }}\\n" }
    - name: read the version
      command: { argv: [cat, "${dir}/version"] }
      register: version
      changed_when: false
      check_mode: false
    - name: only on v2
      when: version.stdout == "v2" and version is succeeded
      copy: { dest: "${dir}/v2-only", content: "{{ version.stdout }}\\n" }
    - name: never on v1
      when: version.stdout == "v1"
      copy: { dest: "${dir}/v1-only", content: "no\\n" }
    - name: a command check mode does not run
      command: { argv: [echo, fresh] }
      register: fresh
      changed_when: false
    - name: depends on that output
      when: fresh.stdout == "fresh"
      copy: { dest: "${dir}/fresh", content: "f\\n" }
    - name: recover
      block:
        - name: fails
          command: { argv: ["false"] }
        - copy: { dest: "${dir}/never", content: "x\\n" }
      rescue:
        - copy: { dest: "${dir}/rescued", content: "r\\n" }
      always:
        - copy: { dest: "${dir}/always", content: "a\\n" }
    - name: ignored failure
      command: { argv: ["false"] }
      register: ignored
      ignore_errors: true
      changed_when: false
    - name: notify mid-play
      copy: { dest: "${dir}/conf", content: "c\\n" }
      notify: config changed
    - meta: flush_handlers
    - name: the handler ran before this
      command: { argv: [test, -f, "${dir}/restarted"] }
      changed_when: false
    - name: loop over a registered result
      loop: "{{ version.stdout_lines }}"
      copy: { dest: "${dir}/line-{{ item }}", content: "{{ item }}\\n" }
    - assert:
        that: ["version.rc == 0", "'v' in version.stdout", "ignored is failed", "ignored.rc == 1"]
  handlers:
    - name: restart
      listen: config changed
      command: { argv: [sh, -c, "echo r >> ${dir}/restarted"] }
`;
}

const statuses = (r: Awaited<ReturnType<typeof runCli>>): string[] => r.report!.hosts.local.tasks.map((t: any) => `${t.name}${t.item ? `[${t.item}]` : ''}: ${t.status}${t.handled ? `/${t.handled}` : ''}`);

describe('playbooks that compute', () => {
  it('check mode on a fresh host: reads what check_mode: false allows, shows the unknowns, changes nothing', async () => {
    const dir = mkdtempSync(join(work, 'check-'));
    writeFileSync(join(dir, 'version'), 'v2\n');
    const project = writeProject({ 'site.yaml': playbook(dir) });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--check']);
    expect(r.stderr).toBe('');
    // Only the version file: nothing written, nothing run but the read-only command.
    expect(readFileSync(join(dir, 'version'), 'utf8')).toBe('v2\n');
    expect(existsSync(join(dir, 'alpha.txt'))).toBe(false);
    expect(existsSync(join(dir, 'restarted'))).toBe(false);
    expect(r.stdout).toMatch(/would change \| one file per item \(item=gamma delta\) \|/);
    expect(r.stdout).toMatch(/ok \| read the version \|/);
    expect(r.stdout).toMatch(/would change \| only on v2 \|/);
    expect(r.stdout).toMatch(/skipped \| never on v1 \| when: version.stdout == "v1" is false/);
    expect(r.stdout).toMatch(/unknown \| depends on that output \| unknown in check mode: when: fresh.stdout == "fresh"/);
    expect(r.stdout).toMatch(/would change \| loop over a registered result \(item=v2\) \|/);
    expect(r.stdout).toMatch(/ok \| assert \| ignored is failed: unknown in check mode/);
  });

  it('applied: loops, branches on registered output, rescues, flushes handlers; applied again: 0 changed', async () => {
    const dir = mkdtempSync(join(work, 'apply-'));
    writeFileSync(join(dir, 'version'), 'v2\n');
    const project = writeProject({ 'site.yaml': playbook(dir) });
    const first = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'gamma delta.txt'), 'utf8')).toBe('2 gamma delta\n');
    expect(readFileSync(join(dir, 'v2-only'), 'utf8')).toBe('v2\n');
    expect(existsSync(join(dir, 'v1-only'))).toBe(false);
    expect(existsSync(join(dir, 'fresh'))).toBe(true);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(existsSync(join(dir, 'rescued'))).toBe(true);
    expect(existsSync(join(dir, 'always'))).toBe(true);
    expect(readFileSync(join(dir, 'restarted'), 'utf8')).toBe('r\n');
    expect(existsSync(join(dir, 'line-v2'))).toBe(true);
    const s = statuses(first);
    expect(s).toContain('fails: failed/rescued');
    expect(s).toContain('ignored failure: failed/ignored');
    // The handler ran at flush_handlers, before the task after it.
    expect(s.indexOf('restart: changed')).toBeLessThan(s.indexOf('the handler ran before this: ok'));
    expect(first.report!.hosts.local.recap).toMatchObject({ failed: 0, rescued: 1, ignored: 1 });
    expect(first.stdout).toMatch(/local +: ok=\d+ changed=\d+ failed=0 skipped=1 unreachable=0 rescued=1 ignored=1/);

    const second = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(second.exitCode).toBe(0);
    expect(totals(second.report)).toMatchObject({ changed: 0, failed: 0 });
    expect(readFileSync(join(dir, 'restarted'), 'utf8')).toBe('r\n');

    // The output changes: the branch follows it.
    writeFileSync(join(dir, 'version'), 'v1\n');
    const third = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(statuses(third)).toContain('only on v2: skipped');
    expect(statuses(third)).toContain('never on v1: changed');
  }, 240_000);

  it('a failed assertion fails the host; an unsupported Jinja filter never reaches it', async () => {
    const dir = mkdtempSync(join(work, 'assert-'));
    const project = writeProject({
      'site.yaml': `- hosts: all
  tasks:
    - command: { argv: [echo, "a b"] }
      register: out
      changed_when: false
    - assert: { that: out.stdout == "a c", fail_msg: "unexpected output" }
    - copy: { dest: "${dir}/after", content: "x" }
`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/failed \| assert .*\| unexpected output/);
    expect(existsSync(join(dir, 'after'))).toBe(false);
  });

  it('no_log hides a task\'s output; debug shows a registered field', async () => {
    const project = writeProject({
      'site.yaml': `- hosts: all
  tasks:
    - name: a token
      command: { argv: [echo, "tok-'$\`@:/# en"] }
      register: tok
      changed_when: false
      no_log: true
    - debug: { var: tok.rc }
    - debug: { msg: "lines: {{ tok.stdout_lines.length }}" }
`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/ok \| a token \| output hidden by no_log/);
    expect(r.stdout).toMatch(/ok \| debug tok.rc \| tok.rc: 0/);
    expect(r.stdout).toMatch(/ok \| debug \| lines: 1/);
    expect(r.stdout).not.toContain('tok-');
    expect(JSON.stringify(r.report)).not.toContain('tok-');
  });

  it('a fail task decided by variables alone stops the run before any host is touched (exit 4)', async () => {
    const dir = mkdtempSync(join(work, 'early-'));
    const project = writeProject({
      'site.yaml': `- hosts: all
  vars: { tls_mode: acme, acme_email: "" }
  tasks:
    - copy: { dest: "${dir}/first", content: "x" }
    - name: acme needs an address
      when: tls_mode == "acme" and not acme_email
      fail: { msg: "set acme_email" }
`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/site\.yaml:5:\d+: tasks\[1\]: set acme_email/);
    expect(existsSync(join(dir, 'first'))).toBe(false);
  });

  it('a run-time template error fails that task with file, line and field', async () => {
    const project = writeProject({
      'site.yaml': `- hosts: all
  tasks:
    - command: { argv: [echo, hi] }
      register: out
      changed_when: false
    - copy: { dest: "/tmp/x", content: "{{ out.nope }}" }
`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/failed \| .*site\.yaml:6:\d+: tasks\[1\]\.copy\.content: variable "out\.nope" is not defined/);
  });
});
