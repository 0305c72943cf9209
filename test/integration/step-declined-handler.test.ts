import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordOf } from '../support/handler-record.js';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * --step and the host's record of pending handlers: a handler answered No at a
 * mid-play flush stays notified (Ansible asks again at the next flush) and
 * stays recorded on the host, so a run that fails before the next flush leaves
 * it to the next run, like any handler notified and not yet run.
 */
const { sshd, work } = useTestSshd('provision-step-record-');

describe('--step: a handler answered No at a mid-play flush', { timeout: 600_000 }, () => {
  it('stays recorded on the host; the run fails before the end; the next run runs it', async () => {
    const dir = mkdtempSync(join(work, 'declined-'));
    const play = `declined ${Date.now()}`;
    const project = writeProject({
      'site.yaml': `- name: ${play}
  hosts: all
  tasks:
    - name: config
      copy: { dest: ${dir}/app.conf, content: "v1\\n" }
      notify: restart app
    - meta: flush_handlers
    - name: the go-ahead
      command: { argv: [test, -f, ${dir}/go-ahead] }
  handlers:
    - name: restart app
      command: { argv: [touch, ${dir}/restarted] }
`,
    });
    // config: yes; the handler at the flush: no; the go-ahead: yes (it fails).
    const stepped = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--step'], {}, { input: 'y\nn\ny\n' });
    expect(stepped.exitCode).toBe(2);
    expect(stepped.report!.hosts.local.tasks.find((t) => t.handler)).toMatchObject({ name: 'restart app', status: 'skipped' });
    expect(existsSync(`${dir}/restarted`)).toBe(false);
    expect(recordOf(play)).toBe('restart app\n');

    const next = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(next.report!.hosts.local.tasks.find((t) => t.handler)).toMatchObject({ name: 'restart app', status: 'changed' });
    expect(next.stdout).toMatch(/restart app \|.*notified by an earlier run/);
    expect(existsSync(`${dir}/restarted`)).toBe(true);
    // It ran: taken out of the record (by its own script), though the run failed after it.
    expect(recordOf(play)).toBeNull();
  });
});
