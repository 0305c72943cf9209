import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, totals, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

const { sshd, work } = useTestSshd('provision-faults-');

describe('a run that fails between a change and its handlers', () => {
  it('remembers the notified handlers on the host and runs them on the next run', async () => {
    const play = `handlers-${Date.now()}`;
    const project = writeProject({
      'site.yaml': `- name: ${play}
  hosts: all
  tasks:
    - name: config
      copy: { dest: ${work}/app.conf, content: "v1\\n" }
      notify: restart app
    - name: needs the go-ahead
      command: { argv: [test, -f, ${work}/go-ahead] }
  handlers:
    - name: restart app
      command: { argv: [sh, -c, "echo restarted >> ${work}/restarts"] }
`,
    });
    const failed = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(failed.exitCode).toBe(2);
    expect(existsSync(`${work}/restarts`)).toBe(false);

    writeFileSync(`${work}/go-ahead`, '');
    const check = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--check']);
    expect(check.stdout).toMatch(/would change \| handler: restart app \|.*notified by an earlier run/);
    expect(existsSync(`${work}/restarts`)).toBe(false);

    const resumed = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(resumed.exitCode).toBe(0);
    const tasks = resumed.report!.hosts.local.tasks;
    expect(tasks.find((t) => t.name === 'config')).toMatchObject({ status: 'ok' });
    expect(tasks.find((t) => t.handler)).toMatchObject({ name: 'restart app', status: 'changed' });
    expect(existsSync(`${work}/restarts`)).toBe(true);

    const third = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(totals(third.report)).toMatchObject({ changed: 1, failed: 0 }); // only the always-running command
    expect(third.report!.hosts.local.tasks.some((t) => t.handler)).toBe(false);
  });
});

describe('hosts that fail to connect or drop mid-run', () => {
  it('a refused key and a dropped connection fail those hosts with the reason; the others finish', async () => {
    const base = readFileSync(sshd.inventory(), 'utf8');
    const entry = base.slice(base.indexOf('  local:'));
    const wrongKey = join(work, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const inv = join(work, 'three.yaml');
    writeFileSync(
      inv,
      `hosts:\n${entry}${entry.replace('  local:', '  dropper:').replace('.lock }', '-dropper.lock }')}${entry.replace('  local:', '  badkey:').replace(/private_key: .*/, `private_key: ${wrongKey}`)}`,
    );
    const project = writeProject({
      'site.yaml': `- hosts: all
  tasks:
    - name: drop my own connection
      # Kills the nearest sshd process above this shell: the session of this connection only.
      command: { cmd: "p=$PPID; while [ \\"$(ps -o comm= -p $p)\\" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d ' '); done; kill -9 $p", creates: ${work}/never-there }
      when: inventory_hostname == 'dropper'
    - name: marker
      file: { path: "${work}/{{ inventory_hostname }}.done", state: directory }
`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', inv]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(3);
    expect(r.report!.hosts.local.recap).toMatchObject({ changed: 1, failed: 0, unreachable: 0 });
    expect(existsSync(`${work}/local.done`)).toBe(true);
    expect(r.report!.hosts.badkey.recap).toMatchObject({ unreachable: 1 });
    expect(r.report!.hosts.badkey.recap.error).toMatch(/authentication failed for user root/);
    expect(r.report!.hosts.dropper.recap).toMatchObject({ unreachable: 1 });
    expect(r.report!.hosts.dropper.recap.error).toMatch(/dropper: unreachable: connection lost/);
    expect(existsSync(`${work}/dropper.done`)).toBe(false);
  });
});

describe('two runs against one host at once', () => {
  it('the second refuses while the first applies changes; afterwards the lock is free', async () => {
    // The first run's change holds until the test lets it go (at most 120 s): the second run meets
    // it mid-apply however slowly either starts on a loaded machine.
    const started = `${work}/first-started`;
    const release = `${work}/first-release`;
    const slow = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - name: slow change\n      command: { cmd: "touch ${started}; i=0; while [ ! -e ${release} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; touch ${work}/first-done", creates: ${work}/first-done }\n` });
    const quick = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - name: quick change\n      file: { path: ${work}/second-${Date.now()}, state: directory }\n` });
    const inv = sshd.inventory();
    const first = runCli([`${slow}/site.yaml`, '-i', inv]);
    const deadline = Date.now() + 120_000;
    while (!existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const second = await runCli([`${quick}/site.yaml`, '-i', inv]);
    writeFileSync(release, '');
    expect(second.exitCode).toBe(2);
    expect(second.stdout).toMatch(/failed \| quick change \| another provision run is applying changes to this host \(\S+ pid \d+ since /);
    expect((await first).exitCode).toBe(0);
    expect(existsSync(`${work}/first-done`)).toBe(true);
    const again = await runCli([`${quick}/site.yaml`, '-i', inv]);
    expect(again.exitCode).toBe(0);
    // Check mode reads only: it takes no lock.
    const check = await runCli([`${slow}/site.yaml`, '-i', inv, '--check']);
    expect(check.exitCode).toBe(0);
  });
});

describe('Ctrl-C', () => {
  it('lets the running task finish, starts nothing new, prints a recap and exits 130', async () => {
    const project = writeProject({
      'site.yaml': `- hosts: all
  tasks:
    - name: slow
      command: { cmd: "sleep 2; touch ${work}/slow-done" }
    - name: after
      command: { cmd: "touch ${work}/after" }
`,
    });
    const child = spawn(process.execPath, [CLI, `${project}/site.yaml`, '-i', sshd.inventory(), '--verbose'], { env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const started = new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('running | slow')) resolve();
      });
    });
    await started;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('Interrupted');
    expect(existsSync(`${work}/slow-done`)).toBe(true);
    expect(existsSync(`${work}/after`)).toBe(false);
    expect(stdout).toMatch(/local \| changed \| slow/);
    expect(stdout).toMatch(/RECAP\nlocal\s+: ok=0 changed=1/);
  });
});

describe('large input', () => {
  it('a 10 MB template is written and compared by hash', async () => {
    const big = 'x'.repeat(1023) + '\n';
    const project = writeProject({
      'site.yaml': `- hosts: all\n  tasks:\n    - template: { src: big.hbs, dest: ${work}/big.txt }\n`,
      'templates/big.hbs': big.repeat(10 * 1024),
    });
    const first = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(first.exitCode).toBe(0);
    const second = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(totals(second.report)).toMatchObject({ changed: 0, ok: 1 });
  }, 120_000);

  it('an inventory of 10,000 hosts validates in seconds', async () => {
    const lines = ['hosts:'];
    for (let i = 0; i < 10_000; i++) lines.push(`  h${i}: { address: 10.9.${i >> 8}.${i & 255} }`);
    const project = writeProject({
      'hosts.yaml': `${lines.join('\n')}\n`,
      'site.yaml': `- hosts: all\n  tasks:\n    - copy: { dest: /etc/motd, content: "{{ inventory_hostname }} of {{ groups.all.length }}\\n" }\n`,
    });
    const started = Date.now();
    const r = await runCli(['validate', `${project}/site.yaml`, '-i', `${project}/hosts.yaml`]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('valid (10000 hosts, 10000 task runs)');
    expect(Date.now() - started).toBeLessThan(60_000); // a bound against hangs, not a benchmark
  }, 120_000);
});
