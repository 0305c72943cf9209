import type { LocalTree } from './local-tree.js';
import type { Change, Step } from './plan.js';
import { cmd } from './shell.js';
import type { TreeEntry, TreeState } from './tree-fact.js';

/** A directory tree as a task wants it on the host (copy with a directory src). */
export interface DesiredTree {
  /** Absolute path of the tree's root on the host. */
  root: string;
  /** What the controller has (src/local-tree.ts). */
  tree: LocalTree;
  /** Files' mode. Unset: a replaced file keeps its mode, a new one gets 0644. */
  mode?: string;
  /** Directories' mode (Ansible's directory_mode). Unset: existing ones keep theirs, new ones get 0755. */
  directoryMode?: string;
  owner?: string;
  group?: string;
  /** Remove what is on the host under root but not in the tree: an exact mirror. */
  delete: boolean;
  /**
   * Whether an existing root gets owner, group and directory_mode too. Ansible's
   * copy of "dir/" (contents into dest) leaves an existing dest as it is; of
   * "dir" (the directory itself) it sets them on DEST/dir. A new root always gets them.
   */
  attributesOfExistingRoot?: boolean;
}

/** Paths per command line: well under Linux's argument limits whatever the names. */
export const PATHS_PER_COMMAND = 500;

/**
 * Compares a local tree with the host's (hashes and attributes from one fact
 * read) and returns one change that sends only what differs, or null when the
 * host already matches. Its diff lists every path added (+), changed (~),
 * removed (-) or given other attributes (=), so check mode says exactly what a
 * run would do. Something of another type in the way (a file where the tree
 * has a directory, a directory where it has a file) is replaced only with
 * delete: true; otherwise it is an error, before anything is changed.
 */
export function planTree(want: DesiredTree, state: TreeState): Change | null {
  if (state.kind === 'not-directory') throw new Error(`${want.root} exists on the host and is not a directory`);
  const host = state.kind === 'directory' ? state.entries : {};
  const at = (rel: string): string => (rel === '' ? want.root : `${want.root.replace(/\/$/, '')}/${rel}`);
  const wantedDirs = ['', ...want.tree.dirs];
  const wantedFiles = new Map(want.tree.files.map((f) => [f.rel, f]));
  const wanted = new Set([...wantedDirs, ...wantedFiles.keys()]);

  // Paths in the way (of another type) and, with delete, paths not in the tree: removed, top-most only.
  const removed = new Set<string>();
  const inRemoved = (rel: string): boolean => [...ancestors(rel)].some((a) => removed.has(a));
  for (const rel of Object.keys(host).sort()) {
    if (rel === '' || inRemoved(rel)) continue;
    const entry = host[rel];
    const inTheWay = (wantedDirs.includes(rel) && entry.type !== 'directory') || (wantedFiles.has(rel) && entry.type !== 'file' && entry.type !== 'link');
    if (inTheWay && !want.delete) {
      throw new Error(`${at(rel)} is a ${describe(entry)} on the host where the source has a ${wantedFiles.has(rel) ? 'file' : 'directory'}; remove it, or set delete: true to replace it`);
    }
    if (inTheWay || (want.delete && !wanted.has(rel) && ![...ancestors(rel)].some((a) => !wanted.has(a) && a !== ''))) removed.add(rel);
  }
  const present = (rel: string): TreeEntry | undefined => (removed.has(rel) || inRemoved(rel) ? undefined : host[rel]);

  const lines: string[] = [...[...removed].map((rel) => `- ${rel}${host[rel].type === 'directory' ? '/' : ''}`)];
  const steps: Step[] = [];
  if (removed.size) steps.push(...commands(['rm', '-rf', '--'], [...removed].map(at)));

  const newDirs = wantedDirs.filter((rel) => !present(rel));
  for (const rel of newDirs) lines.push(`+ ${rel === '' ? '.' : rel}/`);
  if (newDirs.length) steps.push(...commands(['mkdir', '-p', '--'], newDirs.map(at)));

  const uploads: Step[] = [];
  const fileAttrs = new Attributes();
  for (const f of want.tree.files) {
    const now = present(f.rel);
    const existing = now?.type === 'file' ? now : undefined;
    if (!existing || existing.sha256 !== f.sha256) {
      lines.push(`${existing ? '~' : '+'} ${f.rel}`);
      uploads.push({ kind: 'upload', path: at(f.rel), local: f.local, sha256: f.sha256, mode: want.mode ?? existing?.mode ?? '0644', owner: want.owner ?? existing?.owner, group: want.group ?? existing?.group });
      continue;
    }
    const what = fileAttrs.compare(at(f.rel), existing, want.mode, want.owner, want.group);
    if (what) lines.push(`= ${f.rel} (${what})`);
  }
  steps.push(...uploads, ...fileAttrs.steps());

  // Directories last: a directory_mode without write permission must not stop the files going in.
  const dirAttrs = new Attributes();
  for (const rel of wantedDirs) {
    const now = present(rel);
    const name = rel === '' ? '.' : rel;
    if (!now) {
      dirAttrs.set(at(rel), want.directoryMode, want.owner, want.group);
      continue;
    }
    if (rel === '' && want.attributesOfExistingRoot === false) continue;
    const what = dirAttrs.compare(at(rel), now, want.directoryMode, want.owner, want.group);
    if (what) lines.push(`= ${name}/ (${what})`);
  }
  steps.push(...dirAttrs.steps());

  if (!steps.length) return null;
  const count = (sign: string): number => lines.filter((l) => l.startsWith(sign)).length;
  const parts = [`${count('+')} added`, `${count('~')} changed`, `${count('-')} removed`, `${count('=')} with other attributes`].filter((p) => !p.startsWith('0 '));
  return { summary: `copy to ${want.root}: ${parts.join(', ')}`, diff: { kind: 'lines', lines }, steps };
}

