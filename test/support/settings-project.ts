import { execFile } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI } from './provision.js';
import type { TestSshd } from './sshd.js';

/**
 * A project directory as a user has it for the test sshd: an inventory that
 * names only address and port (no user, no key), the client key under keys/,
 * a playbook, and whatever ansible.cfg the test writes. The CLI runs in that
 * directory with its own HOME and none of the machine's ANSIBLE_* variables.
 */
export interface SettingsProject {
  dir: string;
  home: string;
  knownHosts: string;
  write(files: Record<string, string>): void;
  run(args: string[], env?: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

export function settingsProject(sshd: TestSshd, playbook: string, knownHostsText?: string): SettingsProject {
  const dir = mkdtempSync(join(tmpdir(), 'provision-settings-project-'));
  const home = mkdtempSync(join(tmpdir(), 'provision-settings-home-'));
  const knownHosts = join(dir, 'known_hosts');
  const write = (files: Record<string, string>): void => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  };
  mkdirSync(join(dir, 'keys'));
  copyFileSync(sshd.clientKey, join(dir, 'keys', 'deploy'));
  chmodSync(join(dir, 'keys', 'deploy'), 0o600);
  write({
    'hosts.yaml': `hosts:\n  local:\n    address: 127.0.0.1\n    port: ${sshd.port}\n    known_hosts: ${knownHosts}\n    vars: { provision_lock_file: ${join(dir, 'run.lock')} }\n`,
    'site.yaml': playbook,
    known_hosts: knownHostsText ?? `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`,
  });
  return {
    dir,
    home,
    knownHosts,
    write,
    run: (args, env = {}) =>
      new Promise((resolve) => {
        const clean = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1', CI: '1', ...env };
        execFile(process.execPath, [CLI, ...args], { cwd: dir, env: clean, timeout: 120_000 }, (err, stdout, stderr) => {
          const code = err ? ((err as { code?: number | string }).code ?? 1) : 0;
          resolve({ exitCode: typeof code === 'number' ? code : 1, stdout, stderr });
        });
      }),
  };
}
