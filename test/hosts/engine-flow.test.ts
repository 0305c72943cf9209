import { describe, expect, it } from 'vitest';
import { TEST_RELEASE, useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject } from '../support/provision.js';

/**
 * Playbooks that compute, on a fresh Debian host with systemd: a loop over
 * packages and users, a command's output registered and branched on, a failure
 * rescued with `always`, handlers flushed mid-play, an assertion on a host fact.
 * In check mode (changes nothing, shows the unknowns), applied, applied again.
 */
let host: TestHost;
useTestHost('pv-flow', (h) => (host = h));

const PLAYBOOK = `- hosts: all
  vars:
    tools: [hello, figlet]
    app_users:
      - { name: ada, shell: /bin/bash }
      - { name: brian, shell: /bin/sh }
  tasks:
    - assert:
        that:
          - ansible_distribution == "Debian"
          - ansible_distribution_release in ["bookworm", "trixie"]
    - name: tools
      loop: "{{ tools }}"
      apt: { packages: ["{{ item }}"], install_recommends: false }
    - name: app users
      loop: "{{ app_users }}"
      loop_control: { loop_var: u, label: "{{ u.name }}" }
      user: { name: "{{ u.name }}", shell: "{{ u.shell }}" }
    - name: which app users exist
      command: { argv: [sh, -c, "getent passwd ada brian | cut -d: -f1"] }
      register: homes
      changed_when: false
      check_mode: false
      # getent exits 2 when a name is not found (and still prints the others).
      failed_when: homes.rc not in [0, 2]
    - name: a note for each home
      loop: "{{ homes.stdout_lines }}"
      copy: { dest: "/home/{{ item }}/welcome.txt", content: "hello {{ item }} on {{ ansible_distribution_release }}\\n", owner: "{{ item }}" }
    - name: figlet's banner
      command: { argv: [figlet, -w, "60", hi] }
      register: banner
      changed_when: false
    - name: keep the banner when it has lines
      when: banner.stdout_lines | length > 1
      copy: { dest: /etc/banner.txt, content: "{{ banner.stdout }}\\n" }
    - name: a unit, then restart it before going on
      copy:
        dest: /etc/systemd/system/flow.service
        content: "[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"
      notify: restart flow
    - meta: flush_handlers
    - name: the service runs
      command: { argv: [systemctl, is-active, flow] }
      changed_when: false
    - name: migrate or fall back
      block:
        - name: a migration that fails
          command: { argv: [sh, -c, "test -f /etc/flow-migrated || exit 3"] }
      rescue:
        - name: the fallback
          copy: { dest: /etc/flow-fallback, content: "used\\n" }
      always:
        - copy: { dest: /etc/flow-always, content: "ran\\n" }
  handlers:
    - name: restart flow
      service: { name: flow, state: restarted, enabled: true, daemon_reload: true }
`;

describe('playbooks that compute, on a fresh host', () => {
  it('check mode: nothing changes on the host; what cannot be known is shown as unknown', async () => {
    const project = writeProject({ 'flow.yaml': PLAYBOOK });
    const { changedFiles } = await import('../../src/commands/test.js');
    const before = await changedFiles(host.host.machinePid, null);
    const r = await runCli([`${project}/flow.yaml`, '-i', host.inventory, '--check']);
    const after = await changedFiles(host.host.machinePid, before.marker);
    expect(after.files).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/ok \| assert \| All assertions passed/);
    expect(r.stdout).toMatch(/would change \| tools \(item=figlet\) \|/);
    expect(r.stdout).toMatch(/would change \| app users \(item=brian\) \|/);
    // getent ran for real (check_mode: false): no app user yet, so no note.
    expect(r.stdout).toMatch(/skipped \| a note for each home \| no items in the loop/);
    // figlet is not installed yet and check mode does not run it: its output is unknown.
    expect(r.stdout).toMatch(/unknown \| keep the banner when it has lines \| unknown in check mode/);
    expect(r.exitCode).toBe(0);
  });

  it('applied: loops, branches, handlers flushed mid-play, rescue and always; applied again: 0 changed', async () => {
    const project = writeProject({ 'flow.yaml': PLAYBOOK });
    const first = await runCli([`${project}/flow.yaml`, '-i', host.inventory]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect((await host.sh('for b in hello figlet; do command -v $b; done | wc -l; getent passwd ada brian | cut -d: -f1,7')).stdout).toBe('2\nada:/bin/bash\nbrian:/bin/sh\n');
    expect((await host.sh('cat /home/ada/welcome.txt; stat -c %U /home/brian/welcome.txt')).stdout).toBe(`hello ada on ${TEST_RELEASE}\nbrian\n`);
    expect((await host.sh('test -s /etc/banner.txt && echo banner; systemctl is-active flow; cat /etc/flow-fallback /etc/flow-always')).stdout).toBe('banner\nactive\nused\nran\n');
    const tasks = first.report!.hosts['pv-flow'].tasks as any[];
    const names = tasks.map((t) => `${t.handler ? 'handler ' : ''}${t.name}`);
    expect(names.indexOf('handler restart flow')).toBeLessThan(names.indexOf('the service runs'));
    expect(tasks.find((t) => t.name === 'a migration that fails')).toMatchObject({ status: 'failed', handled: 'rescued' });
    expect(first.report!.hosts['pv-flow'].recap).toMatchObject({ failed: 0, rescued: 1 });

    const again = await runCli([`${project}/flow.yaml`, '-i', host.inventory]);
    expect(again.exitCode).toBe(0);
    expect(totals(again.report)).toMatchObject({ changed: 0, failed: 0 });
    expect(again.report!.hosts['pv-flow'].tasks.some((t: any) => t.handler)).toBe(false);
  });
});
