import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConfigError, type SourceLocation } from '../errors.js';
import { YamlSource } from '../yaml-source.js';

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

export interface VarsFromFiles {
  vars: Record<string, unknown>;
  sources: Record<string, SourceLocation>;
}

/**
 * Ansible's host_group_vars: in DIR/group_vars (or host_vars), the first of
 * NAME, NAME.yml, NAME.yaml, NAME.json that exists; a directory NAME/ gives all
 * its files (recursively, sorted, hidden files and backups~ skipped), merged in order.
 */
export function varsFilesFor(dir: string, kind: 'group_vars' | 'host_vars', name: string): string[] {
  const base = join(dir, kind);
  if (!isDirectory(base)) return [];
  for (const ext of ['', ...VARS_EXTENSIONS]) {
    const path = join(base, name + ext);
    if (!existsSync(path)) continue;
    return isDirectory(path) ? dirVarsFiles(path) : [path];
  }
  return [];
}

/** The directories of `dirs` that have a group_vars/ (or host_vars/) directory: asked once per load, not once per host. */
export function dirsWithVars(dirs: string[], kind: 'group_vars' | 'host_vars'): string[] {
  return dirs.filter((dir) => isDirectory(join(dir, kind)));
}

function dirVarsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((entry) => !entry.startsWith('.') && !entry.endsWith('~'))
    .flatMap((entry) => {
      const path = join(dir, entry);
      const ext = extname(entry);
      if (isDirectory(path)) return ext ? [] : dirVarsFiles(path);
      return !ext || VARS_EXTENSIONS.includes(ext) ? [path] : [];
    });
}

function isDirectory(path: string): boolean {
  try {
    // A missing path answers undefined instead of throwing: every host asks for its host_vars/
    // directory, and an exception (with its stack) per host was ~70 ms at 1,000 hosts.
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** One vars file, read as Ansible reads it (YAML 1.1; JSON is YAML); an empty file is no variables. */
export function readVarsFile(file: string): VarsFromFiles {
  const source = YamlSource.fromFile(file, file, { yaml11: true, vaultFile: 'secrets' });
  const data = source.data;
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    throw new ConfigError('a vars file must be a mapping of variable names to values', source.locate([]));
  }
  const vars = (data ?? {}) as Record<string, unknown>;
  const sources = Object.fromEntries(Object.keys(vars).map((k) => [k, source.locate([k])]));
  return { vars, sources };
}

/**
 * The merged variables of the group_vars/ or host_vars/ files for NAME under each of `dirs`, in order.
 * `memo` (one per inventory load) reads each group's files once, not once per host of the group.
 */
export function varsFromDirs(dirs: string[], kind: 'group_vars' | 'host_vars', name: string, memo?: Map<string, VarsFromFiles>): VarsFromFiles {
  const key = JSON.stringify([dirs, kind, name]);
  const known = memo?.get(key);
  if (known) return known;
  const out: VarsFromFiles = { vars: {}, sources: {} };
  memo?.set(key, out);
  for (const dir of dirs) {
    for (const file of varsFilesFor(dir, kind, name)) {
      const { vars, sources } = readVarsFile(file);
      Object.assign(out.vars, vars);
      Object.assign(out.sources, sources);
    }
  }
  return out;
}
