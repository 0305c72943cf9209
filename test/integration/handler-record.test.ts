import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordOf } from '../support/handler-record.js';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * The handler bookkeeping on a real sshd on loopback (logged in as root): the
 * host's record of notified-but-not-yet-run handlers costs no round trip of its
 * own, and still survives every way a run can stop between a change and its
 * handler. Round trips are counted as the bench counts them: the report's
 * recap.roundTrips. What the host holds is read from the record file itself.
 */
const { sshd, work } = useTestSshd('provision-handler-record-');

/**
 * Kills the nearest sshd above this shell (this connection's session only, as in faults.test.ts),
 * then the script's whole process group: nothing after the change runs, as when a host dies.
 */
const CUT = `p=$PPID; while [ \\"$(ps -o comm= -p $p)\\" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d ' '); done; kill -9 $p; kill -9 0`;

describe('first run: round trips', { timeout: 600_000 }, () => {
  it('no more than 1 + the changed tasks (handlers included), with a handler that reads facts, a listen topic, changed_when and a mid-play flush; the re-run 1 + its handler', async () => {
    const dir = mkdtempSync(join(work, 'first-'));
    const play = `first run ${Date.now()}`;
    const project = writeProject({
      'site.yaml': `- name: ${play}
  hosts: all
  tasks:
    - name: app directory
      file: { path: ${dir}/app, state: directory, mode: "0750" }
    - name: config
      copy: { dest: ${dir}/app/app.conf, content: "v1\\n" }
      notify: restart app
    - name: schema
      command: { cmd: "touch ${dir}/app/schema", creates: ${dir}/app/schema }
      changed_when: true
      notify: web changed
    - meta: flush_handlers
    - name: site
      copy: { dest: ${dir}/app/site.conf, content: "site\\n" }
      notify: web changed
    - name: link
      file: { path: ${dir}/current, state: link, src: ${dir}/app }
  handlers:
    - name: restart app
      copy: { dest: ${dir}/app/restarted, content: "restarted\\n" }
    - name: reload web
      listen: web changed
      command: { argv: [touch, ${dir}/app/reloaded] }
`,
    });
    const first = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(first.exitCode).toBe(0);
    const { recap, tasks } = first.report!.hosts.local;
    // Both handlers ran at the mid-play flush (restart app, reload web), reload web again at the
    // end. restart app reads facts: the script of the task before the flush read them too.
    expect(tasks.filter((t) => t.handler).map((t) => `${t.name}: ${t.status}`)).toEqual(['restart app: changed', 'reload web: changed', 'reload web: changed']);
    expect(recap.changed).toBe(8);
    expect(recap.roundTrips).toBeLessThanOrEqual(1 + recap.changed);
    expect(existsSync(`${dir}/app/restarted`) && existsSync(`${dir}/app/reloaded`)).toBe(true);
    expect(recordOf(play)).toBeNull();

    const again = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(again.exitCode).toBe(0);
    // changed_when: true on a command skipped by creates: nothing runs, but it is a change, as in
    // Ansible, and notifies its handler; the notification rides on the handler's own script.
    expect(again.report!.hosts.local.recap).toMatchObject({ changed: 2, roundTrips: 2 });
    expect(again.report!.hosts.local.tasks.filter((t) => t.handler).map((t) => `${t.name}: ${t.status}`)).toEqual(['reload web: changed']);
    expect(recordOf(play)).toBeNull();
  });
});

describe('the record survives a run cut inside the notifying task', { timeout: 600_000 }, () => {
  it.each([
    ['a task whose change is known before it runs', ''],
    ['a task whose changed_when decides afterwards', '\n      changed_when: true'],
  ])('%s: the connection drops after its change; the next run runs the handler', async (_, changedWhen) => {
    const dir = mkdtempSync(join(work, 'cut-'));
    const play = `cut ${Date.now()}`;
    const project = writeProject({
      'site.yaml': `- name: ${play}
  hosts: all
  tasks:
    - name: change, then lose the connection
      command: { cmd: "touch ${dir}/changed; ${CUT}", creates: ${dir}/changed }${changedWhen}
      notify: restart app
  handlers:
    - name: restart app
      command: { argv: [touch, ${dir}/restarted] }
`,
    });
    const cut = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(cut.exitCode).toBe(3);
    expect(existsSync(`${dir}/changed`)).toBe(true);
    expect(existsSync(`${dir}/restarted`)).toBe(false);
    expect(recordOf(play)).toBe('restart app\n');

    const next = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(next.exitCode).toBe(0);
    expect(next.report!.hosts.local.tasks.find((t) => t.handler)).toMatchObject({ name: 'restart app', status: 'changed' });
    expect(next.stdout).toMatch(/restart app \|.*notified by an earlier run/);
    expect(existsSync(`${dir}/restarted`)).toBe(true);
    expect(recordOf(play)).toBeNull();
  });
});

