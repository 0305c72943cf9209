import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireJump } from '../../src/ssh/client.js';
import { parseProxyJump } from '../../src/ssh/config.js';
import type { Endpoint } from '../../src/ssh/endpoint.js';
import { CLI, runCli, totals, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * ~/.ssh/config, ssh-agent and ProxyJump against a real OpenSSH server on
 * loopback. No test reads the real ~/.ssh/config: every run gets
 * PROVISION_SSH_CONFIG (or --ssh-config) and a throwaway HOME.
 */
let sshd: TestSshd;
let dir: string;
let home: string;
let wrongKey: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'provision-sshcfg-'));
  home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  wrongKey = join(dir, 'wrong_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const playbook = (): string => writeProject({ 'p.yaml': `- hosts: all\n  tasks:\n    - command: { cmd: "true", creates: / }\n` }) + '/p.yaml';

function file(name: string, content: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** Environment for a run: a HOME with no keys and no config, no agent unless given. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: home, SSH_AUTH_SOCK: '', PROVISION_SSH_CONFIG: 'none', ...extra };
}

describe('ssh_config parsing', () => {
  // Host/Match/Include resolution is compared with `ssh -G` in test/oracle/ssh-config.test.ts.
  it('ProxyJump forms', () => {
    expect(parseProxyJump('bastion')).toEqual([{ host: 'bastion', user: undefined, port: undefined }]);
    expect(parseProxyJump('ops@gw1:2222,gw2')).toEqual([{ user: 'ops', host: 'gw1', port: 2222 }, { host: 'gw2', user: undefined, port: undefined }]);
    expect(parseProxyJump('ssh://u@[::1]:22')).toEqual([{ user: 'u', host: '::1', port: 22 }]);
    expect(parseProxyJump('none')).toEqual([]);
    expect(() => parseProxyJump('gw:99999')).toThrow(/bad ProxyJump/);
  });
});

