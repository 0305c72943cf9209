import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, keysOnlySshdConfig, runSshd } from './sshd.js';

/**
 * A loopback sshd for host key checking tests: ed25519, ECDSA and RSA host
 * keys, an ed25519 host certificate signed by a test CA (principals
 * 127.0.0.1, localhost, myalias), listening on `portCount` free ports, with
 * spare keys (`other`, the CA's) to write into known_hosts files.
 */
export type HostKeyName = 'ed25519' | 'ecdsa' | 'rsa' | 'ca' | 'other';

export interface HostKeySshd {
  dir: string;
  ports: number[];
  /** `type base64` of each key. */
  pub: Record<HostKeyName, string>;
  clientKey: string;
  stop(): Promise<void>;
}

export function keygen(...args: string[]): void {
  const r = spawnSync('ssh-keygen', ['-q', ...args]);
  if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')}: ${r.stderr}`);
}

export async function startHostKeySshd(portCount = 1): Promise<HostKeySshd> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-host-key-sshd-'));
  for (const [name, type] of [['ed25519', 'ed25519'], ['ecdsa', 'ecdsa'], ['rsa', 'rsa'], ['ca', 'ed25519'], ['other', 'ed25519'], ['client', 'ed25519']]) {
    keygen('-t', type, '-N', '', '-f', join(dir, name), ...(type === 'rsa' ? ['-b', '2048'] : []));
  }
  const keyOf = (file: string): string => readFileSync(file, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const pub = Object.fromEntries((['ed25519', 'ecdsa', 'rsa', 'ca', 'other'] as const).map((k) => [k, keyOf(join(dir, `${k}.pub`))])) as Record<HostKeyName, string>;
  keygen('-s', join(dir, 'ca'), '-I', 'test-host', '-h', '-n', '127.0.0.1,localhost,myalias', join(dir, 'ed25519.pub'));
  const clientKey = join(dir, 'client');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const ports: number[] = [];
  while (ports.length < portCount) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const sshd = await runSshd(
    dir,
    [
      ...ports.map((p) => `ListenAddress 127.0.0.1:${p}`),
      ...['ed25519', 'ecdsa', 'rsa'].map((k) => `HostKey ${join(dir, k)}`),
      `HostCertificate ${join(dir, 'ed25519-cert.pub')}`,
      ...keysOnlySshdConfig(dir),
      // Several clients at once: none refused before the greeting.
      'MaxStartups 64',
    ],
    ports,
  );
  return {
    dir,
    ports,
    pub,
    clientKey,
    stop: sshd.stop,
  };
}
