import * as z from 'zod';
import { fileFact } from '../src/facts.js';
import { planAttributes } from '../src/file-plan.js';
import { nothingToDo, type Change } from '../src/plan.js';
import { absolutePath, accountName, fileMode } from '../src/schemas.js';
import { cmd } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

const schema = z
  .strictObject({
    path: absolutePath.describe('The path to manage.'),
    state: z.enum(['file', 'directory', 'link', 'absent', 'touch']).default('file').describe('directory: create it (and parents); link: symbolic link to src; absent: remove; touch: create empty if missing; file: only set attributes of an existing file.'),
    src: z.string().min(1).optional().describe('Link target, for state: link.'),
    owner: accountName.optional().describe('Owner user.'),
    group: accountName.optional().describe('Owner group.'),
    mode: fileMode.optional().describe('Mode, octal, e.g. "0750".'),
    force: z.boolean().default(false).describe('For state: link, replace an existing file or directory with the link.'),
  })
  .refine((a) => a.state !== 'link' || a.src !== undefined, { message: 'state: link needs src', path: ['src'] })
  .describe('Directories, symbolic links, removal, and owner/group/mode of a path.');

type FileArgs = z.infer<typeof schema>;

export const file = defineTask({
  name: 'file',
  summary: 'Directory, symlink, absent, owner/group/mode.',
  schema: schema as z.ZodType<FileArgs>,
  example: `- name: App directory
  file: { path: /opt/pa-backend, state: directory, owner: pa, group: pa, mode: "0750" }`,
  facts: (a) => ({ path: fileFact(a.path) }),
  files: (a) => [a.path],
  plan(a, { path: s }) {
    const attrs = { path: a.path, owner: a.owner, group: a.group, mode: a.mode };
    const withAttrs = (c: Change): { changes: Change[] } => ({ changes: [c] });
    switch (a.state) {
      case 'absent':
        if (!s.exists) return nothingToDo(`${a.path} is absent`);
        return withAttrs({ summary: `remove ${a.path}`, diff: { kind: 'lines', lines: [`- ${a.path} (${s.type})`] }, steps: [{ kind: 'run', command: cmd('rm', '-rf', '--', a.path) }] });
      case 'directory': {
        if (!s.exists) {
          const steps = [{ kind: 'run' as const, command: cmd('mkdir', '-p', '--', a.path) }, ...attributeSteps(a)];
          return withAttrs({ summary: `create directory ${a.path}`, diff: { kind: 'lines', lines: [`+ ${a.path}/`] }, steps });
        }
        if (s.type !== 'directory') throw new Error(`${a.path} exists and is not a directory (${s.type})`);
        const c = planAttributes(attrs, s);
        return c ? withAttrs(c) : nothingToDo(`${a.path} is a directory as wanted`);
      }
      case 'link': {
        if (s.exists && s.type === 'link' && s.linkTarget === a.src) return nothingToDo(`${a.path} links to ${a.src}`);
        if (s.exists && s.type !== 'link' && !a.force) throw new Error(`${a.path} exists and is a ${s.type}; set force: true to replace it with a link`);
        const steps = [...(s.exists && s.type !== 'link' ? [{ kind: 'run' as const, command: cmd('rm', '-rf', '--', a.path) }] : []), { kind: 'run' as const, command: cmd('ln', '-sfn', '--', a.src!, a.path) }];
        return withAttrs({ summary: `link ${a.path} -> ${a.src}`, diff: { kind: 'text', label: a.path, before: s.exists ? (s.type === 'link' ? `-> ${s.linkTarget}` : `(${s.type})`) : '(absent)', after: `-> ${a.src}` }, steps });
      }
      case 'touch':
      case 'file': {
        if (!s.exists) {
          if (a.state === 'file') throw new Error(`${a.path} does not exist (use copy or template to create a file, or state: touch)`);
          return withAttrs({ summary: `create empty file ${a.path}`, diff: { kind: 'lines', lines: [`+ ${a.path}`] }, steps: [{ kind: 'run', command: cmd('touch', '--', a.path) }, ...attributeSteps(a)] });
        }
        const c = planAttributes(attrs, s);
        return c ? withAttrs(c) : nothingToDo(`${a.path} has the wanted owner and mode`);
      }
    }
  },
});

function attributeSteps(a: FileArgs) {
  const steps = [];
  if (a.owner || a.group) steps.push({ kind: 'run' as const, command: cmd('chown', `${a.owner ?? ''}${a.group ? `:${a.group}` : ''}`, '--', a.path) });
  if (a.mode) steps.push({ kind: 'run' as const, command: cmd('chmod', a.mode, '--', a.path) });
  return steps;
}
