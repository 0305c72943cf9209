import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
// The bench's minimal SSH server (ssh2's server side), also used by the fleet simulator.
// @ts-expect-error no type declarations for the bench's .mjs modules
import { serveSsh } from '../../bench/fleet/ssh-server.mjs';
import { runCli, writeProject } from '../support/provision.js';
import { freePort, startSshd } from '../support/sshd.js';

/**
 * The host key's signature in the key exchange, checked by the bundled CLI (whose ssh2 verifies
 * with a key object made from the key's raw numbers: scripts/ssh2-verify-key.mjs) and by
 * OpenSSH's client, the oracle, on the same servers:
 * - OpenSSH's sshd with one host key algorithm each: both log in, and sshd's log shows each of
 *   them negotiated that algorithm;
 * - an SSH server that shows one host key and signs with another key of the same type (an
 *   impostor): both refuse it before logging in; the same server signing honestly: both log in.
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-hostsig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PROVISION_SSH_CONFIG: 'none', SSH_AUTH_SOCK: '' };
const playbook = join(writeProject({ 'site.yaml': '- hosts: all\n  tasks:\n    - command: echo reached-the-host\n' }), 'site.yaml');

let made = 0;
function keygen(type: string, bits?: string): { file: string; pub: string } {
  const file = join(dir, `${type}${bits ?? ''}-${made++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-f', file]);
  return { file, pub: readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ') };
}

/**
 * OpenSSH's client, host keys checked strictly against `knownHosts` alone; its exit status and
 * what it said. Asynchronous: one of the servers runs in this process.
 */
function ssh(port: number, clientKey: string, knownHosts: string): Promise<{ status: number | null; stderr: string }> {
  const args = ['-F', 'none', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'ConnectTimeout=20', '-i', clientKey, '-p', String(port), 'root@127.0.0.1', 'true'];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

/** provision's run of a one-command playbook on 127.0.0.1:port with this key and known_hosts. */
async function provision(port: number, clientKey: string, knownHosts: string) {
  const inventory = join(dir, `inventory-${made++}.yaml`);
  writeFileSync(inventory, `hosts:\n  h:\n    address: 127.0.0.1\n    port: ${port}\n    user: root\n    private_key: ${clientKey}\n    known_hosts: ${knownHosts}\n    vars: { provision_lock_file: ${inventory}.lock }\n`);
  const r = await runCli([playbook, '-i', inventory], env);
  const recap = r.report?.hosts.h?.recap;
  return { ...r, recap, reached: recap !== undefined && recap.unreachable === 0 };
}

const algorithms = [
  { algorithm: 'ssh-ed25519', type: 'ed25519' },
  { algorithm: 'ecdsa-sha2-nistp256', type: 'ecdsa', bits: '256' },
  { algorithm: 'ecdsa-sha2-nistp384', type: 'ecdsa', bits: '384' },
  { algorithm: 'ecdsa-sha2-nistp521', type: 'ecdsa', bits: '521' },
  { algorithm: 'rsa-sha2-256', type: 'rsa', bits: '3072' },
  { algorithm: 'rsa-sha2-512', type: 'rsa', bits: '3072' },
];

describe("OpenSSH's sshd, one host key algorithm at a time: both clients log in with it", () => {
  for (const a of algorithms) {
    it(a.algorithm, async () => {
      // The test sshd has an ed25519 host key of its own (the first of a type is the one sshd uses).
      const hostKey = a.type === 'ed25519' ? undefined : keygen(a.type, a.bits);
      const sshd = await startSshd([...(hostKey ? [`HostKey ${hostKey.file}`] : []), `HostKeyAlgorithms ${a.algorithm}`, 'LogLevel DEBUG1']);
      try {
        const knownHosts = join(dir, `known_hosts-${made++}`);
        writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${hostKey ? hostKey.pub : sshd.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`);
        const oracle = await ssh(sshd.port, sshd.clientKey, knownHosts);
        expect({ status: oracle.status, stderr: oracle.stderr }).toMatchObject({ status: 0 });
        const ours = await provision(sshd.port, sshd.clientKey, knownHosts);
        expect({ exit: ours.exitCode, reached: ours.reached, stderr: ours.stderr }).toEqual({ exit: 0, reached: true, stderr: '' });
        expect(ours.stdout).toContain('reached-the-host');
        // Two connections, and each negotiated this algorithm (and only this one).
        const negotiated = [...sshd.log().matchAll(/kex: host key algorithm: (\S+)/g)].map((m) => m[1]);
        expect(negotiated.length).toBeGreaterThanOrEqual(2);
        expect(new Set(negotiated)).toEqual(new Set([a.algorithm]));
      } finally {
        await sshd.stop();
      }
    });
  }
});

describe('a server that signs with another key than the host key it shows', () => {
  const types = [
    { name: 'ed25519', type: 'ed25519' },
    { name: 'ecdsa 256', type: 'ecdsa', bits: '256' },
    { name: 'ecdsa 384', type: 'ecdsa', bits: '384' },
    { name: 'ecdsa 521', type: 'ecdsa', bits: '521' },
    { name: 'rsa 3072', type: 'rsa', bits: '3072' },
  ];
  for (const t of types) {
    it(`${t.name}: refused by both before logging in; signing honestly, accepted by both`, async () => {
      const client = keygen('ed25519');
      const shown = keygen(t.type, t.bits);
      const signer = keygen(t.type, t.bits);
      const knownHosts = join(dir, `known_hosts-${made++}`);
      for (const impostor of [true, false]) {
        const port = await freePort();
        writeFileSync(knownHosts, `[127.0.0.1]:${port} ${shown.pub}\n`);
        const hostKey = ssh2.utils.parseKey(readFileSync(shown.file, 'utf8')) as ParsedKey;
        const other = ssh2.utils.parseKey(readFileSync(signer.file, 'utf8')) as ParsedKey;
        if (impostor) hostKey.sign = ((data: Buffer, algo?: string) => other.sign(data, algo)) as ParsedKey['sign'];
        const commands: string[] = [];
        const server: Server = await serveSsh({
          port,
          hostKey: { key: hostKey },
          authorizedKey: readFileSync(`${client.file}.pub`, 'utf8'),
          onExec: (command: string, channel: { exit(code: number): void; end(): void }) => {
            commands.push(command);
            channel.exit(0);
            channel.end();
          },
        });
        try {
          const oracle = await ssh(port, client.file, knownHosts);
          const commandsOfSsh = commands.length;
          const ours = await provision(port, client.file, knownHosts);
          const commandsOfProvision = commands.length - commandsOfSsh;
          if (impostor) {
            expect(oracle.status).toBe(255);
            // OpenSSH says `incorrect signature`, or for RSA `error in libcrypto` (its RSA check's own error).
            expect(oracle.stderr).toMatch(/incorrect signature|error in libcrypto/);
            expect(ours.exitCode).not.toBe(0);
            expect(ours.reached).toBe(false);
            expect(`${ours.stdout}${ours.stderr}`).toMatch(/signature verification failed/);
            expect(commands).toEqual([]);
          } else {
            expect(oracle.status).toBe(0);
            // provision logged in and sent its commands (this server answers none of them as a
            // host would, so the run itself fails later: what counts here is the login).
            expect(commands[0]).toBe('true');
            expect(commandsOfProvision).toBeGreaterThan(0);
            expect(`${ours.stdout}${ours.stderr}`).not.toMatch(/signature verification failed/);
          }
        } finally {
          await new Promise((r) => server.close(r));
        }
      }
    });
  }
});
