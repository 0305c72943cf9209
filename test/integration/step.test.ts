import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * --step against a real sshd on loopback, answers piped on stdin as an operator
 * would type them. What ran is read from the host's files, not only from the output.
 */
const { sshd, work } = useTestSshd('provision-step-');

/** Three tasks, each touching a file named after it; `two` notifies the handler, which touches `handled`. */
function stepProject(): { playbook: string; out: string } {
  const out = mkdtempSync(join(work, 'out-'));
  const touch = (name: string): string => `command: { argv: [touch, ${out}/${name}] }`;
  const project = writeProject({
    'site.yaml': `- hosts: all
  tasks:
    - name: one
      ${touch('one')}
    - name: two
      ${touch('two')}
      notify: mark it
    - name: three
      ${touch('three')}
  handlers:
    - name: mark it
      ${touch('handled')}
`,
  });
  return { playbook: join(project, 'site.yaml'), out };
}

const question = (task: string, kind = 'TASK'): string => `Perform task: ${kind}: ${task} (N)o/(y)es/(c)ontinue: `;

describe('--step: asked before each task, as ansible-playbook --step', { timeout: 180_000 }, () => {
  it.each([
    ['y y y y: every task and the handler run', 'y\ny\ny\ny\n', ['handled', 'one', 'three', 'two'], ['one', 'two', 'three', 'HANDLER:mark it']],
    ['n y n n n: only two runs; its handler is asked and refused at both flushes of the end, as in Ansible', 'n\ny\nn\nn\nn\n', ['two'], ['one', 'two', 'three', 'HANDLER:mark it', 'HANDLER:mark it']],
    ['y c: one, then everything without asking', 'y\nc\n', ['handled', 'one', 'three', 'two'], ['one', 'two']],
    ['Enter is No (the default); "yes" is yes', '\nyes\n\nYES\n', ['handled', 'two'], ['one', 'two', 'three', 'HANDLER:mark it']],
  ])('%s', async (_, answers, files, asked) => {
    const { playbook, out } = stepProject();
    const r = await runCli([playbook, '-i', sshd.inventory(), '--step'], {}, { input: answers });
    expect(r.exitCode).toBe(0);
    expect(readdirSync(out).sort()).toEqual(files);
    const expected = asked.map((a) => (a.startsWith('HANDLER:') ? question(a.slice(8), 'HANDLER') : question(a)));
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Perform task:')).map((l) => l.replace(/[^ ]*$/, ''))).toEqual(expected);
    // A task answered No is shown (and reported) as skipped.
    const statuses = Object.fromEntries(r.report!.hosts.local.tasks.map((t) => [t.handler ? `handler ${t.name}` : t.name, t.status]));
    for (const name of ['one', 'two', 'three']) expect(statuses[name]).toBe(files.includes(name) ? 'changed' : 'skipped');
  });

  it('n on the task that notifies the handler: the handler is never notified, so neither asked nor run', async () => {
    const { playbook, out } = stepProject();
    const r = await runCli([playbook, '-i', sshd.inventory(), '--step'], {}, { input: 'y\nn\ny\n' });
    expect(r.exitCode).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['one', 'three']);
    expect(r.stderr).not.toContain('HANDLER');
    expect(r.stdout).toContain('local | skipped | two | skipped: answered no at --step');
    expect(r.report!.hosts.local.tasks.some((t) => t.handler)).toBe(false);
  });

  it('with --check: asked the same, nothing changes on the host, an answered-no task is skipped', async () => {
    const { playbook, out } = stepProject();
    const r = await runCli([playbook, '-i', sshd.inventory(), '--step', '--check'], {}, { input: 'n\ny\ny\ny\n' });
    expect(r.exitCode).toBe(0);
    expect(readdirSync(out)).toEqual([]);
    expect(r.stdout).toContain('local | skipped | one | skipped: answered no at --step');
    expect(r.stdout).toContain('local | would change | two |');
    expect(r.stdout).toContain('local | would change | handler: mark it |');
  });

  it('two hosts: each task is asked once, and the answer applies to both', async () => {
    const { playbook, out } = stepProject();
    // A second inventory host on the same sshd, with its own run lock.
    const inventory = sshd.inventory(`  other:\n    address: 127.0.0.1\n    port: ${sshd.port}\n    user: root\n    private_key: ${sshd.clientKey}\n    known_hosts: ${sshd.knownHosts}\n    vars: { provision_lock_file: ${out}.other.lock }\n`);
    const r = await runCli([playbook, '-i', inventory, '--step'], {}, { input: 'y\nn\nn\n' });
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Perform task:'))).toHaveLength(3);
    expect(readdirSync(out)).toEqual(['one']);
    for (const host of ['local', 'other']) expect(r.report!.hosts[host].tasks.map((t) => `${t.name}:${t.status}`)).toEqual(['one:changed', 'two:skipped', 'three:skipped']);
  });

  it('endless answers (`yes y |`): read one per question, so the run neither starves nor waits', () => {
    const { playbook, out } = stepProject();
    const r = spawnSync('sh', ['-c', `yes y | "${process.execPath}" "${CLI}" "${playbook}" -i "${sshd.inventory()}" --step`], { encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' }, timeout: 150_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['handled', 'one', 'three', 'two']);
  });

  it('the answers run out: the run stops before the next task (exit 130, as an interrupt), nothing more runs', async () => {
    const { playbook, out } = stepProject();
    const r = await runCli([playbook, '-i', sshd.inventory(), '--step'], {}, { input: 'y\n' });
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain('--step: no more answers (end of input)');
    expect(readdirSync(out)).toEqual(['one']);
  });

  it('no terminal and no piped input: exit 5 before any host is touched', async () => {
    const { playbook, out } = stepProject();
    const r = await runCli([playbook, '-i', sshd.inventory(), '--step'], {}, { noTerminal: true });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('--step needs a terminal or piped input');
    expect(r.report).toBeUndefined();
    expect(existsSync(join(out, 'one'))).toBe(false);
  });
});