describe('a notification taken back', { timeout: 600_000 }, () => {
  it('changed_when false, then a failing task: the handler is not run, now or by the next run; check mode writes nothing', async () => {
    const dir = mkdtempSync(join(work, 'back-'));
    const play = `taken back ${Date.now()}`;
    const site = (fail: boolean): string => `- name: ${play}
  hosts: all
  tasks:
    - name: config
      copy: { dest: ${dir}/app.conf, content: "v1\\n" }
      notify: reload app
    - name: looked, no change
      command: { argv: [touch, ${dir}/looked] }
      changed_when: false
      notify: restart app
    - name: the go-ahead
      command: { argv: [sh, -c, "exit ${fail ? 1 : 0}"] }
  handlers:
    - name: restart app
      command: { argv: [touch, ${dir}/restarted] }
    - name: reload app
      command: { argv: [touch, ${dir}/reloaded] }
`;
    const failing = writeProject({ 'site.yaml': site(true) });
    const failed = await runCli([`${failing}/site.yaml`, '-i', sshd.inventory()]);
    expect(failed.exitCode).toBe(2);
    // The config change's handler stays recorded; what changed_when took back does not (the
    // looking task recorded it before its command ran, the end of the failed run took it back).
    expect(recordOf(play)).toBe('reload app\n');

    const check = await runCli([`${failing}/site.yaml`, '-i', sshd.inventory(), '--check']);
    expect(check.report!.hosts.local.tasks.filter((t) => t.handler).map((t) => t.name)).toEqual(['reload app']);
    expect(recordOf(play)).toBe('reload app\n');

    const passing = writeProject({ 'site.yaml': site(false) });
    const next = await runCli([`${passing}/site.yaml`, '-i', sshd.inventory()]);
    expect(next.exitCode).toBe(0);
    expect(next.report!.hosts.local.tasks.filter((t) => t.handler).map((t) => t.name)).toEqual(['reload app']);
    expect(existsSync(`${dir}/restarted`)).toBe(false);
    expect(existsSync(`${dir}/reloaded`)).toBe(true);
    expect(recordOf(play)).toBeNull();
  });
});

describe('notifications without a change script of their own survive a failed run', { timeout: 600_000 }, () => {
  // The failing task: `assert` runs no script (the end of the play writes the record, 1 round trip),
  // a failing command runs one (it carries the record: no round trip of its own).
  it.each([
    ['a debug with changed_when, then an assert fails', '    - assert: { that: "ansible_distribution == \'no such system\'" }', 2],
    ['a debug with changed_when, then a command fails', '    - command: { argv: [sh, -c, "exit 1"] }', 2],
  ])('%s: the next run runs the handler', async (_, failing, roundTrips) => {
    const dir = mkdtempSync(join(work, 'debug-'));
    const play = `debug notifies ${Date.now()}`;
    const site = (fail: boolean): string => `- name: ${play}
  hosts: all
  tasks:
    - name: announce
      debug: { msg: "a change made elsewhere" }
      changed_when: true
      notify: restart app
${fail ? failing : '    - debug: { msg: fine }'}
  handlers:
    - name: restart app
      command: { argv: [touch, ${dir}/restarted] }
`;
    const failed = await runCli([`${writeProject({ 'site.yaml': site(true) })}/site.yaml`, '-i', sshd.inventory()]);
    expect(failed.exitCode).toBe(2);
    expect(failed.report!.hosts.local.recap.roundTrips).toBe(roundTrips);
    expect(existsSync(`${dir}/restarted`)).toBe(false);
    expect(recordOf(play)).toBe('restart app\n');

    const next = await runCli([`${writeProject({ 'site.yaml': site(false) })}/site.yaml`, '-i', sshd.inventory()]);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toMatch(/restart app \|.*notified by an earlier run/);
    expect(existsSync(`${dir}/restarted`)).toBe(true);
    expect(recordOf(play)).toBeNull();
  });

  it('a handler notified by a handler: the run fails in the first handler\'s flush, the next run runs the rest', async () => {
    const dir = mkdtempSync(join(work, 'chain-'));
    const play = `chain ${Date.now()}`;
    const project = writeProject({
      'site.yaml': `- name: ${play}
  hosts: all
  tasks:
    - name: config
      copy: { dest: ${dir}/app.conf, content: "v1\\n" }
      notify: restart app
  handlers:
    - name: reload web
      command: { argv: [touch, ${dir}/reloaded] }
    - name: restart app
      command: { argv: [touch, ${dir}/restarted] }
      notify: [check app, reload web]
    - name: check app
      command: { argv: [test, -f, ${dir}/healthy] }
`,
    });
    // restart app runs and notifies check app (after it: this flush) and reload web (before it: the next flush); check app fails.
    const failed = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(failed.exitCode).toBe(2);
    expect(failed.report!.hosts.local.tasks.filter((t) => t.handler).map((t) => `${t.name}: ${t.status}`)).toEqual(['restart app: changed', 'check app: failed']);
    expect(recordOf(play)?.split('\n').filter(Boolean).sort()).toEqual(['check app', 'reload web']);

    writeFileSync(`${dir}/healthy`, '');
    const next = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(next.exitCode).toBe(0);
    expect(next.report!.hosts.local.tasks.filter((t) => t.handler).map((t) => `${t.name}: ${t.status}`)).toEqual(['reload web: changed', 'check app: changed']);
    expect(existsSync(`${dir}/reloaded`)).toBe(true);
    expect(recordOf(play)).toBeNull();
  });
});
