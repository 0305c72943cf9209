// Ansible's connection and privilege variables at every level, on a real Debian host, with
// Ansible itself as the oracle: the same inventory and playbook go to `ansible-playbook` and
// to provision, and the host records who logged in on which port (sshd's ForceCommand writes
// it before running the command asked for) and who ran the task (root through sudo, or the
// login user). provision must connect and escalate exactly as Ansible does.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestHost, type TestHost } from '../support/host.js';
import { runCli } from '../support/provision.js';

const run = promisify(execFile);
let host: TestHost;
useTestHost('pv-connvars', (h) => (host = h));

const LOGINS = '/var/tmp/pv-logins';
// Runs every SSH session's command after noting "user port" (the server port of SSH_CONNECTION).
const FORCE_COMMAND = `#!/bin/sh
echo "$(id -un) \${SSH_CONNECTION##* }" >> ${LOGINS}
if [ -n "$SSH_ORIGINAL_COMMAND" ]; then exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"; else exec /bin/sh; fi
`;

beforeAll(async () => {
  const setup = [
    `cat > /usr/local/bin/pv-login <<'EOF'\n${FORCE_COMMAND}EOF`,
    'chmod 755 /usr/local/bin/pv-login',
    `printf 'Port 22\\nPort 2222\\nForceCommand /usr/local/bin/pv-login\\n' > /etc/ssh/sshd_config.d/pv-connvars.conf`,
    'systemctl restart ssh',
  ].join('\n');
  const r = await host.sh(setup);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

interface Case {
  name: string;
  /** Ansible YAML inventory; the host is `pvtarget`; ADDR, KEY and KH are filled in. */
  inventory: string;
  /** The play's become keyword (absent: none). */
  playBecome?: boolean;
  /** Extra variables, given to both tools the same way. */
  extra?: string[];
  /** Files beside the inventory (group_vars/, host_vars/). */
  files?: Record<string, string>;
  /** The play's vars: section (YAML flow mapping). */
  playVars?: string;
  /** What a user expects, checked too so that the oracle's answer is not taken blindly: "user port" of the login and who ran the task. */
  expected: { login: string; who: string };
}

const base = (hostVars: string, allVars = '', children = ''): string => `all:
  vars:
    ansible_ssh_private_key_file: KEY
    provision_known_hosts: KH
${allVars}  hosts:
    pvtarget:
      ansible_host: ADDR
${hostVars}${children}`;

const CASES: Case[] = [
  { name: 'nothing set: port 22, the local user', inventory: base(''), expected: { login: 'root 22', who: 'root' } },
  { name: 'ansible_port on all', inventory: base('', '    ansible_port: 2222\n'), expected: { login: 'root 2222', who: 'root' } },
  {
    name: 'ansible_port and ansible_user on a child group',
    inventory: `${base('')}  children:\n    web:\n      vars: { ansible_port: 2222, ansible_user: deploy }\n      hosts:\n        pvtarget:\n`,
    expected: { login: 'deploy 2222', who: 'deploy' },
  },
  {
    name: "ansible_ssh_port on the host wins over the group's ansible_port, and ansible_ssh_user over ansible_user",
    inventory: `${base('      ansible_ssh_port: 22\n      ansible_ssh_user: root\n')}  children:\n    web:\n      vars: { ansible_port: 2222, ansible_user: deploy }\n      hosts:\n        pvtarget:\n`,
    expected: { login: 'root 22', who: 'root' },
  },
  { name: 'ansible_user deploy with play become: true runs as root', inventory: base('      ansible_user: deploy\n'), playBecome: true, expected: { login: 'deploy 22', who: 'root' } },
  {
    name: "the host's ansible_become: false wins over the play's become: true",
    inventory: base('      ansible_user: deploy\n      ansible_become: false\n'),
    playBecome: true,
    expected: { login: 'deploy 22', who: 'deploy' },
  },
  {
    name: "a group's ansible_become: true (with become_user root, method sudo) escalates a play without become",
    inventory: `${base('      ansible_user: deploy\n')}  children:\n    admins:\n      vars: { ansible_become: true, ansible_become_user: root, ansible_become_method: sudo }\n      hosts:\n        pvtarget:\n`,
    expected: { login: 'deploy 22', who: 'root' },
  },
  { name: '-e ansible_user and ansible_port override the inventory', inventory: base('      ansible_user: root\n      ansible_port: 22\n'), extra: ['ansible_user=deploy ansible_port=2222'], expected: { login: 'deploy 2222', who: 'deploy' } },
  {
    name: 'ansible_ssh_host (alias) wins over ansible_host',
    inventory: base('      ansible_ssh_host: ADDR\n').replace('      ansible_host: ADDR\n', '      ansible_host: 127.0.0.2\n'),
    expected: { login: 'root 22', who: 'root' },
  },
  {
    name: 'group_vars/ beside the inventory: a group file sets the port, a directory of files the user',
    inventory: `${base('')}  children:\n    web:\n      hosts:\n        pvtarget:\n`,
    files: { 'group_vars/web.yml': 'ansible_port: 2222\n', 'group_vars/all/connection.yaml': 'ansible_user: deploy\n' },
    expected: { login: 'deploy 2222', who: 'deploy' },
  },
  {
    name: "host_vars/ wins over the inventory file's own host variables",
    inventory: base('      ansible_port: 22\n      ansible_user: root\n'),
    files: { 'host_vars/pvtarget.yml': 'ansible_port: 2222\nansible_user: deploy\nansible_become: true\n' },
    expected: { login: 'deploy 2222', who: 'root' },
  },
  { name: "the play's vars: set the port", inventory: base(''), playVars: '{ ansible_port: 2222 }', expected: { login: 'root 2222', who: 'root' } },
  {
    name: '-e ansible_become=true escalates a play that says become: false',
    inventory: base('      ansible_user: deploy\n'),
    playBecome: false,
    extra: ['{"ansible_become": true}'],
    expected: { login: 'deploy 22', who: 'root' },
  },
];

const playbook = (tool: string, id: number, become: boolean | undefined, vars?: string): string =>
  `- hosts: all\n${become === undefined ? '' : `  become: ${become}\n`}${vars ? `  vars: ${vars}\n` : ''}  tasks:\n    - command: { cmd: "sh -c 'id -un > /var/tmp/pv-who-${tool}-${id}'" }\n`;

async function observed(tool: string, id: number): Promise<{ logins: string[]; who: string }> {
  const logins = (await host.sh(`cat ${LOGINS}`)).stdout.split('\n').filter(Boolean);
  const who = (await host.sh(`cat /var/tmp/pv-who-${tool}-${id}`)).stdout.trim();
  return { logins: [...new Set(logins)].sort(), who };
}

describe('connection variables as Ansible uses them', () => {
  CASES.forEach((c, id) => {
    it(c.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pv-connvars-'));
      const inventory = join(dir, 'inventory.yaml');
      writeFileSync(
        inventory,
        c.inventory.replaceAll('ADDR', host.host.address).replaceAll('KEY', host.host.privateKeyPath).replaceAll('KH', host.host.knownHostsPath),
      );
      const extra = (c.extra ?? []).flatMap((e) => ['-e', e]);
      for (const [name, text] of Object.entries(c.files ?? {})) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }

      await host.sh(`: > ${LOGINS}; chmod 666 ${LOGINS}`);
      writeFileSync(join(dir, 'ansible.yaml'), playbook('ansible', id, c.playBecome, c.playVars));
      const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'none.cfg'), ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_PIPELINING: 'True', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3', ANSIBLE_NOCOLOR: '1' };
      const a = await run('ansible-playbook', ['-i', inventory, join(dir, 'ansible.yaml'), ...extra], { env }).catch((err) => err);
      expect(a.code ?? 0, `${a.stdout}\n${a.stderr}`).toBe(0);
      const ansible = await observed('ansible', id);

      await host.sh(`: > ${LOGINS}`);
      writeFileSync(join(dir, 'provision.yaml'), playbook('provision', id, c.playBecome, c.playVars));
      const p = await runCli([join(dir, 'provision.yaml'), '-i', inventory, ...extra]);
      expect(p.exitCode, p.stdout + p.stderr).toBe(0);
      const mine = await observed('provision', id);

      expect(mine).toEqual(ansible);
      expect(mine).toEqual({ logins: [c.expected.login], who: c.expected.who });
    }, 120_000);
  });

  it('a connection variable provision cannot carry out stops the run before any host is touched, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pv-connvars-'));
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, base('      ansible_become_method: su\n      ansible_password: "p@ss w:rd"\n').replaceAll('ADDR', host.host.address).replaceAll('KEY', host.host.privateKeyPath).replaceAll('KH', host.host.knownHostsPath));
    writeFileSync(join(dir, 'p.yaml'), playbook('refused', 0, true));
    await host.sh(`: > ${LOGINS}`);
    const r = await runCli([join(dir, 'p.yaml'), '-i', inventory]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${inventory}`);
    expect(r.stderr).toMatch(/pvtarget: ansible_become_method.*"su" is not supported/);
    expect(r.stderr).toMatch(/pvtarget: ansible_password.*keys only/);
    expect(r.stderr + r.stdout).not.toContain('p@ss w:rd');
    expect((await host.sh(`cat ${LOGINS}`)).stdout).toBe('');
  });
});
