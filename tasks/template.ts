import * as z from 'zod';
import { fileFact } from '../src/facts.js';
import { planFile } from '../src/file-plan.js';
import { nothingToDo } from '../src/plan.js';
import { absolutePath } from '../src/schemas.js';
import { defineTask, type LocalNames } from '../src/task-type.js';
import { fileAttributes, validateCommand } from './copy.js';

const schema = z
  .strictObject({
    src: z.string().min(1).describe('Handlebars template, looked up under templates/ beside the playbook, then beside it, then in the parent directory.'),
    dest: absolutePath.describe('Where the rendered file goes on the host.'),
    ...fileAttributes,
  })
  .describe('Renders a handlebars template with the host\'s variables and writes it atomically.');

/** The names a task's template file (its `src:`) reads: a task type whose `src` is a template declares them with this, so reads of run-time names wait for the run (and compile sharing knows its key). */
export function srcTemplateReads(raw: unknown, local: LocalNames): string[] {
  return raw && typeof raw === 'object' && typeof (raw as { src?: unknown }).src === 'string' ? local.template((raw as { src: string }).src) : [];
}

type TemplateArgs = z.infer<typeof schema> & { content?: string };

export const template = defineTask({
  name: 'template',
  summary: 'Render a handlebars template to a file.',
  schema: schema as z.ZodType<TemplateArgs>,
  example: `- name: Reverse proxy site
  template: { src: nginx/site.conf.hbs, dest: /etc/nginx/sites-available/rocktalk.conf }
  notify: reload nginx`,
  resolveLocal: (a, local) => ({ ...a, content: local.template(a.src) }),
  reads: srcTemplateReads,
  facts: (a) => ({ dest: fileFact(a.dest) }),
  files: (a) => [a.dest],
  plan(a, { dest }) {
    const change = planFile({ path: a.dest, content: a.content!, mode: a.mode, owner: a.owner, group: a.group, backup: a.backup, validate: validateCommand(a.validate, a.dest) }, dest);
    return change ? { changes: [change] } : nothingToDo(`${a.dest} is up to date`);
  },
});
