// End to end: a real container, reached with the system ssh client exactly as the
// engine will reach it, then torn down without a trace. Needs root (see CI setup).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { down, inventoryYaml, list, RELEASE_ENV, RELEASES, up, type SandboxHost } from '../src/sandbox/index.js';
import { TEST_RELEASE } from './support/host.js';
import { runCli, writeProject } from './support/provision.js';

// Unique per run: machine names and veth names are machine-wide, and a developer's
// own sandboxes or a parallel run must not collide with this one.
const NAME = `pv-e2e-${randomBytes(2).toString('hex')}`;
const isRoot = process.getuid?.() === 0;
// Own stateDir so the test never touches a developer's running sandboxes;
// the rootfs cache stays shared (building it is the slow part).
const stateDir = fs.mkdtempSync('/var/tmp/provision-sandbox-e2e-');
const opts = { stateDir, release: TEST_RELEASE, log: (l: string) => console.log(`[sandbox] ${l}`) };

function ssh(h: SandboxHost, user: string, command: string) {
  return spawnSync('ssh', [
    '-F', 'none', '-i', h.privateKeyPath, '-p', String(h.port),
    '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${h.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10', `${user}@${h.address}`, command,
  ], { encoding: 'utf8', timeout: 240_000 });
}

// A zombie waiting for its reaper holds nothing; count it as gone.
const alive = (pid: number) => {
  try { return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
};

/** `/etc/os-release` as a map (what `. /etc/os-release` gives a shell). */
function osRelease(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), l.slice(i + 1).replace(/^"(.*)"$/, '$1')];
  }));
}

