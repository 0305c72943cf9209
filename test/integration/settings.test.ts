import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVaultYaml } from '../../src/vault/encrypt-string.js';
import { encryptVaultText } from '../../src/vault/keyring.js';
import { CLI, WHOAMI_PLAYBOOK as whoami } from '../support/provision.js';
import { settingsProject } from '../support/settings-project.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * ansible.cfg on a real run against a loopback sshd: the project's file gives
 * the inventory, login user and key, so `provision site.yaml` needs no flag;
 * a flag or an ANSIBLE_* variable overrides it; what provision cannot carry
 * out stops the run before any host is touched.
 */
let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

const CFG = `[defaults]
inventory = hosts.yaml
remote_user = root
private_key_file = keys/deploy
forks = 3
`;

describe('ansible.cfg: inventory, remote_user and private_key_file make a run work with no flags', () => {
  it('no flag: the file\'s inventory, user and key; the task runs as root, exit 0; -vv names the file and line of each', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': CFG });
    const r = await p.run(['site.yaml', '-vv']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Using ${p.dir}/ansible.cfg as config file`);
    expect(r.stdout).toContain(`remote_user = root (${p.dir}/ansible.cfg:3)`);
    expect(r.stdout).toContain(`private_key_file = ${p.dir}/keys/deploy (${p.dir}/ansible.cfg:4)`);
  });

  it('without ansible.cfg the same command finds no inventory: exit 4', async () => {
    const p = settingsProject(sshd, whoami);
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('inventory inventory/hosts.yaml does not exist');
  });

  it('-u wins over remote_user: sshd has no login for nobody, exit 3', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': CFG });
    const r = await p.run(['site.yaml', '-u', 'nobody']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('authentication failed for user nobody');
  });

  it('ANSIBLE_REMOTE_USER wins over the file, and -u over ANSIBLE_REMOTE_USER', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': CFG });
    const byEnv = await p.run(['site.yaml'], { ANSIBLE_REMOTE_USER: 'nobody' });
    expect(byEnv.exitCode).toBe(3);
    expect(byEnv.stdout).toContain('authentication failed for user nobody');
    const byFlag = await p.run(['site.yaml', '-u', 'root'], { ANSIBLE_REMOTE_USER: 'nobody' });
    expect(byFlag.exitCode).toBe(0);
  });

  it('--private-key wins over private_key_file: a key sshd does not know, exit 3', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': CFG, 'keys/other': '' });
    const r = await p.run(['site.yaml', '--private-key', '/dev/null']);
    expect(r.exitCode).toBe(3);
  });

  it('the inventory\'s ansible_user wins over remote_user, as in Ansible', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': CFG.replace('remote_user = root', 'remote_user = nobody'), 'group_vars/all.yaml': 'ansible_user: root\n' });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(0);
  });

  it('become_method = su is refused before any host is touched: exit 4, naming the file and line', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': `${CFG}[privilege_escalation]\nbecome_method = su\n` });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${p.dir}/ansible.cfg:7: [privilege_escalation] become_method: su is not supported`);
    expect(r.stdout).not.toContain('who');
  });

  it('a key provision does not read is one warning naming file:line and the key; the run goes on', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': `${CFG}[ssh_connection]\nssh_args = -o ForwardAgent=yes\n` });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr.match(/ssh_args/g)).toHaveLength(1);
    expect(r.stderr).toContain(`${p.dir}/ansible.cfg:7: [ssh_connection] ssh_args is not read by provision`);
  });
});

describe('host_key_checking = False: as ssh -o StrictHostKeyChecking=no, with a warning on every run', () => {
  it('an unknown host key is refused by default (exit 3), accepted and recorded with host_key_checking = False, with the warning naming file:line', async () => {
    const p = settingsProject(sshd, whoami, '');
    p.write({ 'ansible.cfg': CFG });
    const strict = await p.run(['site.yaml']);
    expect(strict.exitCode).toBe(3);
    p.write({ 'ansible.cfg': `${CFG}host_key_checking = False\n` });
    for (let i = 0; i < 2; i++) {
      const r = await p.run(['site.yaml']);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(`${p.dir}/ansible.cfg:6: host_key_checking is off`);
      // Recorded in the user file the first time (as ssh's "Permanently added"), known the second.
      expect(r.stderr.includes('was unknown; accepted and recorded')).toBe(i === 0);
    }
    expect(readFileSync(p.knownHosts, 'utf8')).toContain(sshd.hostPublicKey.split(' ')[1]);
  });

  it('a CHANGED host key is accepted with host_key_checking = False, and said for that host', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'provision-other-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keyDir, 'k')]);
    const other = readFileSync(join(keyDir, 'k.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const p = settingsProject(sshd, whoami, `[127.0.0.1]:${sshd.port} ${other}\n`);
    p.write({ 'ansible.cfg': `${CFG}host_key_checking = False\n` });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('local: HOST KEY CHANGED for [127.0.0.1]:');
  });

  it('a revoked host key is refused even with host_key_checking = False (exit 3)', async () => {
    const key = sshd.hostPublicKey.split(' ').slice(0, 2).join(' ');
    const p = settingsProject(sshd, whoami, `@revoked [127.0.0.1]:${sshd.port} ${key}\n`);
    p.write({ 'ansible.cfg': `${CFG}host_key_checking = False\n` });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('REVOKED HOST KEY');
  });
});

describe('ansible.cfg for provision inventory, validate and the vault', () => {
  // A vault password and a secret with the characters that break files and shells.
  const PASSWORD = `pw "q" 'a' $HOME \`id\` @:/# sp`;
  const SECRET = `s3 "q" $X \`id\` @h:1/p#f sp`;

  function vaultProject() {
    const p = settingsProject(sshd, whoami);
    const vaulted = formatVaultYaml(encryptVaultText(Buffer.from(SECRET), { id: 'default', password: Buffer.from(PASSWORD) }), 'db_password');
    p.write({ 'ansible.cfg': `${CFG}vault_password_file = secrets/vault-pass.txt\n`, 'secrets/vault-pass.txt': `${PASSWORD}\n`, 'group_vars/all.yaml': `${vaulted}\n` });
    return p;
  }

  it('provision inventory uses the file\'s inventory and vault_password_file (relative to ansible.cfg); the secret is masked', async () => {
    const p = vaultProject();
    const r = await p.run(['inventory', '--host', 'local']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ db_password: '********', ansible_port: sshd.port });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('from a subdirectory with ANSIBLE_CONFIG=..: the same paths, relative to the file, not to the current directory', async () => {
    const p = vaultProject();
    p.write({ 'sub/.keep': '' });
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'validate', '../site.yaml'], { cwd: join(p.dir, 'sub'), env: { PATH: process.env.PATH ?? '', HOME: p.home, ANSIBLE_CONFIG: '..' } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    expect(r.out).toContain('valid (1 host');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain(SECRET);
  });

  it('without the setting the vaulted value needs a password: exit 4', async () => {
    const p = vaultProject();
    p.write({ 'ansible.cfg': CFG });
    const r = await p.run(['inventory', '--host', 'local']);
    expect(r.exitCode).toBe(4);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('an inventory named in ansible.cfg that does not exist: exit 4 naming the file and line', async () => {
    const p = settingsProject(sshd, whoami);
    p.write({ 'ansible.cfg': '[defaults]\n\ninventory = hosts.yaml, web1,web2\n' });
    const r = await p.run(['validate', 'site.yaml']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${p.dir}/ansible.cfg:3: inventory: ${p.dir}/web1 does not exist`);
  });
});
