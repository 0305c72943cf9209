// End to end: a real container, reached with the system ssh client exactly as the
// engine will reach it, then torn down without a trace. Needs root (see CI setup).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { down, inventoryYaml, list, up, type SandboxHost } from '../src/sandbox/index.js';

// Unique per run: machine names and veth names are machine-wide, and a developer's
// own sandboxes or a parallel run must not collide with this one.
const NAME = `pv-e2e-${randomBytes(2).toString('hex')}`;
const isRoot = process.getuid?.() === 0;
// Own stateDir so the test never touches a developer's running sandboxes;
// the rootfs cache stays shared (building it is the slow part).
const stateDir = fs.mkdtempSync('/var/tmp/provision-sandbox-e2e-');
const opts = { stateDir, log: (l: string) => console.log(`[sandbox] ${l}`) };

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

describe.skipIf(!isRoot)('sandbox (real systemd-nspawn host)', () => {
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
    expect(host).toMatchObject({ name: NAME, port: 22, user: 'root', becomeUser: 'deploy' });
    expect(host.address).toMatch(/^10\.213\.\d+\.\d+$/);
    expect(fs.statSync(host.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(host.knownHostsPath, 'utf8')).toMatch(new RegExp(`^${host.address} ssh-ed25519 AAAA\\S+\\n$`));
    expect(fs.statSync(host.rootDir).mode & 0o777).toBe(0o755);
    expect((await list(opts)).map((h) => h.name)).toEqual([NAME]);
    expect(inventoryYaml([host])).toContain(`  ${NAME}:\n    address: ${host.address}\n`);
  });

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
    const others = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'to', '10.213.0.0/16'], { encoding: 'utf8' }).trim();
    const nft = spawnSync('nft', ['list', 'table', 'ip', 'provision_sandbox']);
    expect(nft.status === 0).toBe(others !== '');
  }, 120_000);
});
