import * as z from 'zod';
import { userFact } from '../src/facts.js';
import { nothingToDo } from '../src/plan.js';
import { absolutePath, accountName } from '../src/schemas.js';
import { cmd } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

const schema = z
  .strictObject({
    name: accountName.describe('User name.'),
    state: z.enum(['present', 'absent']).default('present').describe('present or absent.'),
    system: z.boolean().default(false).describe('A system user (UID below 1000), as services use.'),
    shell: absolutePath.optional().describe('Login shell; /usr/sbin/nologin for a service user.'),
    home: absolutePath.optional().describe('Home directory.'),
    create_home: z.boolean().optional().describe('Create the home directory. Default: true for normal users, false for system users.'),
    group: accountName.optional().describe('Primary group (must exist). Default: a group named like the user.'),
    groups: z.array(accountName).optional().describe('Supplementary groups.'),
    append: z.boolean().default(false).describe('Add to `groups` without removing the user from others (Ansible\'s append).'),
    comment: z.string().regex(/^[^:\n]*$/, 'a comment may not contain ":" or newlines').optional().describe('GECOS comment.'),
  })
  .describe('A local user account, including system users with no login shell.');

type UserArgs = z.infer<typeof schema>;

export const user = defineTask({
  name: 'user',
  summary: 'Local user account.',
  schema: schema as z.ZodType<UserArgs>,
  example: `- name: Service user for the backend
  user: { name: pa, system: true, shell: /usr/sbin/nologin, home: /opt/pa-backend, create_home: false }`,
  facts: (a) => ({ user: userFact(a.name) }),
  plan(a, { user: u }) {
    if (a.state === 'absent') {
      if (!u.exists) return nothingToDo(`user ${a.name} is absent`);
      return { changes: [{ summary: `remove user ${a.name}`, diff: { kind: 'lines', lines: [`- user ${a.name}`] }, steps: [{ kind: 'run', command: cmd('userdel', '--', a.name) }] }] };
    }
    if (!u.exists) {
      const createHome = a.create_home ?? !a.system;
      const words = [
        'useradd',
        ...(a.system ? ['--system'] : []),
        ...(a.shell ? ['--shell', a.shell] : []),
        ...(a.home ? ['--home-dir', a.home] : []),
        createHome ? '--create-home' : '--no-create-home',
        ...(a.group ? ['--gid', a.group] : ['--user-group']),
        ...(a.groups?.length ? ['--groups', a.groups.join(',')] : []),
        ...(a.comment !== undefined ? ['--comment', a.comment] : []),
        '--',
        a.name,
      ];
      return { changes: [{ summary: `create ${a.system ? 'system ' : ''}user ${a.name}`, diff: { kind: 'lines', lines: [`+ user ${a.name}${a.shell ? ` shell=${a.shell}` : ''}${a.home ? ` home=${a.home}` : ''}`] }, steps: [{ kind: 'run', command: cmd(...words) }] }] };
    }
    const mod: string[] = [];
    const before: string[] = [];
    const after: string[] = [];
    const differs = (label: string, have: string | undefined, want: string | undefined, flag: string): void => {
      if (want !== undefined && have !== want) {
        mod.push(flag, want);
        before.push(`${label}: ${have}`);
        after.push(`${label}: ${want}`);
      }
    };
    differs('shell', u.shell, a.shell, '--shell');
    differs('home', u.home, a.home, '--home');
    differs('comment', u.comment, a.comment, '--comment');
    if (a.groups) {
      const current = (u.groups ?? []).slice(1); // first is the primary group
      const missing = a.groups.filter((g) => !current.includes(g));
      const extra = a.append ? [] : current.filter((g) => !a.groups!.includes(g));
      if (missing.length || extra.length) {
        mod.push(...(a.append ? ['--append'] : []), '--groups', (a.append ? missing : a.groups).join(','));
        before.push(`groups: ${current.join(',')}`);
        after.push(`groups: ${a.append ? [...current, ...missing].join(',') : a.groups.join(',')}`);
      }
    }
    if (!mod.length) return nothingToDo(`user ${a.name} exists as wanted`);
    return { changes: [{ summary: `update user ${a.name} (${after.map((l) => l.split(':')[0]).join(', ')})`, diff: { kind: 'text', label: `user ${a.name}`, before: before.join('\n'), after: after.join('\n') }, steps: [{ kind: 'run', command: cmd('usermod', ...mod, '--', a.name) }] }] };
  },
});