describe.skipIf(!isRoot)(`sandbox (real systemd-nspawn host, Debian ${TEST_RELEASE})`, () => {
  let host: SandboxHost;
  let nspawnPid = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    [host] = await up([NAME], opts);
    console.log(`up() took ${((Date.now() - t0) / 1000).toFixed(1)}s (includes a rootfs build if uncached)`);
    nspawnPid = JSON.parse(fs.readFileSync(path.join(stateDir, NAME, 'state.json'), 'utf8')).nspawnPid;
  }, 900_000);

  afterAll(async () => {
    await down(undefined, opts).catch(() => {});
    fs.rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('describes the host', async () => {
    expect(host).toMatchObject({ name: NAME, release: TEST_RELEASE, port: 22, user: 'root', becomeUser: 'deploy' });
    expect(host.address).toMatch(/^10\.213\.\d+\.\d+$/);
    expect(fs.statSync(host.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(host.knownHostsPath, 'utf8')).toMatch(new RegExp(`^${host.address} ssh-ed25519 AAAA\\S+\\n$`));
    expect(fs.statSync(host.rootDir).mode & 0o777).toBe(0o755);
    expect((await list(opts)).map((h) => h.name)).toEqual([NAME]);
    expect(inventoryYaml([host])).toContain(`  ${NAME}:\n    address: ${host.address}\n`);
    expect(inventoryYaml([host])).toContain(`      sandbox_release: ${TEST_RELEASE} `);
  });

  it(`runs Debian ${TEST_RELEASE}, with apt sources of that release only`, () => {
    const r = ssh(host, 'root', 'cat /etc/os-release; echo ---; cat /etc/apt/sources.list.d/*.sources');
    expect(r.status, r.stderr).toBe(0);
    const [osr, sources] = r.stdout.split('\n---\n');
    expect(osRelease(osr).VERSION_CODENAME).toBe(TEST_RELEASE);
    const suites = [...sources.matchAll(/^Suites:(.*)$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
    expect(suites.length).toBeGreaterThan(0);
    expect(suites.filter((s) => s.split('-')[0] !== TEST_RELEASE)).toEqual([]);
  }, 60_000);

  it('refuses to hand back a running host of another release under the same name', async () => {
    const other = RELEASES.find((r) => r !== TEST_RELEASE)!;
    await expect(up([NAME], { ...opts, release: other })).rejects.toThrow(`sandbox host ${NAME} is running ${TEST_RELEASE}, not ${other}`);
    expect(ssh(host, 'root', 'true').status).toBe(0);
  }, 60_000);

  it('accepts ssh as root with strict host key checking', () => {
    const r = ssh(host, 'root', 'id -un; hostname');
    expect(r.stderr).not.toMatch(/WARNING|Permanently added/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['root', NAME]);
  }, 60_000);

  it('lets deploy become root with sudo -n', () => {
    const r = ssh(host, host.becomeUser, 'sudo -n true && sudo -n id -un');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('root');
    expect(r.stderr).not.toMatch(/unable to resolve host/);
  }, 60_000);

  it('runs systemd to a running or degraded state', () => {
    const r = ssh(host, 'root', 'systemctl is-system-running --wait');
    const state = r.stdout.trim();
    if (state === 'degraded') {
      console.log('degraded; failed units:\n' + ssh(host, 'root', 'systemctl --failed --no-legend --plain').stdout);
    }
    expect(['running', 'degraded']).toContain(state);
  }, 120_000);

  it('reaches the Debian mirrors through the masquerade (apt-get update)', () => {
    const r = ssh(host, 'root', 'apt-get update 2>&1');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/^(Err:|W: Failed|E: )/m);
  }, 240_000);

  it('down() leaves no process, link, nft table or folder', async () => {
    await down([NAME], opts);
    expect(alive(nspawnPid)).toBe(false);
    expect(alive(host.machinePid)).toBe(false);
    expect(fs.existsSync(`/sys/class/net/ve-${NAME}`)).toBe(false);
    expect(fs.existsSync(path.join(stateDir, NAME))).toBe(false);
    expect(fs.existsSync(`/run/systemd/nspawn/propagate/${NAME}`)).toBe(false);
    expect(await list(opts)).toEqual([]);
    // The NAT table is shared by all sandboxes on the machine; it must go only
    // when no other sandbox address is configured.
    // Other test files boot and remove hosts meanwhile: another host's down() removes its
    // address a moment before the table, so the two are compared once they agree or after 10 s.
    const state = (): { table: boolean; others: boolean } => ({
      others: execFileSync('ip', ['-4', '-o', 'addr', 'show', 'to', '10.213.0.0/16'], { encoding: 'utf8' }).trim() !== '',
      table: spawnSync('nft', ['list', 'table', 'ip', 'provision_sandbox']).status === 0,
    });
    let seen = state();
    for (let i = 0; i < 20 && seen.table !== seen.others; i++) {
      await new Promise((r) => setTimeout(r, 500));
      seen = state();
    }
    expect(seen.table).toBe(seen.others);
  }, 120_000);
});

// `provision test --release` as a user runs it: the flag wins over the environment, and the
// host it boots (kept, then read from outside) is of that release.
describe.skipIf(!isRoot)(`provision test --release ${TEST_RELEASE}`, () => {
  const cliStateDir = fs.mkdtempSync('/var/tmp/provision-sandbox-e2e-');
  const name = `pv-rel-${randomBytes(2).toString('hex')}`;
  const env = { PROVISION_SANDBOX_DIR: cliStateDir, [RELEASE_ENV]: RELEASES.find((r) => r !== TEST_RELEASE)! };

  afterAll(async () => {
    await runCli(['sandbox', 'down'], env);
    fs.rmSync(cliStateDir, { recursive: true, force: true });
  }, 120_000);

  it('boots a host of the release given, records it, and the playbook sees it', async () => {
    const project = writeProject({
      'site.yaml': [
        '- name: release check',
        '  hosts: all',
        '  tasks: []',
        '  verify:',
        '    - name: the inventory names the release the host runs',
        '      command: { cmd: ". /etc/os-release && test \\"$VERSION_CODENAME\\" = \\"{{ sandbox_release }}\\"" }',
        '',
      ].join('\n'),
    });
    try {
      const r = await runCli(['test', path.join(project, 'site.yaml'), '--release', TEST_RELEASE, '--name', name, '--keep'], env);
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^--- boot fresh host ${name}: passed \\(10\\.213\\.\\d+\\.\\d+, Debian ${TEST_RELEASE}\\)$`, 'm'));
      const listed = await runCli(['sandbox', 'list'], env);
      expect(listed.stdout.split('\t').slice(0, 2)).toEqual([name, TEST_RELEASE]);
      const state = JSON.parse(fs.readFileSync(path.join(cliStateDir, name, 'state.json'), 'utf8'));
      expect(state.release).toBe(TEST_RELEASE);
      expect(osRelease(fs.readFileSync(path.join(state.rootDir, 'etc/os-release'), 'utf8')).VERSION_CODENAME).toBe(TEST_RELEASE);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }, 600_000);

  it('refuses an unknown release, from the flag or the environment, before booting anything', async () => {
    const before = fs.readdirSync(cliStateDir);
    for (const [args, extra] of [[['--release', 'buster'], {}], [[], { [RELEASE_ENV]: 'buster' }]] as const) {
      const r = await runCli(['test', path.join(tmpdir(), 'absent.yaml'), ...args], { ...env, ...extra });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/--release.*'buster'.*Allowed choices are bookworm, trixie/s);
    }
    expect(fs.readdirSync(cliStateDir)).toEqual(before);
  });
});
