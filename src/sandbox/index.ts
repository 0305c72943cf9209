// Disposable Debian test hosts: systemd-nspawn containers reachable over real SSH.
// up() boots them, list() reads what is recorded, down() removes every trace.
import fs from 'node:fs';
import path from 'node:path';
import { hostDir, resolve, validateName, type Resolved, type SandboxOptions } from './config.js';
import { ensureRootfs } from './rootfs.js';
import { ensureTools } from './tools.js';
import { prepareHost } from './host-files.js';
import { removeNspawnLeftovers, startNspawn, stopContainer, waitMachinePid, waitSsh } from './boot.js';
import {
  configureLink, enableForwarding, ensureNat, freeSlot, linkExists, removeNat, restoreForwarding, SLOT_COUNT, slotAddresses,
  slotsInUseOnMachine,
} from './network.js';
import { claimedSlots, claimSlot, releaseSlot } from './slots.js';
import { sameProcess, startTime, waitFor } from './process.js';
import { hostNames, readState, writeState, withLock, type HostState } from './state.js';
import { run } from './exec.js';
import { waitAcme } from './acme.js';
import type { Release } from './release.js';

export type { SandboxOptions } from './config.js';
export { ensureRootfs } from './rootfs.js';
export { ensureTools } from './tools.js';
export { inventoryYaml } from './inventory.js';
export { SANDBOX_VARS, ACME_UNIT } from './acme.js';
export { DEFAULT_RELEASE, RELEASES, RELEASE_ENV, releaseFrom, type Release } from './release.js';

export interface SandboxHost {
  name: string;
  /** The Debian release it runs (bookworm, trixie). */
  release: Release;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  knownHostsPath: string;
  becomeUser: string;
  machinePid: number;
  rootDir: string;
}

function toHost(s: HostState): SandboxHost {
  return {
    name: s.name, release: recordedRelease(s), address: s.address, port: 22, user: 'root',
    privateKeyPath: s.privateKeyPath, knownHostsPath: s.knownHostsPath,
    becomeUser: 'deploy', machinePid: s.machinePid, rootDir: s.rootDir,
  };
}

// Hosts recorded before there was a choice of release ran bookworm.
function recordedRelease(s: HostState): Release {
  return s.release ?? 'bookworm';
}

function running(s: HostState | undefined): s is HostState {
  return !!s && sameProcess(s.nspawnPid, s.nspawnStart) && sameProcess(s.machinePid, s.machineStart);
}

/**
 * Each host's systemd takes several inotify instances, all counted against root:
 * with the kernel's default of 128, about 40 hosts is the most that boot ("Too many
 * open files"). Raised, never lowered, to what container hosts use.
 */
