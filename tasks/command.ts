import * as z from 'zod';
import { fileFact } from '../src/facts.js';
import { nothingToDo } from '../src/plan.js';
import { absolutePath } from '../src/schemas.js';
import { cmd, raw } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';

const schema = z.union([
  z.string().min(1).transform((c) => ({ cmd: c }) as CommandArgs),
  z
    .strictObject({
      cmd: z.string().min(1).optional().describe('Shell command line, run with sh -c on the host. You write the quoting.'),
      argv: z.array(z.string()).min(1).optional().describe('Command as a list of words; each is quoted for you. Use this when values come from variables.'),
      creates: absolutePath.optional().describe('Skip the command when this path exists (makes it idempotent).'),
      removes: absolutePath.optional().describe('Skip the command when this path does not exist.'),
      chdir: absolutePath.optional().describe('Directory to run in.'),
    })
    .refine((a) => (a.cmd === undefined) !== (a.argv === undefined), 'give exactly one of cmd or argv'),
]).describe('Runs a command. Without creates/removes it runs (and reports changed) every time, as in Ansible.');

type CommandArgs = { cmd?: string; argv?: string[]; creates?: string; removes?: string; chdir?: string };

export const command = defineTask({
  name: 'command',
  summary: 'Run a command; idempotent with creates/removes.',
  schema: schema as z.ZodType<CommandArgs>,
  example: `- name: Build the frontend once
  command:
    cmd: npm ci && npm run build
    chdir: /opt/app
    creates: /opt/app/dist/index.html`,
  resultFields: {
    rc: 'exit status (0 when creates/removes skipped the command)',
    stdout: 'standard output, without its last newline',
    stderr: 'standard error, without its last newline',
    stdout_lines: 'stdout as a list of lines',
    stderr_lines: 'stderr as a list of lines',
  },
  facts: (a) => ({
    ...(a.creates ? { creates: fileFact(a.creates) } : {}),
    ...(a.removes ? { removes: fileFact(a.removes) } : {}),
  }),
  plan(a, f) {
    const facts = f as { creates?: { exists: boolean }; removes?: { exists: boolean } };
    if (a.creates && facts.creates?.exists) return nothingToDo(`${a.creates} exists`);
    if (a.removes && facts.removes && !facts.removes.exists) return nothingToDo(`${a.removes} does not exist`);
    const line = a.argv ? cmd(...a.argv) : cmd('sh', '-c', a.cmd!);
    const full = a.chdir ? cmd('cd', a.chdir, raw('&&'), raw(line)) : line;
    return { changes: [{ summary: `run ${a.argv ? a.argv.join(' ') : a.cmd}`, steps: [{ kind: 'run', command: full }] }] };
  },
});
