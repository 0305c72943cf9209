import * as z from 'zod';
import { fileFact } from '../src/facts.js';
import { nothingToDo, type Plan, type RunStep } from '../src/plan.js';
import { absolutePath } from '../src/schemas.js';
import { Secret, isSecret } from '../src/secret.js';
import { cmd, raw } from '../src/shell.js';
import { defineTask } from '../src/task-type.js';
import { revealText, textOrSecret } from './secret-text.js';

/** A name the shell can assign and export (POSIX: letters, digits, "_", not a digit first). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name: letters, digits and "_", not starting with a digit');

/**
 * creates/removes: one path, as written. Ansible expands `$NAME` in them on the
 * host and matches them as glob patterns (Python's glob: `*`, `?`, `[`);
 * provision checks the path itself, so either is refused rather than checked as
 * a name no file has (the command would run every time, or never).
 */
const onePath = absolutePath
  .refine((p) => !p.includes('$'), 'a "$": Ansible expands $VARIABLES in creates/removes on the host, provision checks the path as written; write the path itself')
  .refine((p) => !/[*?[]/.test(p), 'a glob pattern (*, ? or [): Ansible matches creates/removes as a pattern, provision checks one path; name the file itself');

const schema = z.union([
  z.string().min(1).transform((c) => ({ cmd: c, stdin_add_newline: true }) as CommandArgs),
  z
    .strictObject({
      cmd: z.string().min(1).optional().describe('Shell command line, run with sh -c on the host. You write the quoting. Never a secret: it shows in the host\'s process list (use stdin or environment).'),
      argv: z.array(z.string()).min(1).optional().describe('Command as a list of words; each is quoted for you. Use this when values come from variables. Never a secret: its words show in the host\'s process list (use stdin or environment).'),
      stdin: textOrSecret.optional().describe('Fed to the command\'s standard input (as Ansible\'s stdin). May be a secret: it travels inside the script on stdin, never on a command line.'),
      stdin_add_newline: z.boolean().default(true).describe('Add a newline after stdin, as Ansible does.'),
      environment: z
        .record(envName, z.union([textOrSecret, z.number(), z.boolean()]))
        .optional()
        .describe('Variables exported to the command (Ansible\'s task keyword `environment:`, here an argument of command). Values may be secrets: they are set by the script, which travels on stdin, never as `env NAME=value` words.'),
      creates: onePath.optional().describe('Skip the command when this path exists (makes it idempotent). One path, not a glob pattern.'),
      removes: onePath.optional().describe('Skip the command when this path does not exist. One path, not a glob pattern.'),
      chdir: absolutePath.optional().describe('Directory to run in.'),
    })
    .refine((a) => (a.cmd === undefined) !== (a.argv === undefined), 'give exactly one of cmd or argv'),
]).describe('Runs a command. Without creates/removes it runs (and reports changed) every time, as in Ansible. Skipped by creates/removes, it registers what Ansible does: stdout "skipped, since PATH exists" (or "does not exist"), rc 0, msg "Did not run command since \'PATH\' exists" ("Would not" in check mode).');

type CommandArgs = {
  cmd?: string;
  argv?: string[];
  stdin?: string | Secret;
  stdin_add_newline: boolean;
  environment?: Record<string, string | Secret | number | boolean>;
  creates?: string;
  removes?: string;
  chdir?: string;
};

/** The step that runs the command: its words on the command line, its stdin and environment inside the script (on the SSH channel's stdin). */
export function commandStep(a: CommandArgs): RunStep {
  const line = a.argv ? cmd(...a.argv) : cmd('sh', '-c', a.cmd!);
  const full = a.chdir ? cmd('cd', a.chdir, raw('&&'), raw(line)) : line;
  const step: RunStep = { kind: 'run', command: full };
  // Ansible sends nothing for an empty stdin, and adds the newline only to a non-empty one.
  if (a.stdin !== undefined && revealText(a.stdin) !== '') {
    const newline = a.stdin_add_newline ? '\n' : '';
    step.stdin = isSecret(a.stdin) ? new Secret(a.stdin.reveal() + newline) : a.stdin + newline;
    // Braces: the piped stdin reaches the command, not the `cd` before it.
    if (a.chdir) step.command = `{ ${full}; }`;
  }
  if (a.environment) step.environment = Object.fromEntries(Object.entries(a.environment).map(([k, v]) => [k, environmentValue(v)]));
  return step;
}

/** A value as Ansible exports it: Python's str() (a boolean is True/False). */
function environmentValue(v: string | Secret | number | boolean): string | Secret {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return typeof v === 'number' ? String(v) : v;
}

/**
 * Nothing to do because `creates:` exists or `removes:` does not: registered as
 * Ansible's command module reports it (ansible-core 2.14), so a playbook that
 * reads `out.stdout` or `out.msg` of a skipped command sees the same text.
 */
export function skipped(path: string, since: 'exists' | 'does not exist'): Plan {
  const stdout = `skipped, since ${path} ${since}`;
  const result = (verb: 'Did' | 'Would') => ({ msg: `${verb} not run command since '${path}' ${since}`, rc: 0, stdout, stderr: '', stdout_lines: [stdout], stderr_lines: [] });
  return { ...nothingToDo(`${path} ${since}`), okResult: { run: result('Did'), check: result('Would') } };
}

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
    stdout: 'standard output, without its last newline ("skipped, since PATH exists" or "... does not exist" when creates/removes skipped the command, as in Ansible)',
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
    if (a.creates && facts.creates?.exists) return skipped(a.creates, 'exists');
    if (a.removes && facts.removes && !facts.removes.exists) return skipped(a.removes, 'does not exist');
    return { changes: [{ summary: `run ${a.argv ? a.argv.join(' ') : a.cmd}`, steps: [commandStep(a)] }] };
  },
});
