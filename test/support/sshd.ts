import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OpenSSH server on loopback for tests: a high port, a throwaway host
 * key and client key, and a known_hosts file that trusts only that host key.
 */
export interface TestSshd {
  dir: string;
  port: number;
  clientKey: string;
  knownHosts: string;
  hostPublicKey: string;
  /** Writes an inventory file for this server and returns its path. */
  inventory(extra?: string): string;
  /** What sshd has logged so far (-e: its log goes to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** `extraConfig`: more sshd_config lines (e.g. MaxStartups). */
export async function startSshd(extraConfig: string[] = []): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-sshd-'));
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_ed25519')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')));
  const hostPublicKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim();
  const [type, blob] = hostPublicKey.split(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${type} ${blob}\n`);
  const sshd = await runSshd(
    dir,
    [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_ed25519')}`, ...keysOnlySshdConfig(dir), 'MaxSessions 10', 'Subsystem sftp internal-sftp', ...extraConfig],
    [port],
  );
  return {
    dir,
    port,
    clientKey: join(dir, 'client_ed25519'),
    knownHosts: join(dir, 'known_hosts'),
    hostPublicKey,
    inventory(extra = '') {
      const file = join(dir, `inventory-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(
        file,
        // Each inventory gets its own run lock: test "hosts" here are all this one machine.
        `hosts:\n  local:\n    address: 127.0.0.1\n    port: ${port}\n    user: root\n    private_key: ${join(dir, 'client_ed25519')}\n    known_hosts: ${join(dir, 'known_hosts')}\n    vars: { provision_lock_file: ${file}.lock }\n${extra}`,
      );
      return file;
    },
    log: sshd.log,
    stop: sshd.stop,
  };
}

/** The sshd_config lines every test sshd shares: its files in `dir`, root by key only, no PAM. */
export function keysOnlySshdConfig(dir: string): string[] {
  return [
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
  ];
}

/**
 * Writes `config` to DIR/sshd_config and runs sshd in the foreground with it (its log on stderr,
 * -e) until it listens on every one of `ports`; `stop` ends it and removes `dir`.
 */
export async function runSshd(dir: string, config: string[], ports: number[]): Promise<{ log: () => string; stop: () => Promise<void> }> {
  writeFileSync(join(dir, 'sshd_config'), [...config, ''].join('\n'));
  mkdirSync('/run/sshd', { recursive: true });
  const proc: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (d) => (log += d));
  for (const port of ports) await waitForPort(port, () => log);
  return {
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits up to 10 s for a server on loopback `port`; `log` says why it did not start. */
export async function waitForPort(port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not start on port ${port}:\n${log()}`);
}
