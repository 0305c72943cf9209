import * as z from 'zod';
import { groupFact } from '../src/facts.js';
import { nothingToDo } from '../src/plan.js';
import { accountName } from '../src/schemas.js';
import { cmd } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

const schema = z
  .strictObject({
    name: accountName.describe('Group name.'),
    state: z.enum(['present', 'absent']).default('present').describe('present or absent.'),
    system: z.boolean().default(false).describe('Create as a system group (GID below 1000).'),
    gid: z.number().int().min(0).optional().describe('Numeric group id.'),
  })
  .describe('A local group.');

type GroupArgs = z.infer<typeof schema>;

export const group = defineTask({
  name: 'group',
  summary: 'Local group.',
  schema: schema as z.ZodType<GroupArgs>,
  example: `- group: { name: pa, system: true }`,
  facts: (a) => ({ group: groupFact(a.name) }),
  plan(a, { group: g }) {
    if (a.state === 'absent') {
      if (!g.exists) return nothingToDo(`group ${a.name} is absent`);
      return { changes: [{ summary: `remove group ${a.name}`, diff: { kind: 'lines', lines: [`- group ${a.name}`] }, steps: [{ kind: 'run', command: cmd('groupdel', '--', a.name) }] }] };
    }
    if (!g.exists) {
      const words = ['groupadd', ...(a.system ? ['--system'] : []), ...(a.gid !== undefined ? ['--gid', String(a.gid)] : []), '--', a.name];
      return { changes: [{ summary: `create group ${a.name}`, diff: { kind: 'lines', lines: [`+ group ${a.name}`] }, steps: [{ kind: 'run', command: cmd(...words) }] }] };
    }
    if (a.gid !== undefined && g.gid !== a.gid) {
      return { changes: [{ summary: `set gid of ${a.name} to ${a.gid}`, diff: { kind: 'text', label: `group ${a.name} gid`, before: String(g.gid), after: String(a.gid) }, steps: [{ kind: 'run', command: cmd('groupmod', '--gid', String(a.gid), '--', a.name) }] }] };
    }
    return nothingToDo(`group ${a.name} exists`);
  },
});
