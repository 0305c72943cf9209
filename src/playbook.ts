import * as z from 'zod';
import { unsupportedKeyword } from './ansible-compat.js';
import { ConfigError, ConfigErrors } from './errors.js';
import { decimalModeErrors } from './mode-literals.js';
import { schemaErrors } from './schema-errors.js';
import { absolutePath, accountName, fileMode, secretString } from './schemas.js';
import { dirname, relative, resolve } from 'node:path';
import type { PlayOrigin } from './includes/play-tree.js';
import { ANSIBLE_YAML, YamlSource } from './yaml-source.js';

const condition = z.union([z.string(), z.boolean()]);
const conditions = z.union([condition, z.array(condition)]);
const stringList = z.union([z.string(), z.array(z.string())]);

/** Keys any task may have besides its one task-type key. */
export const commonTaskKeys = {
  name: z.string().optional().describe('What the task does, shown in progress and reports.'),
  notify: stringList.optional().describe('Handler name(s) or `listen` topic(s) to run at the end of the play (or at `meta: flush_handlers`) if this task changed something.'),
  when: conditions.optional().describe('Condition, evaluated on the host just before the task runs (per item in a loop): `use_tls`, `not self_signed`, `result.rc == 0`, `x is defined and x == "a"`; a list means all of them. See "Conditions".'),
  tags: stringList.optional().describe('Tags for --tags / --skip-tags.'),
  become: z.boolean().optional().describe('Run this task through sudo (overrides the play).'),
  vars: z.record(z.string(), z.unknown()).optional().describe('Variables for this task only; they override play vars.'),
  loop: z.unknown().optional().describe('Run the task once per item of a list (or of a variable holding one: `"{{ users }}"`); the item is `item` (see loop_control).'),
  with_items: z.unknown().optional().describe("Ansible's older spelling of `loop` (a list, flattened one level)."),
  loop_control: z
    .strictObject({
      loop_var: z.string().regex(/^[A-Za-z_]\w*$/).optional().describe('Name of the item variable (default `item`).'),
      index_var: z.string().regex(/^[A-Za-z_]\w*$/).optional().describe('Name of a variable holding the item\'s index, from 0.'),
      label: z.string().optional().describe('What each item\'s output line shows (a template over the item), instead of the whole item.'),
    })
    .optional()
    .describe('How a loop names its item, its index and its output label.'),
  register: z.string().regex(/^[A-Za-z_]\w*$/, 'a variable name').optional().describe('Keep this task\'s result in a variable for later tasks: changed, failed, skipped, msg, and the task type\'s own fields (command: rc, stdout, stderr, stdout_lines, stderr_lines); `results` for a loop.'),
  changed_when: conditions.optional().describe('Whether the task counts as changed, decided from its result (e.g. `false` for a read-only command, or `"\'created\' in out.stdout"`).'),
  failed_when: conditions.optional().describe('Whether the task counts as failed, decided from its result (replaces the task\'s own verdict, e.g. a command\'s exit status).'),
  ignore_errors: z.boolean().optional().describe('A failure of this task is reported and counted as ignored; the play goes on.'),
  check_mode: z.boolean().optional().describe('false: the task runs for real even in check mode (a read-only command whose output later tasks need); true: it is only planned, even in a real run.'),
  no_log: z.boolean().optional().describe('Hide this task\'s arguments, diff and output in all output and reports.'),
  listen: stringList.optional().describe('Handlers only: topic(s) a `notify` can name to run this handler.'),
};
export const COMMON_TASK_KEYS = Object.keys(commonTaskKeys);

/** Keys of a `block:` (its tasks, and what applies to all of them). */
export const blockKeys = {
  name: z.string().optional().describe('What the block does (shown in errors).'),
  block: z.array(z.record(z.string(), z.unknown())).describe('Tasks run in order.'),
  rescue: z.array(z.record(z.string(), z.unknown())).optional().describe('Tasks run when a task of the block fails; if they succeed, the host goes on.'),
  always: z.array(z.record(z.string(), z.unknown())).optional().describe('Tasks run after the block (and rescue), whether they failed or not.'),
  when: conditions.optional().describe('Condition added to every task of the block.'),
  become: z.boolean().optional().describe('Applies to every task of the block unless a task sets its own.'),
  tags: stringList.optional().describe('Added to every task of the block.'),
  vars: z.record(z.string(), z.unknown()).optional().describe('Variables for the tasks of the block.'),
  ignore_errors: z.boolean().optional().describe('Applies to every task of the block.'),
  no_log: z.boolean().optional().describe('Applies to every task of the block.'),
};
export const BLOCK_KEYS = Object.keys(blockKeys);

