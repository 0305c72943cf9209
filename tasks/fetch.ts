import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import * as z from 'zod';
import { fileFact, type FileState } from '../src/facts.js';
import { sha256OfLocalFile } from '../src/local-tree.js';
import { nothingToDo, type Plan } from '../src/plan.js';
import { absolutePath } from '../src/schemas.js';
import { defineTask, type PlanContext } from '../src/task-type.js';

const schema = z
  .strictObject({
    src: absolutePath.describe('The file on the host (a regular file; directories are not fetched, as in Ansible).'),
    dest: z
      .string()
      .min(1)
      .describe('Where it goes on the controller, relative to the playbook\'s directory unless absolute. Without flat: a directory, and the file lands at DEST/INVENTORY_HOSTNAME/SRC (Ansible\'s layout), so hosts never overwrite each other.'),
    flat: z.boolean().default(false).describe('dest is the file itself (or, ending in "/", the directory for SRC\'s file name): no host name, no source path. Several hosts then write the same file.'),
    fail_on_missing: z.boolean().default(true).describe('A missing src fails the task (Ansible\'s default); false: reported ok, nothing fetched.'),
  })
  .describe('Copies a file from the host to the controller over SFTP (e.g. a backup archive), checked by SHA-256: a second run with the same file is ok.');

type FetchArgs = z.infer<typeof schema>;

/** Where the file lands on the controller, as Ansible's fetch computes it; `dest` is absolute by then (resolveLocal). */
export function fetchDestination(a: FetchArgs, host: string): string {
  if (a.flat) return a.dest.endsWith('/') ? join(a.dest, basename(a.src)) : a.dest;
  return normalize(join(a.dest, host, a.src));
}

export interface LocalFileState {
  exists: boolean;
  directory?: boolean;
  sha256?: string;
}

export const fetchTask = defineTask({
  name: 'fetch',
  summary: 'Copy a file from the host to the controller.',
  schema: schema as z.ZodType<FetchArgs>,
  example: `- name: Keep last night's backup on the controller
  fetch:
    src: /var/backups/rocktalk/latest.tar.gz
    dest: backups/`,
  resolveLocal: (a, local) => (isAbsolute(a.dest) || !local.playbookFile ? a : { ...a, dest: resolve(dirname(resolve(local.playbookFile)), a.dest) + (a.dest.endsWith('/') ? '/' : '') }),
  facts: (a) => ({ src: fileFact(a.src) }),
  localFacts(a, ctx: PlanContext) {
    const path = fetchDestination(a, ctx.host);
    if (!existsSync(path)) return { local: { exists: false } satisfies LocalFileState };
    if (statSync(path).isDirectory()) return { local: { exists: true, directory: true } satisfies LocalFileState };
    return { local: { exists: true, sha256: sha256OfLocalFile(path) } satisfies LocalFileState };
  },
  plan(a, facts, ctx): Plan {
    const { src, local } = facts as { src: FileState; local: LocalFileState };
    const path = fetchDestination(a, ctx.host);
    if (!src.exists) {
      if (a.fail_on_missing) throw new Error(`${a.src} does not exist on the host (fail_on_missing: false to allow it)`);
      return nothingToDo(`${a.src} does not exist on the host; nothing to fetch`);
    }
    if (src.type !== 'file') throw new Error(`${a.src} is a ${src.type === 'link' ? 'symbolic link' : src.type} on the host; fetch copies regular files`);
    if (local.directory) throw new Error(`${path} is a directory on the controller${a.flat ? ' (with flat, end dest with "/" to fetch into it)' : ''}`);
    if (local.exists && local.sha256 === src.sha256) return nothingToDo(`${path} matches ${a.src}`);
    return {
      changes: [
        {
          summary: `fetch ${a.src} to ${path}`,
          diff: { kind: 'lines', lines: [`${local.exists ? '~' : '+'} ${path}: sha256 ${local.exists ? `${local.sha256} → ` : ''}${src.sha256} (${src.size} bytes)`] },
          steps: [{ kind: 'download', path: a.src, local: path, sha256: src.sha256! }],
        },
      ],
    };
  },
});
