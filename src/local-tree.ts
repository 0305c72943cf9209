import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { candidatePaths } from './local-files.js';

/** A regular file of a local tree: where it is, what it holds (by hash), its mode. */
export interface LocalTreeFile {
  /** Path relative to the tree's root, with "/". */
  rel: string;
  /** Absolute path on the controller. */
  local: string;
  sha256: string;
  size: number;
  /** Octal, four digits. */
  mode: string;
}

/** A directory on the controller: its subdirectories and files, by relative path, sorted (parents first). */
export interface LocalTree {
  dirs: string[];
  files: LocalTreeFile[];
}

/** The first of `src`'s candidate places (files/ beside the playbook, …) that exists, file or directory. */
export function findLocalEntry(src: string, playbookFile: string, firstDirs: string[] = []): { path: string; directory: boolean } {
  const candidates = candidatePaths(src, playbookFile, 'file', firstDirs);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`file or directory "${src}" not found (looked in: ${candidates.join(', ')})`);
  return { path: found, directory: statSync(found).isDirectory() };
}

const trees = new Map<string, LocalTree>();

/**
 * Walks a local directory, following symbolic links as Ansible's copy does by
 * default (local_follow: a link is copied as what it points to). A link that
 * leads nowhere, into a loop, or to something other than a file or directory is
 * an error naming it. Read once per run, whatever the number of hosts; file
 * contents are hashed in chunks, never held in memory.
 */
export function readLocalTree(root: string): LocalTree {
  const cached = trees.get(root);
  if (cached) return cached;
  const tree: LocalTree = { dirs: [], files: [] };
  const walk = (dir: string, rel: string, seen: Set<string>): void => {
    for (const name of readdirSync(dir).sort()) {
      const local = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      let st;
      try {
        st = statSync(local);
      } catch {
        throw new Error(`${local} is a symbolic link to nothing`);
      }
      if (st.isDirectory()) {
        const real = realpathSync(local);
        if (seen.has(real)) throw new Error(`${local} leads back into a directory it is in (a symbolic link loop)`);
        tree.dirs.push(r);
        walk(local, r, new Set([...seen, real]));
      } else if (st.isFile()) {
        tree.files.push({ rel: r, local, sha256: sha256OfLocalFile(local), size: st.size, mode: (st.mode & 0o7777).toString(8).padStart(4, '0') });
      } else {
        throw new Error(`${local} is neither a regular file nor a directory`);
      }
    }
  };
  walk(root, '', new Set([realpathSync(root)]));
  trees.set(root, tree);
  return tree;
}

export function sha256OfLocalFile(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