/**
 * `verify:` checks of a playbook, run by `provision test` after converging:
 * what the guides' "Verification and Testing" sections do by hand.
 */
const httpCheck = z.strictObject({
  url: z.string().url().describe('URL to request; its host name goes in the Host header and TLS SNI, the connection goes to the test host.'),
  method: z.string().regex(/^[A-Z]+$/).default('GET').describe('HTTP method.'),
  headers: z.record(z.string(), z.string()).optional().describe('Request headers to send.'),
  auth: z.strictObject({ user: z.string(), password: secretString }).optional().describe('Basic auth credentials.'),
  status: z.number().int().default(200).describe('Expected status code.'),
  response_headers: z.record(z.string(), z.string()).optional().describe('Expected response headers (value must contain this text).'),
  body_contains: z.union([z.string(), z.array(z.string())]).optional().describe('Text the body must contain.'),
  ca: z.string().optional().describe('CA certificate to trust for HTTPS: a path on the test host (read over SSH), or "insecure" to skip verification.'),
});

export const verifySchema = z
  .strictObject({
    name: z.string().optional().describe('What the check proves.'),
    http: httpCheck.optional().describe('An HTTP(S) request through the host\'s address.'),
    tcp: z.strictObject({ port: z.number().int().min(1).max(65535), state: z.enum(['open', 'closed']).default('open') }).optional().describe('A TCP port on the host, seen from the controller.'),
    command: z.strictObject({ cmd: z.string().min(1), exit_code: z.number().int().default(0), stdout_contains: z.union([z.string(), z.array(z.string())]).optional(), stdout_excludes: z.union([z.string(), z.array(z.string())]).optional() }).optional().describe('A command on the host (as root), its exit code and output.'),
    file: z.strictObject({ path: absolutePath, exists: z.boolean().default(true), owner: accountName.optional(), group: accountName.optional(), mode: fileMode.optional(), contains: z.union([z.string(), z.array(z.string())]).optional() }).optional().describe('A file\'s existence, owner, group, mode and content.'),
    unit: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9:_.@-]+$/), active: z.boolean().default(true), enabled: z.boolean().optional() }).optional().describe('A systemd unit active and enabled.'),
  })
  .refine((v) => [v.http, v.tcp, v.command, v.file, v.unit].filter(Boolean).length === 1, 'a check has exactly one of http, tcp, command, file, unit');

export type VerifyCheck = z.infer<typeof verifySchema>;

const rawTask = z.record(z.string(), z.unknown());

export const playSchema = z.strictObject({
  name: z.string().optional().describe('What the play sets up.'),
  hosts: z.string().min(1).describe('Host pattern over the inventory: a group, a host, `all`, `web:!staging`, globs.'),
  become: z.boolean().optional().describe('Run every task through sudo.'),
  gather_facts: z.boolean().optional().describe('Read the host facts (ansible_distribution, ...) before the tasks. Unset: read them only if a task uses one, in the same round trip as the tasks\' own facts.'),
  defaults: z.record(z.string(), z.unknown()).optional().describe('Default values for variables: the lowest precedence, so inventory variables and -e override them.'),
  vars: z.record(z.string(), z.unknown()).optional().describe('Variables for this play; they override inventory variables.'),
  vars_files: z.array(z.unknown()).optional().describe('Files of variables (relative to the playbook; ansible-vault encrypted ones too), above play vars.'),
  pre_tasks: z.array(rawTask).optional().describe('Tasks run before the roles; handlers they notify run right after them.'),
  roles: z.array(z.unknown()).optional().describe('Roles run before `tasks:`: a name, or a mapping with `role:`, `vars:`, `when:`, `tags:`, `become:` and role parameters (see "Roles and includes").'),
  tasks: z.array(rawTask).default([]).describe('Tasks, run in order.'),
  post_tasks: z.array(rawTask).optional().describe('Tasks run after `tasks:` and the handlers they notified.'),
  handlers: z.array(rawTask).optional().describe('Tasks run once at the end of the play when notified by a task that changed.'),
  // Rendered per host before parsing (a check may read variables): the play keeps raw mappings; `verifySchema` above checks each.
  verify: z.array(z.record(z.string(), z.unknown())).optional().describe('Checks run by `provision test` after converging.'),
});

