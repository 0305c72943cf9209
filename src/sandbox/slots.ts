// Address slots claimed machine-wide. A host's address is visible on the machine (ip addr) only
// once its boot has configured the link, seconds after the slot was picked; runs with another
// stateDir (parallel test files, a developer's own sandboxes) cannot see each other's state.json.
// So each pick is recorded at once in a claim file under /run, beside the machine-wide lock.
import fs from 'node:fs';
import path from 'node:path';

const CLAIMS = '/run/provision-sandbox.slots';

/**
 * Slots claimed by hosts that still exist: a claim names its host's folder, and a claim whose
 * folder is gone (removed by down(), or a crashed run cleaned up by hand) is dropped.
 * Call under the machine-wide lock (state.ts withLock).
 */
export function claimedSlots(dir = CLAIMS): Set<number> {
  const out = new Set<number>();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    let owner = '';
    try { owner = fs.readFileSync(p, 'utf8'); } catch { continue; }
    if (/^\d+$/.test(f) && owner && fs.existsSync(owner)) out.add(Number(f));
    else fs.rmSync(p, { force: true });
  }
  return out;
}

/** Records that the host in `hostDir` holds `index`. Call under the machine-wide lock. */
export function claimSlot(index: number, hostDir: string, dir = CLAIMS): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(dir, String(index)), hostDir);
}

/** Drops the claim of `index` if the host in `hostDir` holds it (never another host's). */
export function releaseSlot(index: number, hostDir: string, dir = CLAIMS): void {
  const p = path.join(dir, String(index));
  try {
    if (fs.readFileSync(p, 'utf8') === hostDir) fs.rmSync(p, { force: true });
  } catch {
    // No claim: nothing to release.
  }
}
