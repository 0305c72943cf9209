import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshake, openSocket } from '../../src/ssh/client.js';
import { resolveEndpoint } from '../../src/ssh/endpoint.js';
import { startHostKeySshd, type HostKeySshd } from '../support/host-key-sshd.js';
import { generateKnownHosts, type KnownHostsCase } from '../support/known-hosts-generator.js';
import { mapLimited, seededRandom } from '../support/seeded-random.js';

/**
 * Seeded random differential test of host key checking: generated known_hosts
 * files (several user and global ones, hashed and plain entries, ports,
 * patterns, negations, @revoked, @cert-authority, bad markers and keys) are
 * named in one ssh_config, which both the real `ssh -F FILE -p PORT HOST true`
 * (StrictHostKeyChecking yes) and provision (resolveEndpoint with the same
 * file, then its handshake) read, against one loopback sshd on two ports with
 * ed25519, ECDSA and RSA host keys and a host certificate. Accepted or refused
 * must agree, except where provision refuses on purpose: a host ssh trusts
 * through a host certificate (@cert-authority), which the SSH library here
 * cannot check. A failure names the seed and prints the files.
 */
const SEEDS = Array.from({ length: 40 }, (_, i) => 500 + i);

let sshd: HostKeySshd;
let root: string;

interface Connection {
  seed: number;
  query: KnownHostsCase['queries'][number];
  config: string;
  ssh?: { ok: boolean; stderr: string };
  /** ssh again, offering no certificate algorithms, when its first answer differs from provision's. */
  sshPlain?: { ok: boolean; stderr: string };
  ours?: { ok: boolean; error: string };
}

const cases = new Map<number, { dir: string; files: string[]; connections: Connection[] }>();
const outcomes = { accepted: 0, refused: 0, deliberate: 0, certificateRefused: 0 };

beforeAll(async () => {
  sshd = await startHostKeySshd(2);
  root = mkdtempSync(join(tmpdir(), 'provision-oracle-known-hosts-fuzz-'));
  const all: Connection[] = [];
  for (const seed of SEEDS) {
    const generated = generateKnownHosts(seededRandom(seed), sshd.ports, sshd.pub);
    const dir = join(root, `seed-${seed}`);
    mkdirSync(dir);
    const write = (kind: string, lines: string[], i: number): string => {
      const path = join(dir, `${kind}${i + 1}`);
      if (lines.length) writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };
    const user = generated.user.map((lines, i) => write('user', lines, i));
    const global = generated.global.map((lines, i) => write('global', lines, i));
    for (const i of generated.hashUser) if (existsSync(user[i])) hash(user[i]);
    const connections = generated.queries.map((query, i): Connection => {
      const config = join(dir, `ssh_config${i + 1}`);
      writeFileSync(
        config,
        [
          'Host *',
          `  UserKnownHostsFile ${user.join(' ')}`,
          `  GlobalKnownHostsFile ${global.length ? global.join(' ') : 'none'}`,
          ...(query.alias ? [`  HostKeyAlias ${query.alias}`] : []),
          '  StrictHostKeyChecking yes',
          '  UpdateHostKeys no',
          '  BatchMode yes',
          '  IdentitiesOnly yes',
          '  IdentityAgent none',
          `  IdentityFile ${sshd.clientKey}`,
          '',
        ].join('\n'),
      );
      return { seed, query, config };
    });
    cases.set(seed, { dir, files: [...user, ...global], connections });
    all.push(...connections);
  }
  // Four at a time, each ssh then provision: well under sshd's MaxStartups.
  await mapLimited(all, 4, async (c) => {
    c.ssh = await runSsh(c);
    c.ours = await runProvision(c);
    if (c.ssh.ok !== c.ours.ok) c.sshPlain = await runSsh(c, ['-o', 'HostKeyAlgorithms=-*-cert-v01@openssh.com']);
  });
});

afterAll(async () => {
  await sshd?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** ssh-keygen -H, which refuses a file holding a line it cannot read: then the file stays plain. */
function hash(file: string): void {
  const text = readFileSync(file, 'utf8');
  if (spawnSync('ssh-keygen', ['-q', '-H', '-f', file]).status !== 0) writeFileSync(file, text);
}

function runSsh(c: Connection, options: string[] = []): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', [...options, '-F', c.config, '-p', String(c.query.port), '-l', 'root', c.query.host, 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ ok: code === 0, stderr }));
  });
}

async function runProvision(c: Connection): Promise<{ ok: boolean; error: string }> {
  try {
    const e = resolveEndpoint({ name: c.query.host, address: c.query.host, port: c.query.port, user: 'root' }, { sshConfig: c.config });
    const client = await handshake(e, await openSocket(e.address, e.port, 10_000), { timeoutMs: 10_000, acceptNewHostKeys: false });
    client.end();
    return { ok: true, error: '' };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function show(seed: number): string {
  const { dir, files } = cases.get(seed)!;
  return [`seed ${seed} (dir ${dir})`, ...files.map((f) => `--- ${f}\n${existsSync(f) ? readFileSync(f, 'utf8') : '(no file)\n'}`)].join('\n');
}

describe('generated known_hosts files: provision accepts a host key exactly when ssh does', () => {
  it.each(SEEDS)('seed %i', (seed) => {
    for (const c of cases.get(seed)!.connections) {
      const { ssh, ours, sshPlain } = c as Required<Connection> & Pick<Connection, 'sshPlain'>;
      const context = `${show(seed)}\nconnection ${JSON.stringify(c.query)}\nssh: ${ssh.ok ? 'accepted' : ssh.stderr}\nssh without certificates: ${sshPlain ? (sshPlain.ok ? 'accepted' : sshPlain.stderr) : '(not run)'}\nprovision: ${ours.ok ? 'accepted' : ours.error}`;
      // ssh's own reason, when it refused, is the host key (not, say, a broken test server).
      if (!ssh.ok) expect(ssh.stderr, context).toMatch(/Host key verification failed/);
      if (!ours.ok) expect(ours.error, context).toMatch(/host key|HOST KEY|host certificates/);
      if (ours.ok === ssh.ok) {
        outcomes[ssh.ok ? 'accepted' : 'refused']++;
        continue;
      }
      // The answers differ only because the server presented its host certificate, which provision
      // cannot negotiate: ssh offered no certificate algorithms must answer as provision does.
      expect(sshPlain?.ok, context).toBe(ours.ok);
      if (!ours.ok) outcomes.deliberate++;
      else {
        console.log(`ACCEPTED WHERE SSH REFUSED\n${context}`);
        outcomes.certificateRefused++;
      }
    }
  });

  it('reaches every outcome', () => {
    console.log(outcomes);
    expect(outcomes.accepted).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(10);
    expect(outcomes.deliberate).toBeGreaterThan(0);
  });
});
