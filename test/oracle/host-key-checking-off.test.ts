import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsProject } from '../support/settings-project.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * host_key_checking = False against what Ansible runs for it: OpenSSH 9.2's
 * `ssh -o StrictHostKeyChecking=no`. The same known_hosts content is given to
 * ssh and to provision (through ansible.cfg); both must connect or not, and
 * leave the same known_hosts behind. A revoked key is the one deliberate
 * difference: ssh goes on with it, provision refuses it.
 */
let sshd: TestSshd;
let otherKey: string;
beforeAll(async () => {
  sshd = await startSshd();
  const dir = mkdtempSync(join(tmpdir(), 'provision-other-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
  otherKey = readFileSync(join(dir, 'k.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
});
afterAll(async () => {
  await sshd?.stop();
});

const hostKey = (): string => sshd.hostPublicKey.split(' ').slice(0, 2).join(' ');
const name = (): string => `[127.0.0.1]:${sshd.port}`;

const cases: { case: string; knownHosts: () => string }[] = [
  { case: 'unknown host (empty known_hosts)', knownHosts: () => '' },
  { case: 'another key known for the host (changed)', knownHosts: () => `${name()} ${otherKey}\n` },
  { case: 'the host key known', knownHosts: () => `${name()} ${hostKey()}\n` },
  { case: 'known under another name only', knownHosts: () => `otherhost ${hostKey()}\n` },
];

/** ssh as Ansible's ssh connection runs it with host_key_checking = False (and only this known_hosts file). */
function sshNoStrict(knownHosts: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      'ssh',
      ['-F', 'none', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', sshd.clientKey, '-p', String(sshd.port), 'root@127.0.0.1', 'true'],
      { timeout: 120_000 },
      (err) => resolve(!err),
    );
  });
}

const CFG = `[defaults]\ninventory = hosts.yaml\nremote_user = root\nprivate_key_file = keys/deploy\nhost_key_checking = False\n`;
const playbook = '- hosts: all\n  tasks:\n    - command: "true"\n';

describe('host_key_checking = False as ssh -o StrictHostKeyChecking=no (OpenSSH 9.2)', () => {
  it.each(cases)('$case: provision connects when ssh does, and leaves the same known_hosts', async (c) => {
    const sshFile = join(mkdtempSync(join(tmpdir(), 'provision-ssh-kh-')), 'known_hosts');
    writeFileSync(sshFile, c.knownHosts());
    const sshConnected = await sshNoStrict(sshFile);

    const p = settingsProject(sshd, playbook, c.knownHosts());
    p.write({ 'ansible.cfg': CFG });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode === 0, r.stdout + r.stderr).toBe(sshConnected);
    // The same entries (ssh writes `name type key`, provision too).
    const entries = (text: string): string[] => text.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 3).join(' ')).sort();
    expect(entries(readFileSync(p.knownHosts, 'utf8'))).toEqual(entries(readFileSync(sshFile, 'utf8')));
  });

  it('a revoked key: ssh connects anyway, provision refuses it (the deliberate difference)', async () => {
    const revoked = `@revoked ${name()} ${hostKey()}\n`;
    const sshFile = join(mkdtempSync(join(tmpdir(), 'provision-ssh-kh-')), 'known_hosts');
    writeFileSync(sshFile, revoked);
    expect(await sshNoStrict(sshFile)).toBe(true);
    const p = settingsProject(sshd, playbook, revoked);
    p.write({ 'ansible.cfg': CFG });
    const r = await p.run(['site.yaml']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('REVOKED HOST KEY');
  });
});
