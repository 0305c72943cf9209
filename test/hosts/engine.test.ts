import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testHostName, useTestHost, type TestHost } from '../support/host.js';
import { ROOT, runCli, totals, writeProject } from '../support/provision.js';

/** The engine on a real Debian host with systemd: sudo, services, and `provision test` itself. */
let host: TestHost;

useTestHost('pv-engine', (h) => (host = h));

function deployInventory(): string {
  const file = host.inventory.replace(/hosts\.yaml$/, 'deploy.yaml');
  writeFileSync(file, readFileSync(host.inventory, 'utf8').replace('user: root', 'user: deploy'));
  return file;
}

describe('become (sudo) as a non-root user', () => {
  const playbook = (become: boolean): string => `- hosts: all\n  become: ${become}\n  tasks:\n    - copy: { dest: /etc/provision-become-test, content: "by root\\n", mode: "0600" }\n`;

  it('writes root-owned files through sudo, and fails cleanly without it', async () => {
    const inventory = deployInventory();
    const denied = await runCli([`${writeProject({ 'p.yaml': playbook(false) })}/p.yaml`, '-i', inventory]);
    expect(denied.exitCode).toBe(2);
    expect(denied.stdout).toMatch(/failed \| copy \/etc\/provision-become-test \|.*Permission denied/s);

    const r = await runCli([`${writeProject({ 'p.yaml': playbook(true) })}/p.yaml`, '-i', inventory]);
    expect(r.exitCode).toBe(0);
    expect(totals(r.report)).toMatchObject({ changed: 1 });
    expect((await host.sh('stat -c "%U %a" /etc/provision-become-test; cat /etc/provision-become-test')).stdout).toBe('root 600\nby root\n');
    const again = await runCli([`${writeProject({ 'p.yaml': playbook(true) })}/p.yaml`, '-i', inventory]);
    expect(totals(again.report)).toMatchObject({ changed: 0, ok: 1 });
  });
});

describe('services and handlers on systemd', () => {
  it('a changed unit notifies its handler; unchanged, nothing runs', async () => {
    const project = writeProject({
      'p.yaml': `- hosts: all
  tasks:
    - copy:
        dest: /etc/systemd/system/sleeper.service
        content: "[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"
      notify: restart sleeper
    - service: { name: sleeper, state: started, enabled: true, daemon_reload: false }
  handlers:
    - name: restart sleeper
      service: { name: sleeper, state: restarted, daemon_reload: true }
`,
    });
    const first = await runCli([`${project}/p.yaml`, '-i', host.inventory]);
    expect(first.exitCode).toBe(0);
    expect(first.report!.hosts['pv-engine'].tasks.map((t) => `${t.handler ? 'handler ' : ''}${t.status}`)).toEqual(['changed', 'changed', 'handler changed']);
    expect((await host.sh('systemctl is-active sleeper; systemctl is-enabled sleeper')).stdout).toBe('active\nenabled\n');
    const second = await runCli([`${project}/p.yaml`, '-i', host.inventory]);
    expect(totals(second.report)).toMatchObject({ changed: 0, ok: 2 });
    expect(second.report!.hosts['pv-engine'].tasks.some((t) => t.handler)).toBe(false);
  });
});

describe('provision test', () => {
  it('its "check mode changes nothing" detector sees a file changed on the host', async () => {
    const { changedFiles } = await import('../../src/commands/test.js');
    const before = await changedFiles(host.host.machinePid, null);
    await host.sh('mkdir -p /opt/drift && echo x > /opt/drift/file && echo y > /var/log/ignored.log');
    const after = await changedFiles(host.host.machinePid, before.marker);
    expect(after.files).toContain('/opt/drift/file');
    expect(after.files).not.toContain('/var/log/ignored.log');
  });

  it('runs the whole lifecycle of the example playbook and leaves nothing behind', async () => {
    const name = await testHostName('pv-hello'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/hello.yaml`, '--name', name]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/passed\s+check mode on the fresh host: must change nothing/);
    expect(r.stdout).toMatch(/passed\s+converge again: nothing may change/);
    expect(r.stdout).toMatch(/ok\s+the page is served/);
    expect(r.stdout).toMatch(/passed\s+verify \(/);
    expect(existsSync(`/var/lib/provision/sandbox/${name}`)).toBe(false);
    expect((await runCli(['sandbox', 'list'])).stdout).not.toContain(name);
  }, 240_000); // a whole host's boot, apt install of nginx, two runs, verify and teardown

  it('fails, naming the task, when a second run would change something', async () => {
    const project = writeProject({ 'p.yaml': `- hosts: app\n  tasks:\n    - name: not idempotent\n      command: "date > /tmp/now"\n` });
    const name = await testHostName('pv-noidem'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${project}/p.yaml`, '--name', name]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/converge again: nothing may change: FAILED \(not idempotent: "not idempotent" \(run date > \/tmp\/now\)\)/);
    expect(r.stdout).toMatch(/FAILED\s+converge again: nothing may change/);
    expect(existsSync(`/var/lib/provision/sandbox/${name}`)).toBe(false);
  }, 240_000);

  it('refuses bad input before booting a host', async () => {
    const project = writeProject({ 'p.yaml': `- hosts: app\n  tasks:\n    - file: { path: /x, state: nope }\n` });
    const name = await testHostName('pv-bad'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${project}/p.yaml`, '--name', name]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/p\.yaml:3:\d+: tasks\[0\]\.file\.state/);
    expect(r.stdout).not.toContain('boot fresh host');
  });
});
