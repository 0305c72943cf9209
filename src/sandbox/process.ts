// Process helpers over /proc: finding the container's init and making sure a pid from
// an old state.json still is our process before we signal it (pids get reused).
import fs from 'node:fs';

export function alive(pid: number): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

// Start time in clock ticks since boot (field 22 of /proc/<pid>/stat): with the pid it
// names one process for good, so a reused pid is never mistaken for our container.
// A zombie counts as gone: it holds no resources and an orphan's reaper may be slow.
export function startTime(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? 0 : Number(fields[19]);
  } catch { return 0; }
}

export function sameProcess(pid: number, start: number): boolean {
  return !!pid && !!start && startTime(pid) === start;
}

// nspawn forks the container's PID 1 as its direct child.
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const c = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) out.push(...c.split(/\s+/).map(Number));
    }
  } catch { /* gone */ }
  return out;
}

export function comm(pid: number): string {
  try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

// Signal that tolerates the process having exited since we last looked.
export function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
}

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(200);
  }
}
