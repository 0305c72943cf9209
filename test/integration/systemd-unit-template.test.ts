import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * A systemd_unit template file that reads a registered result and a set_fact name is rendered
 * at run time, with the values the run produced (before, it was rendered before the run, where
 * those names do not exist yet). Check mode with --diff on a real sshd: the command runs
 * (check_mode: false), the unit is only planned, and its diff shows what the file would hold.
 */
const { sshd } = useTestSshd('provision-unit-template-');

describe('systemd_unit src reading run-time values', () => {
  it('renders the registered result and the set_fact value the run produced', async () => {
    const marker = `v-${process.pid}-${Date.now()}`;
    const dir = writeProject({
      'site.yaml': `- hosts: all
  gather_facts: false
  tasks:
    - name: a result only the run knows
      command: { argv: [echo, "${marker}"] }
      register: out
      changed_when: false
      check_mode: false
    - set_fact: { mode_from_result: "mode-{{ out.stdout }}" }
    - name: the unit
      systemd_unit: { name: provision-test-${process.pid}.service, src: app.service.hbs }
`,
      'templates/app.service.hbs': '[Service]\nExecStart=/bin/app --version {{ out.stdout }} --mode {{ mode_from_result }}\n',
    });
    const r = await runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), '--check', '--diff']);
    expect(r.stderr).toBe('');
    const unit = r.report!.hosts.local.tasks.find((t) => t.name === 'the unit')!;
    expect(unit.status, unit.message).toBe('changed');
    expect(unit.diff).toContain(`+ExecStart=/bin/app --version ${marker} --mode mode-${marker}`);
    expect(r.exitCode).toBe(0);
  }, 60_000);
});
