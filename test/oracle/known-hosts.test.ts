import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshake, openSocket } from '../../src/ssh/client.js';
import type { Endpoint } from '../../src/ssh/endpoint.js';
import { keygen, startHostKeySshd, type HostKeySshd } from '../support/host-key-sshd.js';

/**
 * Differential test of host key checking: for each case the same four
 * known_hosts files (two user, two global) are given to the real OpenSSH
 * client (`ssh -F none -o StrictHostKeyChecking=yes …`) and to provision's
 * handshake, against one loopback sshd with ed25519, ECDSA and RSA host keys
 * and an ed25519 host certificate signed by a test CA. Whether the host is
 * accepted must agree, except where provision deliberately refuses (a host
 * trusted only through @cert-authority: the SSH library cannot check host
 * certificates), and each refusal must say why.
 */

let dir: string;
let port: number;
let sshd: HostKeySshd;
let pub: HostKeySshd['pub'];
let clientKey: string;

beforeAll(async () => {
  sshd = await startHostKeySshd(1);
  [port] = sshd.ports;
  pub = sshd.pub;
  clientKey = sshd.clientKey;
  dir = mkdtempSync(join(tmpdir(), 'provision-known-hosts-'));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Files {
  user1?: string[];
  user2?: string[];
  global1?: string[];
  global2?: string[];
}
const FILES = ['user1', 'user2', 'global1', 'global2'] as const;

interface Case {
  name: string;
  files: (p: number) => Files;
  host?: string;
  alias?: string;
  /** Hash every host name in the user1 file with ssh-keygen -H (the real tool makes the hashes). */
  hashUser1?: boolean;
  /** provision refuses where ssh accepts, on purpose: the message it must give. */
  deliberateRefusal?: RegExp;
  /** What provision's refusal must say (file:line, fingerprint…), given the case directory. */
  says?: (files: Record<(typeof FILES)[number], string>) => (string | RegExp)[];
}

const hp = (p: number, host = '127.0.0.1'): string => `[${host}]:${p}`;
const fp = (key: string): string => {
  const r = spawnSync('ssh-keygen', ['-l', '-f', '-'], { input: key });
  return r.stdout.toString().split(' ')[1];
};

const CASES: Case[] = [
  { name: 'nothing known', files: () => ({}), says: () => [/is not in .*\(no key for \[127\.0\.0\.1\]:\d+\)/, fp(pub.ed25519)] },
  { name: 'the ed25519 key in user file 1', files: (p) => ({ user1: [`${hp(p)} ${pub.ed25519}`] }) },
  { name: 'the ed25519 key in user file 2', files: (p) => ({ user2: [`${hp(p)} ${pub.ed25519}`] }) },
  { name: 'the ed25519 key in global file 1', files: (p) => ({ global1: [`${hp(p)} ${pub.ed25519}`] }) },
  { name: 'the ed25519 key in global file 2', files: (p) => ({ global2: [`${hp(p)} ${pub.ed25519}`] }) },
  ...FILES.map(
    (where, i): Case => ({
      name: `revoked in ${where}, the good key in ${FILES[(i + 1) % 4]}`,
      files: (p) => ({ [FILES[(i + 1) % 4]]: [`${hp(p)} ${pub.ed25519}`], [where]: ['# a comment line first', `@revoked ${hp(p)} ${pub.ed25519}`] }),
      says: (f) => [/^REVOKED HOST KEY/, `${f[where]}:2`, fp(pub.ed25519)],
    }),
  ),
  { name: 'revoked for every host (*) in global file 2', files: (p) => ({ user1: [`${hp(p)} ${pub.ed25519}`], global2: [`@revoked * ${pub.ed25519}`] }), says: (f) => [`${f.global2}:1`] },
  { name: 'the ed25519 key revoked, the RSA key known: RSA is negotiated', files: (p) => ({ user1: [`${hp(p)} ${pub.rsa}`, `${hp(p)} ${pub.ed25519}`], user2: [`@revoked * ${pub.ed25519}`] }) },
  { name: 'misspelt marker @revoke on the only line', files: (p) => ({ user1: [`@revoke ${hp(p)} ${pub.ed25519}`] }), says: () => [/is not in /] },
  { name: 'misspelt marker @Revoked next to the good key', files: (p) => ({ user1: [`@Revoked ${hp(p)} ${pub.ed25519}`, `${hp(p)} ${pub.ed25519}`] }) },
  { name: 'two markers on one line are ignored', files: (p) => ({ user1: [`@revoked @revoked ${hp(p)} ${pub.ed25519}`, `${hp(p)} ${pub.ed25519}`] }) },
  { name: 'hashed [host]:port entry', files: (p) => ({ user1: [`${hp(p)} ${pub.ed25519}`] }), hashUser1: true },
  { name: 'hashed bare host entry (port retry)', files: () => ({ user1: [`127.0.0.1 ${pub.ed25519}`] }), hashUser1: true },
  { name: 'hashed entry of another port', files: () => ({ user1: [`${hp(1)} ${pub.ed25519}`] }), hashUser1: true },
  { name: 'malformed hash', files: (p) => ({ user1: [`|1|AAAA|${Buffer.alloc(20).toString('base64')} ${pub.ed25519}`, `${hp(p)} ${pub.ecdsa}`] }) },
  { name: 'bare 127.0.0.1 for a non-22 port (ssh retries without the port)', files: () => ({ user1: [`127.0.0.1 ${pub.ed25519}`] }) },
  { name: 'bare 127.0.0.1 with only the RSA key: not used to order algorithms', files: () => ({ user1: [`127.0.0.1 ${pub.rsa}`] }) },
  { name: '[127.0.0.1]:other-port', files: () => ({ user1: [`${hp(1)} ${pub.ed25519}`] }) },
  { name: 'bare host with another key, [host]:port unknown', files: () => ({ user1: [`127.0.0.1 ${pub.other}`] }) },
  { name: 'wildcard *', files: () => ({ user1: [`* ${pub.ed25519}`] }) },
  { name: 'wildcard ? and * with the port', files: () => ({ user1: [`[127.0.0.?]:* ${pub.ed25519}`] }) },
  { name: 'wildcard that does not match', files: () => ({ user1: [`[10.*]:* ${pub.ed25519}`] }) },
  { name: 'negated pattern vetoes a wildcard', files: (p) => ({ user1: [`*,!${hp(p)} ${pub.ed25519}`] }) },
  { name: 'negated pattern of another host', files: (p) => ({ user1: [`!*.example.com,${hp(p)} ${pub.ed25519}`] }) },
  { name: 'negation alone matches nothing', files: () => ({ user1: [`!web.example.com ${pub.ed25519}`] }) },
  { name: 'comma list', files: (p) => ({ user1: [`web.example.com,${hp(p)},10.0.0.1 ${pub.ed25519}`] }) },
  { name: 'RSA key only', files: (p) => ({ user1: [`${hp(p)} ${pub.rsa}`] }) },
  { name: 'ECDSA key only', files: (p) => ({ global1: [`${hp(p)} ${pub.ecdsa}`] }) },
  { name: 'RSA key declared as rsa-sha2-512', files: (p) => ({ user1: [`${hp(p)} ${pub.rsa.replace('ssh-rsa', 'rsa-sha2-512')}`] }) },
  { name: 'key type disagreeing with its blob', files: (p) => ({ user1: [`${hp(p)} ${pub.ed25519.replace('ssh-ed25519', 'ecdsa-sha2-nistp256')}`] }) },
  { name: 'uppercase host name, lowercase entry', host: 'LOCALHOST', files: (p) => ({ user1: [`${hp(p, 'localhost')} ${pub.ed25519}`] }) },
  { name: 'lowercase host name, uppercase pattern', host: 'localhost', files: (p) => ({ user1: [`${hp(p, 'LocalHost')} ${pub.ed25519}`] }) },
  { name: 'uppercase host name, hashed lowercase entry', host: 'LOCALHOST', files: (p) => ({ user1: [`${hp(p, 'localhost')} ${pub.ed25519}`] }), hashUser1: true },
  { name: 'HostKeyAlias entry', alias: 'myalias', files: () => ({ user1: [`myalias ${pub.ed25519}`] }) },
  { name: 'HostKeyAlias: the address entry no longer counts', alias: 'MyAlias', files: (p) => ({ user1: [`${hp(p)} ${pub.ed25519}`] }), says: () => [/no key for myalias/] },
  { name: 'HostKeyAlias revoked', alias: 'myalias', files: () => ({ user1: [`myalias ${pub.ed25519}`], global1: [`@revoked myalias ${pub.ed25519}`] }) },
  {
    name: 'host certificate through @cert-authority only',
    files: () => ({ global1: [`@cert-authority * ${pub.ca}`] }),
    deliberateRefusal: /^host certificates are not supported: add the host's own key to known_hosts/,
    says: (f) => [`${f.global1}:1`],
  },
  { name: '@cert-authority and the host key itself', files: (p) => ({ user1: [`@cert-authority * ${pub.ca}`], user2: [`${hp(p)} ${pub.ed25519}`] }) },
  { name: '@cert-authority of another CA', files: () => ({ user1: [`@cert-authority * ${pub.other}`] }), says: () => [/^host certificates are not supported/] },
  {
    name: 'changed key',
    files: (p) => ({ user1: ['# old host', `${hp(p)} ${pub.other}`] }),
    says: (f) => [/^HOST KEY CHANGED/, `ssh-ed25519 in ${f.user1}:2`, fp(pub.ed25519)],
  },
  // Found by known-hosts-fuzz.test.ts: ssh negotiates the host certificate (an ed25519 key is known), finds
  // no CA for [host]:port, retries without the port, drops the certificate there and matches the bare
  // host's key; [host]:port's own, different key is never compared. provision (no certificates) sees
  // the changed key and refuses, as ssh does with -o HostKeyAlgorithms=-*-cert-v01@openssh.com.
  {
    name: 'changed key under [host]:port, the right one under the bare host (ssh accepts through its certificate)',
    files: (p) => ({ user1: [`${hp(p)} ${pub.other}`], global1: [`127.0.0.1 ${pub.ed25519}`] }),
    deliberateRefusal: /^HOST KEY CHANGED/,
    says: (f) => [`${f.user1}:1`],
  },
  { name: 'changed key in the global file, none in the user files', files: (p) => ({ global2: [`${hp(p)} ${pub.other}`] }), says: (f) => [`${f.global2}:1`] },
];

function writeCase(c: Case, caseDir: string): Record<(typeof FILES)[number], string> {
  mkdirSync(caseDir, { recursive: true });
  const content = c.files(port);
  const paths = Object.fromEntries(FILES.map((f) => [f, join(caseDir, f)])) as Record<(typeof FILES)[number], string>;
  for (const f of FILES) if (content[f]) writeFileSync(paths[f], `${content[f]!.join('\n')}\n`);
  if (c.hashUser1) {
    keygen('-H', '-f', paths.user1);
    expect(readFileSync(paths.user1, 'utf8')).toMatch(/^\|1\|/);
  }
  return paths;
}

function runSsh(c: Case, paths: Record<(typeof FILES)[number], string>, strict: 'yes' | 'accept-new'): { ok: boolean; stderr: string } {
  const r = spawnSync(
    'ssh',
    [
      '-F', 'none',
      '-o', 'BatchMode=yes',
      '-o', `StrictHostKeyChecking=${strict}`,
      '-o', `UserKnownHostsFile=${paths.user1} ${paths.user2}`,
      '-o', `GlobalKnownHostsFile=${paths.global1} ${paths.global2}`,
      ...(c.alias ? ['-o', `HostKeyAlias=${c.alias}`] : []),
      '-o', 'IdentitiesOnly=yes',
      '-i', clientKey,
      '-p', String(port),
      `root@${c.host ?? '127.0.0.1'}`,
      'true',
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return { ok: r.status === 0, stderr: r.stderr };
}

async function runProvision(c: Case, paths: Record<(typeof FILES)[number], string>, acceptNewHostKeys: boolean): Promise<{ ok: boolean; error: string }> {
  const host = c.host ?? '127.0.0.1';
  const e: Endpoint = {
    name: host,
    address: host,
    port,
    user: 'root',
    keyFiles: [{ path: clientKey, required: true, fallback: false }],
    agent: false,
    identitiesOnly: true,
    userKnownHostsFiles: [paths.user1, paths.user2],
    globalKnownHostsFiles: [paths.global1, paths.global2],
    ...(c.alias ? { hostKeyAlias: c.alias } : {}),
    jumps: [],
  };
  try {
    const client = await handshake(e, await openSocket(host, port, 10_000), { timeoutMs: 10_000, acceptNewHostKeys });
    client.end();
    return { ok: true, error: '' };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const HOST_KEY_REFUSAL = /host key|HOST KEY|host certificates/;
const outcomes = { accepted: 0, refused: 0 };

describe('host key checking agrees with ssh -o StrictHostKeyChecking=yes', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const paths = writeCase(c, join(dir, 'strict', c.name.replace(/\W+/g, '-')));
    const ssh = runSsh(c, paths, 'yes');
    const ours = await runProvision(c, paths, false);
    // ssh's own reason, when it refused, is the host key (not, say, a broken test server).
    if (!ssh.ok) expect(ssh.stderr).toMatch(/Host key verification failed/);
    outcomes[ssh.ok ? 'accepted' : 'refused']++;
    if (c.deliberateRefusal) {
      expect(ssh.ok, `ssh should accept: ${ssh.stderr}`).toBe(true);
      expect(ours.ok).toBe(false);
      expect(ours.error).toMatch(c.deliberateRefusal);
    } else {
      expect({ accepted: ours.ok, error: ours.error }).toMatchObject({ accepted: ssh.ok });
      if (!ours.ok) expect(ours.error).toMatch(HOST_KEY_REFUSAL);
    }
    for (const s of c.says?.(paths) ?? []) expect(ours.error).toMatch(typeof s === 'string' ? new RegExp(escape(s)) : s);
  });

  it('covers both outcomes', () => {
    expect(outcomes.accepted).toBeGreaterThan(5);
    expect(outcomes.refused).toBeGreaterThan(5);
  });
});

const ACCEPT_NEW_CASES = [
  'nothing known',
  'the ed25519 key in user file 2',
  'revoked in user1, the good key in user2',
  'revoked for every host (*) in global file 2',
  'misspelt marker @revoke on the only line',
  'bare host with another key, [host]:port unknown',
  'negated pattern vetoes a wildcard',
  'uppercase host name, lowercase entry',
  'HostKeyAlias: the address entry no longer counts',
  'changed key',
  'changed key in the global file, none in the user files',
  'RSA key only',
];

describe('--accept-new-host-keys records what ssh -o StrictHostKeyChecking=accept-new records', () => {
  it.each(ACCEPT_NEW_CASES)('%s', async (name) => {
    const c = CASES.find((x) => x.name === name)!;
    expect(c).toBeDefined();
    const sshPaths = writeCase(c, join(dir, 'accept-new-ssh', name.replace(/\W+/g, '-')));
    const ourPaths = writeCase(c, join(dir, 'accept-new-ours', name.replace(/\W+/g, '-')));
    const ssh = runSsh(c, sshPaths, 'accept-new');
    const ours = await runProvision(c, ourPaths, true);
    expect({ accepted: ours.ok, error: ours.error }).toMatchObject({ accepted: ssh.ok });
    for (const f of FILES) expect(read(ourPaths[f]), f).toBe(read(sshPaths[f]));
    // And the recorded key is then trusted by ssh itself.
    if (ours.ok) expect(runSsh(c, ourPaths, 'yes').ok).toBe(true);
  });

  it('never records a key revoked under the bare host name (ssh accept-new records it under [host]:port)', async () => {
    const c: Case = { name: 'revoked bare', files: () => ({ user1: [`@revoked 127.0.0.1 ${pub.ed25519}`] }) };
    const sshPaths = writeCase(c, join(dir, 'accept-new-ssh-revoked-bare'));
    const ourPaths = writeCase(c, join(dir, 'accept-new-ours-revoked-bare'));
    const ssh = runSsh(c, sshPaths, 'accept-new');
    expect(ssh.ok, ssh.stderr).toBe(true);
    expect(read(sshPaths.user1)).toContain(`${hp(port)} ${pub.ed25519}`);
    const ours = await runProvision(c, ourPaths, true);
    expect(ours.ok).toBe(false);
    expect(ours.error).toMatch(new RegExp(`^REVOKED HOST KEY .*${escape(ourPaths.user1)}:1`));
    expect(read(ourPaths.user1)).toBe(`@revoked 127.0.0.1 ${pub.ed25519}\n`);
  });

  it('never records a key for a host trusted only through @cert-authority', async () => {
    const c = CASES.find((x) => x.name === 'host certificate through @cert-authority only')!;
    const paths = writeCase(c, join(dir, 'accept-new-ca'));
    const ours = await runProvision(c, paths, true);
    expect(ours.ok).toBe(false);
    expect(ours.error).toMatch(/^host certificates are not supported/);
    expect(existsSync(paths.user1)).toBe(false);
  });
});

function read(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
