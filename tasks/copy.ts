import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import * as z from 'zod';
import { fileFact, type Fact, type FileState } from '../src/facts.js';
import { planAttributes, planFile } from '../src/file-plan.js';
import { findLocalEntry, readLocalTree, sha256OfLocalFile, type LocalTree } from '../src/local-tree.js';
import { nothingToDo, type Change } from '../src/plan.js';
import type { Secret } from '../src/secret.js';
import { absolutePath, accountName, fileMode } from '../src/schemas.js';
import { quote as quotePath } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';
import { treeFact, type TreeState } from '../src/tree-fact.js';
import { planTree } from '../src/tree-plan.js';
import { textOrSecret } from './secret-text.js';

export const fileAttributes = {
  owner: accountName.optional().describe('Owner user. Unset: keep the current owner (root for a new file).'),
  group: accountName.optional().describe('Owner group.'),
  mode: fileMode.optional().describe('Mode, octal, e.g. "0640". Unset: keep the current mode (0644 for a new file).'),
  backup: z.boolean().default(false).describe('Keep the replaced file as DEST.provision-backup-TIMESTAMP.'),
  validate: z.string().optional().describe('Command run after the file is in place (%s is the path); if it fails, the old file is put back and the task fails.'),
};

const schema = z
  .strictObject({
    dest: absolutePath.describe('Where the file goes on the host. With a directory src: the directory the tree goes into (see src). A file src and a dest ending in "/": DEST/NAME-OF-SRC.'),
    content: textOrSecret.optional().describe('The file content, inline.'),
    src: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A local file or directory, looked up under files/ beside the playbook, then beside it, then in the parent directory. A directory is copied as in Ansible: "site/" (trailing slash) copies its contents into dest, "site" copies the directory itself to DEST/site. Symbolic links in it are followed (copied as what they point to). Files go over SFTP and only those whose hash differs; a file over 1 MiB or not UTF-8 text also goes over SFTP.',
      ),
    ...fileAttributes,
    mode: fileMode.optional().describe('Mode, octal, e.g. "0640"; with a directory src, of every file. Unset: keep the current mode (0644 for a new file).'),
    directory_mode: fileMode.optional().describe('With a directory src: the mode of its directories (existing ones included, as Ansible sets it). Unset: existing directories keep theirs, new ones get 0755.'),
    delete: z.boolean().default(false).describe('With a directory src: remove what is under the destination directory but not in src, so it is an exact mirror (rsync --delete; not in Ansible\'s copy). Also lets a file replace a directory (or the reverse) in the way.'),
  })
  .refine((a) => (a.content === undefined) !== (a.src === undefined), 'give exactly one of content or src')
  .describe('Writes a file from inline content or a local file, atomically; or copies a local directory tree, sending only the files that differ.');

/** What a `src` turned out to be on the controller (filled in by resolveLocal). */
type Source =
  /** A file over SFTP: over INLINE_MAX_BYTES or not text. */
  | { kind: 'file'; local: string; sha256: string }
  | { kind: 'tree'; root: string; tree: LocalTree };

type CopyArgs = z.infer<typeof schema> & { source?: Source };

/** Larger files, and any that are not UTF-8 text, go over SFTP instead of inside the script (where a diff of their content is shown). */
export const INLINE_MAX_BYTES = 1024 * 1024;

