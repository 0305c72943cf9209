import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestHost, type TestHost } from '../support/host.js';
import { CLI, runCli, totals, writeProject } from '../support/provision.js';

/**
 * ProxyJump and sudo passwords on real Debian hosts: pv-inner accepts SSH only
 * from pv-bast (an nftables rule in its network namespace), so this machine
 * reaches it only through pv-bast. No test reads the real ~/.ssh/config.
 */
let bast: TestHost;
let inner: TestHost;
let dir: string;
let knownHosts: string;

beforeAll(async () => {
  [bast, inner] = await Promise.all([bootTestHost('pv-bast'), bootTestHost('pv-inner')]);
  dir = mkdtempSync(join(tmpdir(), 'provision-jump-'));
  // One known_hosts with both hosts' keys, as a user's would be.
  knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, readFileSync(bast.host.knownHostsPath, 'utf8') + readFileSync(inner.host.knownHostsPath, 'utf8'));
  // The machine's nft, in pv-inner's network namespace only.
  execFileSync('nsenter', ['-t', String(inner.host.machinePid), '-n', 'nft', '-f', '-'], {
    input: `table inet pvjump {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport 22 ip saddr != ${bast.host.address} reject with tcp reset\n  }\n}\n`,
  });
});
afterAll(async () => {
  await Promise.all([bast?.destroy(), inner?.destroy()]);
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A config that gives the bastion its own key (each test host has its own). */
function bastionConfig(extra = ''): string {
  return file(`config-${Math.random().toString(36).slice(2)}`, `Host ${bast.host.address}\n  User root\n  IdentityFile ${bast.host.privateKeyPath}\n${extra}`);
}

function innerInventory(extra: string, user = 'root'): string {
  return file(`hosts-${Math.random().toString(36).slice(2)}.yaml`, `hosts:\n  pv-inner:\n    address: ${inner.host.address}\n    user: ${user}\n    private_key: ${inner.host.privateKeyPath}\n    known_hosts: ${knownHosts}\n${extra}`);
}

const env = (config = 'none'): Record<string, string> => ({ HOME: dir, SSH_AUTH_SOCK: '', PROVISION_SSH_CONFIG: config });

describe('ProxyJump through a bastion', () => {
  const marker = (tag: string): string => writeProject({ 'p.yaml': `- hosts: all\n  tasks:\n    - copy: { dest: /root/jumped-${tag}, content: "via bastion\\n" }\n` }) + '/p.yaml';

  it('pv-inner is unreachable directly', async () => {
    const started = Date.now();
    const r = await runCli([marker('direct'), '-i', innerInventory(''), '-T', '5'], env(bastionConfig()));
    expect(r.exitCode).toBe(3);
    expect(r.report!.hosts['pv-inner'].recap.error).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('proxy_jump in the inventory reaches it through pv-bast, checking both host keys', async () => {
    const r = await runCli([marker('inventory'), '-i', innerInventory(`    proxy_jump: root@${bast.host.address}:22\n`)], env(bastionConfig()));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(totals(r.report)).toMatchObject({ changed: 1, unreachable: 0 });
    expect((await inner.sh('cat /root/jumped-inventory')).stdout).toBe('via bastion\n');
  });

  it('ProxyJump from the ssh config alone (aliases for both hosts)', async () => {
    const config = file('config-aliases', [
      'Host inner',
      `  HostName ${inner.host.address}`,
      '  User root',
      `  IdentityFile ${inner.host.privateKeyPath}`,
      '  ProxyJump bastion',
      'Host bastion',
      `  HostName ${bast.host.address}`,
      '  User root',
      `  IdentityFile ${bast.host.privateKeyPath}`,
      `  UserKnownHostsFile ${knownHosts}`,
      'Host *',
      `  UserKnownHostsFile ${knownHosts}`,
      '',
    ].join('\n'));
    const inv = file('aliases.yaml', 'hosts:\n  pv-inner:\n    address: inner\n');
    const r = await runCli([marker('config'), '-i', inv], env(config));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect((await inner.sh('cat /root/jumped-config')).stdout).toBe('via bastion\n');
  });

  it('an unknown bastion host key is refused, naming the jump host', async () => {
    const onlyInner = file('known_hosts_inner', readFileSync(inner.host.knownHostsPath, 'utf8'));
    const inv = file('kh.yaml', `hosts:\n  pv-inner:\n    address: ${inner.host.address}\n    private_key: ${inner.host.privateKeyPath}\n    known_hosts: ${onlyInner}\n    proxy_jump: ${bast.host.address}\n`);
    const r = await runCli([marker('kh'), '-i', inv], env(bastionConfig()));
    expect(r.exitCode).toBe(3);
    expect(r.report!.hosts['pv-inner'].recap.error).toContain(`pv-inner: unreachable: jump host root@${bast.host.address}: host key of ${bast.host.address}:22 is not in ${onlyInner}`);
  });
});

describe('sudo with a password (deploy has one; its sudoers rule has no NOPASSWD)', () => {
  // Were this line ever run by a shell, the file would appear.
  const password = 'touch /tmp/password-was-run; Xk9';
  const wrong = 'wrong-Passw0rd-77';
  const playbook = (tag: string): string =>
    writeProject({ 'p.yaml': `- hosts: all\n  become: true\n  tasks:\n    - copy: { dest: /etc/pw-${tag}, content: "by root\\n", mode: "0600" }\n    - command: { argv: [touch, /root/also-${tag}] }\n` }) + '/p.yaml';
  const viaJump = `    proxy_jump: root@${'BAST'}\n`;
  const inventory = (extra = ''): string => innerInventory(viaJump.replace('BAST', bast.host.address) + extra, 'deploy');

  beforeAll(async () => {
    const r = await inner.sh(
      `printf '%s\\n' 'deploy:${password}' | chpasswd && printf 'deploy ALL=(ALL) ALL\\nDefaults:deploy timestamp_type=global\\n' > /etc/sudoers.d/deploy && chmod 440 /etc/sudoers.d/deploy && visudo -cq`,
    );
    expect(r.code, r.stderr).toBe(0);
  });
  const forget = (): Promise<unknown> => inner.sh('rm -rf /run/sudo/ts /var/run/sudo/ts');
  // A become task that reads no facts first: its sudo runs when the task applies, so a refusal fails that task.
  const commandOnly = (tag: string): string =>
    writeProject({ 'p.yaml': `- hosts: all\n  tasks:\n    - name: as root\n      become: true\n      command: { argv: [touch, /etc/pw-${tag}] }\n` }) + '/p.yaml';
  const leaks = (r: { stdout: string; stderr: string; report?: unknown }, secret: string): boolean => (r.stdout + r.stderr + JSON.stringify(r.report ?? {})).includes(secret);

  it('become_password works, also when sudo has cached the credentials and asks no more', async () => {
    await forget();
    const r = await runCli([playbook('ok'), '-i', inventory(`    become_password: !secret "${password}"\n`)], env(bastionConfig()));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(totals(r.report)).toMatchObject({ changed: 2, failed: 0 });
    expect((await inner.sh('stat -c "%U %a" /etc/pw-ok; ls /root/also-ok')).stdout).toBe('root 600\n/root/also-ok\n');
    // The credentials are cached now (timestamp_type=global): sudo reads no password, and the password must not reach sh.
    // sudo names its record after the user (1.9.13, Debian 12) or the uid (1.9.16, Debian 13).
    expect((await inner.sh('test -s /run/sudo/ts/deploy || test -s "/run/sudo/ts/$(id -u deploy)"')).code).toBe(0);
    const again = await runCli([playbook('ok2'), '-i', inventory(`    become_password: !secret "${password}"\n`)], env(bastionConfig()));
    expect(again.exitCode).toBe(0);
    expect((await inner.sh('ls /tmp/password-was-run')).code).not.toBe(0);
    expect(leaks(r, password) || leaks(again, password)).toBe(false);
  });

  it('a password given with -e @file wins over the inventory one (here a wrong one), as every -e does', async () => {
    await forget();
    const secrets = writeProject({ 'secrets.yaml': `ansible_become_password: !secret "${password}"\n` });
    const r = await runCli([playbook('extra'), '-i', inventory(`    become_password: !secret ${wrong}\n`), '-e', `@${secrets}/secrets.yaml`], env(bastionConfig()));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect((await inner.sh('stat -c "%U %a" /etc/pw-extra')).stdout).toBe('root 600\n');
    expect(leaks(r, password) || leaks(r, wrong)).toBe(false);
  });

  it('a wrong password fails the task quickly with a clear message and is never shown', async () => {
    await forget();
    const started = Date.now();
    const r = await runCli([commandOnly('wrong'), '-i', inventory(`    become_password: !secret ${wrong}\n`)], env(bastionConfig()));
    const took = Date.now() - started;
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/pv-inner \| failed \| as root \|.*exited 1:\n\s+sudo: incorrect password for deploy \(the become password was refused\)/);
    expect(took).toBeLessThan(15_000);
    expect(leaks(r, wrong)).toBe(false);
    expect((await inner.sh('ls /etc/pw-wrong')).code).not.toBe(0);
  });

  it('a wrong password while reading the host\'s state fails that host (exit 2), not the whole run', async () => {
    await forget();
    const r = await runCli([playbook('wrongfacts'), '-i', inventory(`    become_password: !secret ${wrong}\n`)], env(bastionConfig()));
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/pv-inner \| failed \| read host state \|[\s\S]*sudo: incorrect password for deploy/);
    expect(r.stderr).not.toContain('internal error');
    expect(leaks(r, wrong)).toBe(false);
  });

  it('no password at all: sudo -n fails at once, with a hint', async () => {
    await forget();
    const r = await runCli([commandOnly('none'), '-i', inventory()], env(bastionConfig()));
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/a password is required \(give become_password in the inventory, or run with --ask-become-pass\)/);
  });

  it('-K asks once on the terminal, without echo', async () => {
    await forget();
    const command = [process.execPath, CLI, playbook('tty'), '-i', inventory(), '-K'].join(' ');
    const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('script', ['-q', '-E', 'never', '-e', '-c', command, '/dev/null'], { env: { ...process.env, ...env(bastionConfig()), CI: '1', NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      let answered = false;
      const onData = (d: Buffer): void => {
        output += d;
        if (!answered && output.includes('BECOME password: ')) {
          answered = true;
          child.stdin.write(`${password}\r`);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(out.output.split('BECOME password: ').length - 1).toBe(1);
    expect(out.output).not.toContain(password);
    expect(out.code).toBe(0);
    expect((await inner.sh('ls /etc/pw-tty')).code).toBe(0);
  });
});
