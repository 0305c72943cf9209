// Starting and stopping one container. nspawn runs detached with its output in a log
// file, so hosts outlive the process that called up() (the CLI exits right away).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { alive, childPids, comm, sameProcess, signal, sleep, waitFor } from './process.js';
import type { HostState } from './state.js';

export function startNspawn(dir: string, name: string, rootDir: string): number {
  const log = fs.openSync(path.join(dir, 'nspawn.log'), 'a');
  const child = spawn('systemd-nspawn', [
    '-D', rootDir, '--boot', '--register=no', '--keep-unit', '--network-veth', '-M', name,
    // We write resolv.conf ourselves; read-only console puts the boot log in nspawn.log
    // without nspawn waiting for a terminal on stdin.
    '--resolv-conf=off', '--console=read-only',
  ], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  if (!child.pid) throw new Error(`could not start systemd-nspawn for ${name}`);
  child.unref();
  return child.pid;
}

export function nspawnLogTail(dir: string, lines = 15): string {
  try {
    return fs.readFileSync(path.join(dir, 'nspawn.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch { return ''; }
}

export async function waitMachinePid(nspawnPid: number, dir: string): Promise<number> {
  return waitFor('the container\'s systemd', 30_000, () => {
    if (!alive(nspawnPid)) throw new Error(`systemd-nspawn exited:\n${nspawnLogTail(dir)}`);
    return childPids(nspawnPid).find((p) => comm(p) === 'systemd');
  });
}

// One bounded probe: connected and got an SSH banner (a bare TCP accept could be
// the kernel only; the banner proves sshd runs).
function sshBanner(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('data', (d) => done(d.toString().startsWith('SSH-')));
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

export async function waitSsh(address: string, nspawnPid: number, dir: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`sshd on ${address}:22`, timeoutMs, async () => {
    if (!alive(nspawnPid)) throw new Error(`systemd-nspawn exited:\n${nspawnLogTail(dir)}`);
    return (await sshBanner(address, 22)) ? true : undefined;
  });
}

// SIGTERM makes nspawn ask the container's systemd to power off cleanly. SIGKILL on
// the container's init kills its whole pid namespace: needed when that hangs, and when
// nspawn itself died (its container then lives on as an orphan, still running).
export async function stopContainer(s: Pick<HostState, 'nspawnPid' | 'nspawnStart' | 'machinePid' | 'machineStart'>): Promise<void> {
  const nspawn = () => sameProcess(s.nspawnPid, s.nspawnStart);
  const machine = () => sameProcess(s.machinePid, s.machineStart);
  const waitGone = async (ms: number) => {
    for (let t = 0; t < ms && (nspawn() || machine()); t += 100) await sleep(100);
  };
  if (nspawn()) { signal(s.nspawnPid, 'SIGTERM'); await waitGone(10_000); }
  if (machine()) { signal(s.machinePid, 'SIGKILL'); await waitGone(5_000); }
  if (nspawn()) { signal(s.nspawnPid, 'SIGKILL'); await waitGone(5_000); }
  if (nspawn() || machine()) throw new Error(`container processes ${s.nspawnPid}/${s.machinePid} do not exit`);
}

// nspawn's own bookkeeping under /run, removed by nspawn on a clean exit only: the
// propagation dir per machine name and a lock file named after the root dir's inode.
export function removeNspawnLeftovers(name: string, rootDir: string): void {
  try { fs.rmdirSync(path.join('/run/systemd/nspawn/propagate', name)); } catch { /* absent or busy */ }
  const st = fs.statSync(rootDir, { throwIfNoEntry: false });
  if (st) fs.rmSync(`/run/systemd/nspawn/locks/inode-${st.dev}:${st.ino}`, { force: true });
}