const INOTIFY_INSTANCES = 8192;
function raiseInotifyLimit(log: (line: string) => void): void {
  const file = '/proc/sys/fs/inotify/max_user_instances';
  try {
    if (Number(fs.readFileSync(file, 'utf8')) < INOTIFY_INSTANCES) {
      fs.writeFileSync(file, String(INOTIFY_INSTANCES));
      log(`raised fs.inotify.max_user_instances to ${INOTIFY_INSTANCES} (each host's systemd uses several)`);
    }
  } catch {
    // Not allowed here: hosts still boot up to the old limit.
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('provision sandbox needs root (systemd-nspawn, netns, nftables)');
}

async function bootOne(r: Resolved, s: HostState, tarball: string): Promise<HostState> {
  const dir = hostDir(r, s.name);
  const t0 = Date.now();
  const files = await prepareHost(dir, s.name, tarball, s.address);
  Object.assign(s, { rootDir: files.rootDir, privateKeyPath: files.privateKeyPath, knownHostsPath: files.knownHostsPath });
  s.nspawnPid = startNspawn(dir, s.name, files.rootDir);
  s.nspawnStart = startTime(s.nspawnPid);
  writeState(r, s); // record the pid at once so down() can stop a host whose boot failed
  s.machinePid = await waitMachinePid(s.nspawnPid, dir);
  s.machineStart = startTime(s.machinePid);
  writeState(r, s);
  await waitFor(`link ${s.hostIf}`, 10_000, () => (linkExists(s.hostIf) ? true : undefined));
  await configureLink(s.hostIf, s.machinePid, s.gateway, s.address);
  await waitSsh(s.address, s.nspawnPid, dir);
  // Ready means ready for certificate tasks too; a broken CA only warns (never fails boot).
  await waitAcme(s.machinePid, files.rootDir, (l) => r.log(`${s.name}: ${l}`));
  r.log(`${s.name}: up at ${s.address} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return s;
}

export async function up(names: string[], opts?: SandboxOptions): Promise<SandboxHost[]> {
  const r = resolve(opts);
  names = [...new Set(names)];
  names.forEach(validateName);
  requireRoot();
  await ensureTools(opts);
  raiseInotifyLimit(r.log);
  const tarball = await ensureRootfs(r.release, opts);

  const fresh: HostState[] = [];
  const reused = new Map<string, HostState>();
  await withLock(r, async () => {
    for (const name of names) {
      const old = readState(r, name);
      if (running(old)) {
        // Never hand back a host of another release than asked for: the test would be of the wrong system.
        if (recordedRelease(old) !== r.release) {
          throw new Error(`sandbox host ${name} is running ${recordedRelease(old)}, not ${r.release}: remove it first with provision sandbox down ${name}`);
        }
        reused.set(name, old);
        continue;
      }
      if (fs.existsSync(hostDir(r, name))) await downOne(r, name);
    }
    const used = new Set([...(await slotsInUseOnMachine()), ...claimedSlots()]);
    for (const n of hostNames(r)) { const i = readState(r, n)?.index; if (i !== undefined) used.add(i); }
    for (const name of names.filter((n) => !reused.has(n))) {
      const index = freeSlot(used, Math.floor(Math.random() * SLOT_COUNT));
      used.add(index);
      fs.mkdirSync(hostDir(r, name), { recursive: true, mode: 0o700 });
      claimSlot(index, path.resolve(hostDir(r, name)));
      const s: HostState = {
        name, release: r.release, index, ...slotAddresses(index), hostIf: `ve-${name}`, nspawnPid: 0, nspawnStart: 0, machinePid: 0, machineStart: 0,
        rootDir: '', privateKeyPath: '', knownHostsPath: '', createdAt: new Date().toISOString(),
      };
      writeState(r, s); // claims the slot for concurrent runs
      fresh.push(s);
    }
    if (fresh.length) { enableForwarding(); await ensureNat(); }
  });

  const results = await Promise.allSettled(fresh.map((s) => bootOne(r, s, tarball)));
  const failed = results.flatMap((res, i) => (res.status === 'rejected' ? [`${fresh[i].name}: ${res.reason?.message ?? res.reason}`] : []));
  if (failed.length) {
    // All or nothing: a half-started set of hosts only confuses the next test run.
    await down(fresh.map((s) => s.name), opts).catch(() => {});
    throw new Error(`sandbox up failed:\n${failed.join('\n')}`);
  }
  const byName = new Map([...reused, ...fresh.map((s) => [s.name, s] as const)]);
  return names.map((n) => toHost(byName.get(n)!));
}

export async function list(opts?: SandboxOptions): Promise<SandboxHost[]> {
  const r = resolve(opts);
  return hostNames(r).map((n) => readState(r, n)).filter((s): s is HostState => !!s?.rootDir).map(toHost);
}

// Refuses to delete through a mount point: rm -r would wipe whatever is mounted there.
function assertNoMounts(dir: string): void {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
  if (mounts.length) throw new Error(`refusing to remove ${dir}: mounted ${mounts.join(', ')}`);
}

async function downOne(r: Resolved, name: string): Promise<void> {
  const dir = hostDir(r, name);
  const s = readState(r, name);
  if (s) await stopContainer(s);
  // The veth vanishes with the container's netns; delete it only if something held on,
  // and only if our container got as far as owning it (never someone else's link).
  // Same for nspawn's files under /run, which are keyed by machine name.
  if (s?.machineStart) {
    if (linkExists(s.hostIf)) await run('ip', ['link', 'del', s.hostIf], { allowFail: true });
    removeNspawnLeftovers(name, path.join(dir, 'rootfs'));
  }
  if (fs.existsSync(dir)) { assertNoMounts(dir); fs.rmSync(dir, { recursive: true, force: true }); }
  if (s) releaseSlot(s.index, path.resolve(dir));
}

export async function down(names?: string[], opts?: SandboxOptions): Promise<void> {
  const r = resolve(opts);
  requireRoot();
  names?.forEach(validateName);
  await withLock(r, async () => {
    const targets = names ?? hostNames(r);
    const errors: string[] = [];
    await Promise.all(targets.map((n) => downOne(r, n).catch((e) => { errors.push(`${n}: ${e.message}`); })));
    // NAT and forwarding serve every sandbox on the machine, also other stateDirs'.
    // A claimed slot may belong to a host still booting (its address not yet configured).
    if (hostNames(r).length === 0 && (await slotsInUseOnMachine()).size === 0 && claimedSlots().size === 0) {
      await removeNat();
      restoreForwarding();
    }
    for (const n of targets) r.log(`${n}: down`);
    if (errors.length) throw new Error(`sandbox down failed:\n${errors.join('\n')}`);
  });
}
