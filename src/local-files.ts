import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Largest local file a task may read (templates, copied files). Bigger input is a clear error, not a hang. */
export const MAX_LOCAL_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Where a relative `src` is looked up: first in `firstDirs` (a role's own
 * directory, for its tasks: roles/NAME/templates/, then roles/NAME/), then the
 * playbook's directory, then its parent, each first in the conventional
 * sub-folder (templates/ for templates, files/ for plain files) — so
 * playbooks/x.yaml finds the top-level templates/.
 */
export function candidatePaths(src: string, playbookFile: string, kind: 'template' | 'file', firstDirs: string[] = []): string[] {
  if (isAbsolute(src)) return [src];
  const dir = dirname(resolve(playbookFile));
  const sub = kind === 'template' ? 'templates' : 'files';
  return [...firstDirs.flatMap((d) => [join(d, sub, src), join(d, src)]), join(dir, sub, src), join(dir, src), join(dir, '..', sub, src), join(dir, '..', src)];
}

export function findLocalFile(src: string, playbookFile: string, kind: 'template' | 'file', firstDirs: string[] = []): string {
  const candidates = candidatePaths(src, playbookFile, kind, firstDirs);
  const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  if (!found) throw new Error(`${kind} "${src}" not found (looked in: ${candidates.join(', ')})`);
  return found;
}

const cache = new Map<string, string>();

export function readLocalFile(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    const size = statSync(path).size;
    if (size > MAX_LOCAL_FILE_BYTES) throw new Error(`${path} is ${size} bytes; the limit is ${MAX_LOCAL_FILE_BYTES}`);
    text = readFileSync(path, 'utf8');
    cache.set(path, text);
  }
  return text;
}