describe('runs honour the ssh config', () => {
  it('HostName, User, Port, IdentityFile (~, %h, %r, missing ones skipped), UserKnownHostsFile and Include, by the inventory host name', async () => {
    mkdirSync(join(home, 'keys'), { recursive: true });
    copyFileSync(sshd.clientKey, join(home, 'keys', 'id_127.0.0.1_root'));
    file('run1/extra.conf', `Host myalias\n  UserKnownHostsFile ${sshd.knownHosts}\n`);
    const cfg = file('run1/config', [
      'Host * !myalias',
      '  Port 1',
      'Match all',
      `Include ${dir}/run1/extra.conf`,
      'Host my?lias',
      '  HostName 127.0.0.1',
      `  Port ${sshd.port}`,
      '  User root',
      '  IdentityFile ~/missing_key',
      '  IdentityFile ~/keys/id_%h_%r',
      '',
    ].join('\n'));
    const inv = file('run1/hosts.yaml', 'hosts:\n  myalias:\n');
    const r = await runCli([playbook(), '-i', inv], env({ PROVISION_SSH_CONFIG: cfg }));
    expect(r.stderr).toBe('');
    expect(r.report!.hosts.myalias.recap.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(totals(r.report)).toMatchObject({ ok: 1, failed: 0, unreachable: 0 });
    // Without the config the name does not even resolve.
    const without = await runCli([playbook(), '-i', inv, '-T', '3'], env());
    expect(without.exitCode).toBe(3);
  });

  it('--ssh-config FILE; what the inventory sets explicitly (port, user, private_key) wins over the config', async () => {
    const cfg = file('run2/config', `Host local-alias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User nobody-here\n  IdentityFile ${wrongKey}\n  UserKnownHostsFile ${sshd.knownHosts}\n`);
    const inv = file('run2/hosts.yaml', `hosts:\n  h:\n    address: local-alias\n    user: root\n    private_key: ${sshd.clientKey}\n`);
    const ok = await runCli([playbook(), '-i', inv, '--ssh-config', cfg], env());
    expect(ok.exitCode).toBe(0);
    const port = file('run2/port.yaml', `hosts:\n  h:\n    address: local-alias\n    port: 1\n    private_key: ${sshd.clientKey}\n`);
    const refused = await runCli([playbook(), '-i', port, '--ssh-config', cfg], env());
    expect(refused.exitCode).toBe(3);
    expect(refused.report!.hosts.h.recap.error).toMatch(/127\.0\.0\.1:1: ECONNREFUSED/);
    // Config user and the config's (wrong) key only: refused, saying what was tried.
    const userFromConfig = file('run2/user.yaml', `hosts:\n  h:\n    address: local-alias\n`);
    const denied = await runCli([playbook(), '-i', userFromConfig, '--ssh-config', cfg], env());
    expect(denied.exitCode).toBe(3);
    expect(denied.report!.hosts.h.recap.error).toContain(`authentication failed for user nobody-here (key refused; tried ${wrongKey})`);
  });

  it('a missing --ssh-config file is bad input (exit 4) before any host is touched, not silently ignored', async () => {
    const inv = file('run3/hosts.yaml', 'hosts:\n  h: { address: 127.0.0.1 }\n');
    const r = await runCli([playbook(), '-i', inv, '--ssh-config', `${dir}/nope`], env());
    expect(r.exitCode).toBe(4);
    expect(r.report).toBeUndefined();
    expect(r.stderr).toContain(`h: ssh config ${dir}/nope does not exist`);
  });

  it('a config line provision does not carry out stops the run with exit 4, naming file and line', async () => {
    const cfg = file('run3/refusing', `Host 127.0.0.1\n  ProxyCommand nc %h %p\n`);
    const inv = file('run3/hosts2.yaml', `hosts:\n  h: { address: 127.0.0.1, port: ${sshd.port}, private_key: ${sshd.clientKey}, known_hosts: ${sshd.knownHosts} }\n`);
    const r = await runCli([playbook(), '-i', inv, '--ssh-config', cfg], env());
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${cfg}:2: `);
    expect(r.stderr).toMatch(/:2: proxycommand nc %h %p: not supported/i);
    expect(r.stderr).toContain('no host was touched');
  });
});

describe('ProxyJump (the loopback sshd as its own jump host)', () => {
  it('proxy_jump in the inventory, a chain a,b, the config ProxyJump, `none`, and an unreachable jump host', async () => {
    const base = `    address: 127.0.0.1\n    port: ${sshd.port}\n    private_key: ${sshd.clientKey}\n    known_hosts: ${sshd.knownHosts}\n`;
    const inv = file('jump/hosts.yaml', [
      'hosts:',
      '  one:', base + `    proxy_jump: root@127.0.0.1:${sshd.port}`,
      '  two:', base + `    proxy_jump: 127.0.0.1:${sshd.port},root@127.0.0.1:${sshd.port}`,
      '  three:', base + `    proxy_jump: root@127.0.0.1:${sshd.port}`,
      '',
    ].join('\n'));
    const r = await runCli([playbook(), '-i', inv], env());
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(totals(r.report)).toMatchObject({ ok: 3, unreachable: 0 });

    const cfg = file('jump/config', `Host 127.0.0.1\n  ProxyJump gw\nHost gw\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  ProxyJump none\n`);
    const viaConfig = file('jump/plain.yaml', `hosts:\n  four:\n${base}`);
    expect((await runCli([playbook(), '-i', viaConfig, '--ssh-config', cfg], env())).exitCode).toBe(0);
    const bad = file('jump/bad.yaml', `hosts:\n  five:\n${base}    proxy_jump: root@127.0.0.1:1\n  six:\n${base}    proxy_jump: none\n`);
    const failed = await runCli([playbook(), '-i', bad], env());
    expect(failed.exitCode).toBe(3);
    expect(failed.report!.hosts.five.recap.error).toBe('five: unreachable: jump host root@127.0.0.1:1: cannot connect to 127.0.0.1:1: ECONNREFUSED');
    expect(failed.report!.hosts.six.recap).toMatchObject({ ok: 1, unreachable: 0 });
  });

  it('targets behind the same jump host share one connection to it, closed with the last of them', async () => {
    const hop = (): Endpoint => ({ name: 'gw', address: '127.0.0.1', port: sshd.port, user: 'root', keyFiles: [{ path: sshd.clientKey, required: true, fallback: false }], agent: false, identitiesOnly: false, userKnownHostsFiles: [sshd.knownHosts], globalKnownHostsFiles: [], jumps: [] });
    const [a, b] = await Promise.all([acquireJump([hop()], { timeoutMs: 30_000 }), acquireJump([hop()], { timeoutMs: 30_000 })]);
    expect(a.client).toBe(b.client);
    let closed = false;
    a.client.on('close', () => (closed = true));
    a.release();
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    b.release();
    for (let i = 0; i < 1500 && !closed; i++) await new Promise((r) => setTimeout(r, 20)); // up to 30 s on a loaded machine
    expect(closed).toBe(true);
    const c = await acquireJump([hop()], { timeoutMs: 30_000 });
    expect(c.client).not.toBe(a.client);
    c.release();
  });

  it('the jump host cannot reach the target: said so, quickly', async () => {
    const inv = file('jump2/hosts.yaml', `hosts:\n  far:\n    address: 127.0.0.1\n    port: 1\n    private_key: ${sshd.clientKey}\n    known_hosts: ${sshd.knownHosts}\n    proxy_jump: root@127.0.0.1:${sshd.port}\n`);
    const r = await runCli([playbook(), '-i', inv], env());
    expect(r.exitCode).toBe(3);
    expect(r.report!.hosts.far.recap.error).toMatch(/jump host root@127\.0\.0\.1:\d+ cannot connect to 127\.0\.0\.1:1: Connection refused/);
  });
});

describe('ssh-agent', () => {
  let agent: ChildProcess;
  let sock: string;
  beforeAll(async () => {
    sock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', ['-q', sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  });
  afterAll(() => {
    agent?.kill();
  });

  const inventory = (extra = ''): string => file(`agent/${Math.random().toString(36).slice(2)}.yaml`, `hosts:\n  local:\n    address: 127.0.0.1\n    port: ${sshd.port}\n    known_hosts: ${sshd.knownHosts}\n${extra}`);

  it('with no key file anywhere, the agent key logs in; without the agent nothing can', async () => {
    const r = await runCli([playbook(), '-i', inventory()], env({ SSH_AUTH_SOCK: sock }));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const none = await runCli([playbook(), '-i', inventory()], env());
    expect(none.exitCode).toBe(3);
    expect(none.report!.hosts.local.recap.error).toContain('no key to offer');
  });

  it('falls back between key files and the agent both ways; a dead agent socket does not stop a good key file', async () => {
    const wrongFileRightAgent = await runCli([playbook(), '-i', inventory(`    private_key: ${wrongKey}\n`)], env({ SSH_AUTH_SOCK: sock }));
    expect(wrongFileRightAgent.exitCode).toBe(0);
    const deadAgent = await runCli([playbook(), '-i', inventory(`    private_key: ${sshd.clientKey}\n`)], env({ SSH_AUTH_SOCK: join(dir, 'no-such.sock') }));
    expect(deadAgent.exitCode).toBe(0);
    const bothWrong = await runCli([playbook(), '-i', inventory(`    private_key: ${wrongKey}\n`)], env({ SSH_AUTH_SOCK: join(dir, 'no-such.sock') }));
    expect(bothWrong.exitCode).toBe(3);
    expect(bothWrong.report!.hosts.local.recap.error).toMatch(new RegExp(`tried ${wrongKey}, ssh-agent \\(0 keys\\)\\); ssh-agent at .*no-such\\.sock: `));
  });

  it('IdentitiesOnly yes: only agent keys matching the IdentityFiles are offered', async () => {
    const cfg = file('agent/config', `Host 127.0.0.1\n  IdentitiesOnly yes\n  IdentityFile ${wrongKey}\n`);
    const r = await runCli([playbook(), '-i', inventory(), '--ssh-config', cfg], env({ SSH_AUTH_SOCK: sock }));
    expect(r.exitCode).toBe(3);
    expect(r.report!.hosts.local.recap.error).toContain(`tried ${wrongKey}, ssh-agent (0 keys)`);
    const matching = file('agent/config2', `Host 127.0.0.1\n  IdentitiesOnly yes\n  IdentityFile ${sshd.clientKey}.pub\n`);
    // Only the .pub is given (as for a key kept in the agent): the agent's matching key is offered.
    const ok = await runCli([playbook(), '-i', inventory(), '--ssh-config', matching], env({ SSH_AUTH_SOCK: sock }));
    expect(ok.report!.hosts.local.recap.error).toBeUndefined();
    expect(ok.exitCode).toBe(0);
  });
});

describe('--ask-become-pass', () => {
  it('with no terminal, fails at once with a clear message instead of waiting', async () => {
    const inv = file('k/hosts.yaml', 'hosts:\n  h: { address: 127.0.0.1, port: 1 }\n');
    const started = Date.now();
    // A new session (setsid): no controlling terminal, stdin is /dev/null.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, playbook(), '-i', inv, '-K'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env(), CI: '1' } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('--ask-become-pass needs a terminal to ask on, and there is none');
    expect(Date.now() - started).toBeLessThan(30_000); // it did not wait on a prompt: a bound, not a benchmark (a loaded CI machine starts node slowly)
  });
});