export const copy = defineTask({
  name: 'copy',
  summary: 'Write a file from inline content or a local file, or copy a local directory tree.',
  schema: schema as z.ZodType<CopyArgs>,
  example: `- name: Backend environment
  copy:
    dest: /opt/pa-backend/.env
    content: "DATABASE_URL=postgresql://pa:{{ db_password }}@localhost/pa\\n"
    owner: pa
    mode: "0600"`,
  resolveLocal(a, local): CopyArgs {
    const directoryOnly = a.delete || a.directory_mode !== undefined;
    if (a.src === undefined || !local.playbookFile) {
      if (directoryOnly) throw new Error('delete and directory_mode apply to a directory src');
      return a.src !== undefined ? { ...a, content: local.file(a.src) } : a;
    }
    const found = findLocalEntry(a.src, local.playbookFile, local.searchDirs);
    if (found.directory) {
      if (a.backup || a.validate) throw new Error('backup and validate apply to a single file, not a directory src');
      const root = a.src.endsWith('/') ? a.dest : `${a.dest.replace(/\/$/, '')}/${basename(found.path)}`;
      return { ...a, source: { kind: 'tree', root, tree: readLocalTree(found.path) } };
    }
    if (directoryOnly) throw new Error('delete and directory_mode apply to a directory src');
    const dest = a.dest.endsWith('/') ? `${a.dest}${basename(found.path)}` : a.dest;
    if (statSync(found.path).size <= INLINE_MAX_BYTES) {
      const text = asText(readFileSync(found.path));
      if (text !== undefined) return { ...a, dest, content: text };
    }
    if (a.backup || a.validate) throw new Error(`backup and validate need a text file of at most ${INLINE_MAX_BYTES} bytes; ${found.path} is larger or binary`);
    return { ...a, dest, source: { kind: 'file', local: found.path, sha256: sha256OfLocalFile(found.path) } };
  },
  facts: (a): Record<string, Fact<unknown>> => (a.source?.kind === 'tree' ? { tree: treeFact(a.source.root) } : { dest: fileFact(a.dest) }),
  files(a) {
    if (a.source?.kind !== 'tree') return [a.dest];
    const root = a.source.root.replace(/\/$/, '');
    return [a.source.root, ...a.source.tree.dirs.map((d) => `${root}/${d}`), ...a.source.tree.files.map((f) => `${root}/${f.rel}`)];
  },
  plan(a, facts) {
    const f = facts as { dest?: FileState; tree?: TreeState };
    if (a.source?.kind === 'tree') {
      const change = planTree({ root: a.source.root, tree: a.source.tree, mode: a.mode, directoryMode: a.directory_mode, owner: a.owner, group: a.group, delete: a.delete, attributesOfExistingRoot: !a.src!.endsWith('/') }, f.tree!);
      return change ? { changes: [change] } : nothingToDo(`${a.source.root} matches ${a.src} (${a.source.tree.files.length} files, ${a.source.tree.dirs.length + 1} directories)`);
    }
    const change = a.source?.kind === 'file' ? planUpload(a, a.source, f.dest!) : planFile({ path: a.dest, content: a.content!, mode: a.mode, owner: a.owner, group: a.group, backup: a.backup, validate: validateCommand(a.validate, a.dest) }, f.dest!);
    return change ? { changes: [change] } : nothingToDo(`${a.dest} is up to date`);
  },
});

/** A single file sent over SFTP: compared by hash like any file; its diff names the hashes, not the bytes. */
function planUpload(a: CopyArgs, source: { local: string; sha256: string }, state: FileState): Change | null {
  if (state.exists && state.type !== 'file') throw new Error(`${a.dest} exists and is a ${state.type === 'link' ? 'symbolic link' : state.type}, not a regular file`);
  if (state.exists && state.sha256 === source.sha256) return planAttributes({ path: a.dest, mode: a.mode, owner: a.owner, group: a.group }, state);
  const existing = state.exists ? state : undefined;
  return {
    summary: `${existing ? 'update' : 'create'} ${a.dest} (sent over SFTP)`,
    diff: { kind: 'lines', lines: [`${existing ? '~' : '+'} ${a.dest}: sha256 ${existing ? `${existing.sha256} → ` : ''}${source.sha256}`] },
    steps: [{ kind: 'upload', path: a.dest, local: source.local, sha256: source.sha256, mode: a.mode ?? existing?.mode ?? '0644', owner: a.owner ?? existing?.owner, group: a.group ?? existing?.group }],
  };
}

/** The text of a UTF-8 file, or undefined for bytes that are not (a binary file must not be read as text: it would be changed). */
function asText(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function validateCommand(validate: string | undefined, path: string): string | undefined {
  if (!validate) return undefined;
  return validate.includes('%s') ? validate.split('%s').join(quotePath(path)) : validate;
}
