import { fact, type Fact } from './facts.js';
import { quote } from './shell.js';

/** One path under a directory on the host. */
export interface TreeEntry {
  type: 'file' | 'directory' | 'link' | 'other';
  /** Octal, four digits. */
  mode: string;
  owner: string;
  group: string;
  /** Regular files only. */
  sha256?: string;
}

/** A directory on the host and everything under it, by path relative to it ("" is the directory itself). */
export type TreeState = { kind: 'absent' } | { kind: 'not-directory' } | { kind: 'directory'; entries: Record<string, TreeEntry> };

const SUMS = '--provision-tree-sums--';

/**
 * Every path under `root` with its type, mode and owner (one `find`), and the
 * SHA-256 of every regular file (one `sha256sum` per few thousand files), so a
 * whole tree costs the play's one fact read, not a round trip per file.
 * Records are NUL-separated: a name may hold any byte but NUL. A root that is a
 * symbolic link to a directory is followed (find -H), as Ansible's copy does;
 * links below it are never followed. A tree find cannot read fails the fact.
 */
export function treeFact(root: string): Fact<TreeState> {
  const r = quote(root);
  const script = [
    `if [ -d ${r} ]; then`,
    `  find -H ${r} -printf '%y|%m|%u|%g|%P\\0'`,
    `  printf '%s\\000' '${SUMS}'`,
    `  cd ${r} && find . -type f -exec sha256sum -z -- {} +`,
    `elif [ -e ${r} ] || [ -L ${r} ]; then printf 'not-directory'`,
    `else printf 'absent'; fi`,
  ].join('\n');
  return fact(`tree:${root}`, script, ({ stdout, exitCode }) => {
    if (exitCode !== 0) throw new Error(`cannot read the directory tree ${root} on the host (find or sha256sum exited ${exitCode}); is it readable by the login user (become)?`);
    return parseTree(stdout);
  });
}

export function parseTree(stdout: string): TreeState {
  if (stdout === 'absent' || stdout === '') return { kind: 'absent' };
  if (stdout === 'not-directory') return { kind: 'not-directory' };
  const cut = stdout.indexOf(`${SUMS}\0`);
  const records = (cut < 0 ? stdout : stdout.slice(0, cut)).split('\0');
  const entries: Record<string, TreeEntry> = {};
  for (const record of records) {
    const fields = record.split('|');
    if (fields.length < 5) continue;
    const [y, mode, owner, group] = fields;
    const rel = fields.slice(4).join('|');
    entries[rel] = { type: y === 'f' ? 'file' : y === 'd' ? 'directory' : y === 'l' ? 'link' : 'other', mode: mode.padStart(4, '0'), owner, group };
  }
  if (cut >= 0) {
    for (const line of stdout.slice(cut + SUMS.length + 1).split('\0')) {
      // "HASH  ./rel" (sha256sum -z: names unescaped)
      const m = /^\n?([0-9a-f]{64}) [ *]\.\/([\s\S]*)$/.exec(line);
      if (m && entries[m[2]]) entries[m[2]].sha256 = m[1];
    }
  }
  return { kind: 'directory', entries };
}
