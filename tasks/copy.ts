import * as z from 'zod';
import { fileFact } from '../src/facts.js';
import { planFile } from '../src/file-plan.js';
import { nothingToDo } from '../src/plan.js';
import { isSecret, type Secret } from '../src/secret.js';
import { absolutePath, accountName, fileMode } from '../src/schemas.js';
import { quote as quotePath } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

export const fileAttributes = {
  owner: accountName.optional().describe('Owner user. Unset: keep the current owner (root for a new file).'),
  group: accountName.optional().describe('Owner group.'),
  mode: fileMode.optional().describe('Mode, octal, e.g. "0640". Unset: keep the current mode (0644 for a new file).'),
  backup: z.boolean().default(false).describe('Keep the replaced file as DEST.provision-backup-TIMESTAMP.'),
  validate: z.string().optional().describe('Command run after the file is in place (%s is the path); if it fails, the old file is put back and the task fails.'),
};

const schema = z
  .strictObject({
    dest: absolutePath.describe('Where the file goes on the host.'),
    content: z.union([z.string(), z.custom<Secret>(isSecret)]).optional().describe('The file content, inline.'),
    src: z.string().min(1).optional().describe('A local file to copy, looked up under files/ beside the playbook, then beside it, then in the parent directory.'),
    ...fileAttributes,
  })
  .refine((a) => (a.content === undefined) !== (a.src === undefined), 'give exactly one of content or src')
  .describe('Writes a file from inline content or a local file, atomically.');

type CopyArgs = z.infer<typeof schema>;

export const copy = defineTask({
  name: 'copy',
  summary: 'Write a file from inline content or a local file.',
  schema: schema as z.ZodType<CopyArgs>,
  example: `- name: Backend environment
  copy:
    dest: /opt/pa-backend/.env
    content: "DATABASE_URL=postgresql://pa:{{ db_password }}@localhost/pa\\n"
    owner: pa
    mode: "0600"`,
  resolveLocal: (a, local) => (a.src !== undefined ? { ...a, content: local.file(a.src) } : a),
  facts: (a) => ({ dest: fileFact(a.dest) }),
  files: (a) => [a.dest],
  plan(a, { dest }) {
    const change = planFile({ path: a.dest, content: a.content!, mode: a.mode, owner: a.owner, group: a.group, backup: a.backup, validate: validateCommand(a.validate, a.dest) }, dest);
    return change ? { changes: [change] } : nothingToDo(`${a.dest} is up to date`);
  },
});

export function validateCommand(validate: string | undefined, path: string): string | undefined {
  if (!validate) return undefined;
  return validate.includes('%s') ? validate.split('%s').join(quotePath(path)) : validate;
}