export type RawPlay = z.infer<typeof playSchema>;

export interface LoadedPlaybook {
  file: string;
  source: YamlSource;
  plays: RawPlay[];
  /** False when the file is a single play mapping (its field paths then have no [n] prefix). */
  isList: boolean;
  /** Per play, the file it was written in and its path there (import_playbook brings plays from other files). */
  origins: PlayOrigin[];
}

/** `- import_playbook: FILE` (with an optional name): the plays of FILE, relative to the importing playbook, in its place. */
const importSchema = z.strictObject({ import_playbook: z.string().min(1), name: z.string().optional() });
const IMPORT_KEYS = ['import_playbook', 'ansible.builtin.import_playbook'];

export function loadPlaybook(file: string): LoadedPlaybook {
  const errors: ConfigError[] = [];
  const plays: RawPlay[] = [];
  const origins: PlayOrigin[] = [];
  const { source, isList } = readPlays(file, [], plays, origins, errors);
  if (errors.length) throw new ConfigErrors(errors);
  return { file, source, plays, isList, origins };
}

function readPlays(file: string, importing: string[], plays: RawPlay[], origins: PlayOrigin[], errors: ConfigError[]): { source: YamlSource; isList: boolean } {
  const source = YamlSource.fromFile(file, file, ANSIBLE_YAML);
  const data = source.data;
  const isList = Array.isArray(data);
  const list = isList ? (data as unknown[]) : data && typeof data === 'object' ? [data] : null;
  if (!list) throw new ConfigError('a playbook is a list of plays (or one play mapping)', source.locate([]));
  errors.push(...decimalModeErrors(source, data));
  list.forEach((raw, i) => {
    const base = isList ? [i] : [];
    if (raw && typeof raw === 'object' && IMPORT_KEYS.some((k) => k in raw)) {
      const r = raw as Record<string, unknown>;
      const key = IMPORT_KEYS.find((k) => k in r)!;
      const parsed = importSchema.safeParse({ import_playbook: r[key], ...(r.name !== undefined ? { name: r.name } : {}) });
      const extra = Object.keys(r).filter((k) => k !== key && k !== 'name');
      if (extra.length) {
        errors.push(new ConfigError(`import_playbook takes only the file (and a name); ${extra.map((k) => `"${k}"`).join(', ')} is not supported here: put it on the imported plays`, source.locate(base, extra[0]), extra[0]));
        return;
      }
      if (!parsed.success || /\{\{|\{%/.test(parsed.data.import_playbook)) {
        errors.push(new ConfigError('import_playbook needs a file name (no variables: playbooks are read before the run)', source.locate(base, key), key));
        return;
      }
      const target = resolve(dirname(file), parsed.data.import_playbook);
      if (importing.includes(target) || resolve(file) === target) {
        errors.push(new ConfigError(`import_playbook cycle: ${[...importing, resolve(file), target].map((f) => relative(process.cwd(), f) || f).join(' -> ')}`, source.locate(base, key), key));
        return;
      }
      const shown = relative(process.cwd(), target);
      try {
        readPlays(shown && !shown.startsWith('../../') ? shown : target, [...importing, resolve(file)], plays, origins, errors);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        errors.push(err.where?.line ? err : new ConfigError(`${err.problem} (importing ${parsed.data.import_playbook})`, source.locate(base, key), key));
      }
      return;
    }
    // An Ansible play keyword provision does not support: say so, and what to use instead.
    const unsupported = raw && typeof raw === 'object' ? Object.keys(raw).filter((k) => !(k in playSchema.shape) && unsupportedKeyword('play', k)) : [];
    for (const k of unsupported) errors.push(new ConfigError(unsupportedKeyword('play', k)!, source.locate(base, k), k));
    if (unsupported.length) return;
    const parsed = playSchema.safeParse(raw);
    if (!parsed.success) errors.push(...schemaErrors(parsed.error, source, base, []));
    else {
      plays.push(parsed.data);
      origins.push({ source, base });
    }
  });
  return { source, isList };
}
