import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeProject } from '../support/provision.js';

/**
 * Bad input ends with "No host was touched" only where a playbook was about to run on hosts;
 * inventory, vault, validate and the listings touch no host by nature, so they do not say it.
 */
const badInventory = 'all:\n  hosts:\n    web1:\n      ansible_port: [1\n';
const playbook = '- hosts: all\n  tasks:\n    - debug: { msg: "{{ nowhere_defined }}" }\n';
// A host no test reaches: bad input must stop the run before it is tried.
const unreachable = 'all:\n  hosts:\n    far: { ansible_host: 127.0.0.1, ansible_port: 1 }\n';

describe('errors of commands that touch no host do not say "no host was touched"', () => {
  it('inventory: a YAML error names the file and line, exit 4', async () => {
    const dir = writeProject({ 'hosts.yaml': badInventory });
    const r = await runCli(['inventory', '-i', join(dir, 'hosts.yaml'), '--list']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${join(dir, 'hosts.yaml')}:`);
    expect(r.stderr).not.toMatch(/touched/i);
  });

  it('inventory --host of an unknown host: exit 4, naming it', async () => {
    const dir = writeProject({ 'hosts.yaml': unreachable });
    const r = await runCli(['inventory', '-i', join(dir, 'hosts.yaml'), '--host', 'nosuch']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('no host named "nosuch"');
    expect(r.stderr).not.toMatch(/touched/i);
  });

  it('vault encrypt of a file already encrypted: exit 4, naming it', async () => {
    const dir = writeProject({ 'pass': 'p@ss "w$rd" `x`\n', 'secret.yaml': 'token: 1\n' });
    const env = { ANSIBLE_VAULT_PASSWORD_FILE: join(dir, 'pass') };
    expect((await runCli(['vault', 'encrypt', join(dir, 'secret.yaml')], env)).exitCode).toBe(0);
    const again = await runCli(['vault', 'encrypt', join(dir, 'secret.yaml')], env);
    expect(again.exitCode).toBe(4);
    expect(again.stderr).toContain(`${join(dir, 'secret.yaml')}: is already encrypted`);
    expect(again.stderr).not.toMatch(/touched/i);
  });

  it('vault view with the wrong password: an error, without the suffix', async () => {
    const dir = writeProject({ 'pass': 'right\n', 'wrong': 'wrong\n', 'secret.yaml': 'token: 1\n' });
    expect((await runCli(['vault', 'encrypt', join(dir, 'secret.yaml'), '--vault-password-file', join(dir, 'pass')])).exitCode).toBe(0);
    const r = await runCli(['vault', 'view', join(dir, 'secret.yaml'), '--vault-password-file', join(dir, 'wrong')]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('secret.yaml');
    expect(r.stderr).not.toMatch(/touched/i);
  });

  it('validate and --list-tasks of a playbook with bad input: exit 4, without the suffix', async () => {
    const dir = writeProject({ 'hosts.yaml': badInventory, 'site.yaml': playbook });
    for (const args of [['validate', join(dir, 'site.yaml')], [join(dir, 'site.yaml'), '--list-tasks']]) {
      const r = await runCli([...args, '-i', join(dir, 'hosts.yaml')]);
      expect(r.exitCode).toBe(4);
      expect(r.stderr).not.toMatch(/touched/i);
    }
  });
});

describe('errors that stopped a playbook run still say that no host was touched', () => {
  it.each([[[]], [['--check']]])('a run %j with an undefined variable: exit 4, "no host was touched"', async (flags) => {
    const dir = writeProject({ 'hosts.yaml': unreachable, 'site.yaml': playbook });
    const r = await runCli([join(dir, 'site.yaml'), '-i', join(dir, 'hosts.yaml'), ...flags]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/site\.yaml:3:\d+: .*nowhere_defined/);
    expect(r.stderr).toMatch(/no host was touched\./i);
  });

  it('a run with a bad inventory: exit 4, the suffix', async () => {
    const dir = writeProject({ 'hosts.yaml': badInventory, 'site.yaml': playbook });
    const r = await runCli([join(dir, 'site.yaml'), '-i', join(dir, 'hosts.yaml')]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/no host was touched/i);
  });
});