/** Owner and mode changes, collected per value so a tree costs a few chown/chmod commands, not one per path. */
class Attributes {
  private chown = new Map<string, string[]>();
  private chmod = new Map<string, string[]>();

  /** What would change on an existing path ("mode 0644 → 0600"), recording the commands; "" when nothing. */
  compare(path: string, now: TreeEntry, mode?: string, owner?: string, group?: string): string {
    const what: string[] = [];
    if ((owner && owner !== now.owner) || (group && group !== now.group)) {
      what.push(`owner ${now.owner}:${now.group} → ${owner ?? now.owner}:${group ?? now.group}`);
      this.add(this.chown, chownWord(owner, group), path);
    }
    if (mode && mode !== now.mode) {
      what.push(`mode ${now.mode} → ${mode}`);
      this.add(this.chmod, mode, path);
    }
    return what.join(', ');
  }

  /** A new path: set what the task gives. */
  set(path: string, mode?: string, owner?: string, group?: string): void {
    if (owner || group) this.add(this.chown, chownWord(owner, group), path);
    if (mode) this.add(this.chmod, mode, path);
  }

  steps(): Step[] {
    return [...[...this.chown].flatMap(([who, paths]) => commands(['chown', who, '--'], paths)), ...[...this.chmod].flatMap(([mode, paths]) => commands(['chmod', mode, '--'], paths))];
  }

  private add(map: Map<string, string[]>, key: string, path: string): void {
    const list = map.get(key);
    if (list) list.push(path);
    else map.set(key, [path]);
  }
}

function chownWord(owner?: string, group?: string): string {
  return `${owner ?? ''}${group ? `:${group}` : ''}`;
}

function commands(words: string[], paths: string[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < paths.length; i += PATHS_PER_COMMAND) out.push({ kind: 'run', command: cmd(...words, ...paths.slice(i, i + PATHS_PER_COMMAND)) });
  return out;
}

/** "a/b/c" → "a/b", "a", "" (the root). */
function* ancestors(rel: string): Generator<string> {
  let i = rel.lastIndexOf('/');
  while (i > 0) {
    yield rel.slice(0, i);
    i = rel.lastIndexOf('/', i - 1);
  }
  yield '';
}

function describe(entry: TreeEntry): string {
  return entry.type === 'link' ? 'symbolic link' : entry.type === 'other' ? 'special file' : entry.type;
}
