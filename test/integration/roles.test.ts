import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, totals, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * A playbook with a role, over a real OpenSSH server: the role's default
 * overridden by the inventory, its template and file found inside the role,
 * its handler notified and run once; applied again, nothing changes.
 */
const { sshd, work } = useTestSshd('provision-roles-');

function project(dir: string): string {
  return writeProject({
    'playbooks/site.yaml': `- hosts: all
  roles:
    - role: greeter
      greeter_dir: "${dir}"
  post_tasks:
    - name: after the role's handler
      command: { argv: [test, -f, "${dir}/reloaded"] }
      changed_when: false
`,
    'roles/greeter/defaults/main.yaml': 'greeting: from the role defaults\ngreeter_mode: "0640"\n',
    'roles/greeter/meta/argument_specs.yaml': 'argument_specs:\n  main:\n    options:\n      greeter_dir: { type: path, required: true }\n      greeter_mode: { type: str, choices: ["0640", "0644"] }\n',
    'roles/greeter/tasks/main.yaml': `- name: the greeting
  template: { src: greeting.conf.hbs, dest: "{{ greeter_dir }}/greeting.conf", mode: "{{ greeter_mode }}" }
  notify: reload greeter
- import_tasks: static.yaml
`,
    'roles/greeter/tasks/static.yaml': `- name: a static file
  copy: { src: static.txt, dest: "{{ greeter_dir }}/static.txt" }
`,
    'roles/greeter/templates/greeting.conf.hbs': 'greeting={{ greeting }}\n',
    'roles/greeter/files/static.txt': 'shipped with the role\n',
    'roles/greeter/handlers/main.yaml': `- name: reload greeter
  command: { argv: [sh, -c, "echo r >> {{ greeter_dir }}/reloaded"] }
`,
    // Same names at the top level: the role's own must win.
    'templates/greeting.conf.hbs': 'wrong template\n',
    'files/static.txt': 'wrong file\n',
  });
}

describe('a role over SSH', () => {
  it('applies (inventory over role defaults, role template and file, role handler), then changes nothing', async () => {
    const dir = mkdtempSync(join(work, 'apply-'));
    const root = project(dir);
    const inventory = sshd.inventory('vars: { greeting: "from the inventory: $HOME `x` @:/#" }\n');
    const first = await runCli([join(root, 'playbooks/site.yaml'), '-i', inventory]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'greeting.conf'), 'utf8')).toBe('greeting=from the inventory: $HOME `x` @:/#\n');
    expect(readFileSync(join(dir, 'static.txt'), 'utf8')).toBe('shipped with the role\n');
    expect(readFileSync(join(dir, 'reloaded'), 'utf8')).toBe('r\n');
    const names = first.report!.hosts.local.tasks.map((t) => `${t.name}: ${t.status}`);
    expect(names).toEqual(['greeter : the greeting: changed', 'greeter : a static file: changed', 'meta flush_handlers: ok', 'greeter : reload greeter: changed', "after the role's handler: ok"]);

    const second = await runCli([join(root, 'playbooks/site.yaml'), '-i', inventory]);
    expect(second.exitCode).toBe(0);
    expect(totals(second.report)).toMatchObject({ changed: 0, failed: 0 });
    expect(readFileSync(join(dir, 'reloaded'), 'utf8')).toBe('r\n');
  }, 240_000);

  it("a role's argument checked before any host is touched (exit 4)", async () => {
    const root = project(join(work, 'never'));
    const r = await runCli([join(root, 'playbooks/site.yaml'), '-i', sshd.inventory(), '-e', 'greeter_mode=0777']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/playbooks\/site\.yaml:3:7: role "greeter": argument "greeter_mode" must be one of "0640", "0644", got "0777"/);
    expect(r.report).toBeUndefined();
  });
});
