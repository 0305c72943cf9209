import { spawn, spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { lookupSshConfig, parseProxyJump } from '../../src/ssh/config.js';
import { resolveEndpoint } from '../../src/ssh/endpoint.js';

/**
 * Both sides of the ssh_config oracle: `ssh -G -F FILE [-l user] [-p port] HOST`
 * (OpenSSH 9.2) and provision's resolution of the same query, each reduced to
 * the fields provision uses. `normalise` is the one place where ssh's printed
 * defaults are mapped to provision's equivalent ones. Shared by the
 * hand-written table (ssh-config.test.ts) and the generated one
 * (ssh-config-fuzz.test.ts).
 */
export interface Query {
  host: string;
  user?: string;
  port?: number;
}

export type View = Record<string, string | string[] | undefined>;

export interface SshGResult {
  status: number;
  out: Map<string, string[]>;
  stderr: string;
}

function sshGArgs(file: string, q: Query): string[] {
  return ['-G', '-F', file, ...(q.user ? ['-l', q.user] : []), ...(q.port ? ['-p', String(q.port)] : []), q.host];
}

function parseSshG(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

export function sshG(file: string, q: Query): SshGResult {
  const r = spawnSync('ssh', sshGArgs(file, q), { encoding: 'utf8', env: process.env });
  return { status: r.status ?? -1, out: parseSshG(r.stdout), stderr: r.stderr };
}

/** The same, without blocking: many lookups run side by side. */
export function sshGAsync(file: string, q: Query): Promise<SshGResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshGArgs(file, q), { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, out: parseSshG(stdout), stderr }));
  });
}

export const SSH_DEFAULT_IDENTITY_FILES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'];

/**
 * A ProxyJump value as the hops it names: ssh -G prints the last hop parsed
 * (`ssh://u@gw:22` as `u@gw:22`) and the others as written.
 */
function jumpView(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return parseProxyJump(value)
    .map((j) => `${j.user === undefined ? '' : `${j.user}@`}${j.host}${j.port === undefined ? '' : `:${j.port}`}`)
    .join(',');
}

/** ssh -G's output in provision's terms: its defaults where provision computes its own. */
export function normalise(out: Map<string, string[]>): View {
  const one = (k: string): string | undefined => out.get(k)?.[0];
  const list = (k: string): string[] => {
    const v = one(k);
    return !v || v === 'none' ? [] : v.split(' ');
  };
  const identityFiles = out.get('identityfile') ?? [];
  const agent = one('identityagent');
  const user = one('user');
  return {
    hostname: one('hostname'),
    user,
    port: one('port'),
    // With no IdentityFile, ssh lists its default names; provision tries its own defaults later.
    identityfile: identityFiles.join('\n') === SSH_DEFAULT_IDENTITY_FILES.join('\n') ? [] : identityFiles,
    identitiesonly: one('identitiesonly'),
    proxyjump: jumpView(one('proxyjump')),
    userknownhostsfile: list('userknownhostsfile'),
    globalknownhostsfile: list('globalknownhostsfile'),
    hostkeyalias: one('hostkeyalias'),
    // ssh prints yes as true; `ask` is its default and provision never asks: unknown keys are refused.
    stricthostkeychecking: { true: 'yes', false: 'no', ask: 'ask' }[one('stricthostkeychecking') ?? 'ask'] ?? one('stricthostkeychecking'),
    identityagent: agent === undefined || agent === 'SSH_AUTH_SOCK' ? process.env.SSH_AUTH_SOCK : agent === 'none' ? undefined : agent.startsWith('$') ? process.env[agent.slice(1)] : agent,
  };
}

/** provision's resolution of the query with FILE as its only config (`--ssh-config FILE`, as `ssh -F FILE`). */
export function provisionView(file: string, q: Query): View {
  const e = resolveEndpoint({ name: q.host, address: q.host, port: q.port, user: q.user }, { sshConfig: file });
  const cfg = lookupSshConfig({ host: q.host, user: q.user, port: q.port, defaultUser: q.user ?? userInfo().username, files: [{ path: file, kind: 'user', checkPermissions: false }] });
  const strict = cfg.strictHostKeyChecking;
  return {
    hostname: e.address,
    user: e.user,
    port: String(e.port),
    identityfile: cfg.identityFiles,
    identitiesonly: e.identitiesOnly ? 'yes' : 'no',
    proxyjump: cfg.proxyJump === 'none' ? undefined : jumpView(cfg.proxyJump),
    userknownhostsfile: e.userKnownHostsFiles,
    globalknownhostsfile: e.globalKnownHostsFiles,
    hostkeyalias: e.hostKeyAlias,
    stricthostkeychecking: strict === undefined ? 'ask' : strict === 'true' ? 'yes' : strict === 'false' ? 'no' : strict,
    identityagent: e.agentSocket,
  };
}
