/**
 * Ansible's playbook keywords (the FieldAttributes of ansible-core 2.14's Play,
 * Block and Task) and what provision does with each: supported by the engine,
 * or refused with a message that says what to use instead. A keyword provision
 * does not carry out must stop the run with its name, never be ignored: an
 * ignored `serial:` or `become_user:` would do something else than the user
 * asked (all hosts at once, root instead of another user).
 */

export type KeywordLevel = 'play' | 'task' | 'block';

/** Keys the engine carries out at each level (Ansible's meaning, or provision's own where marked). */
export const SUPPORTED_KEYWORDS: Record<KeywordLevel, readonly string[]> = {
  // defaults and verify are provision's own.
  play: ['name', 'hosts', 'become', 'vars', 'defaults', 'tasks', 'handlers', 'verify', 'gather_facts', 'vars_files', 'pre_tasks', 'roles', 'post_tasks'],
  // listen is a handler's (handlers are tasks); block/rescue/always make a task a block.
  task: [
    'name', 'when', 'notify', 'tags', 'become', 'vars', 'loop', 'with_items', 'loop_control', 'register',
    'changed_when', 'failed_when', 'ignore_errors', 'check_mode', 'no_log', 'listen', 'block', 'rescue', 'always',
  ],
  // The task keywords that Ansible also takes on a block, where they apply to the tasks in it.
  block: ['name', 'when', 'notify', 'tags', 'become', 'vars', 'ignore_errors', 'check_mode', 'no_log', 'block', 'rescue', 'always'],
};

const SUDO_ONLY = 'provision becomes root with sudo only: use `become: true`; to run a command as another user, `command: { argv: [runuser, -u, USER, --, ...] }`';
const CONNECTION_VAR = (variable: string) =>
  `provision keeps one SSH connection per host for the whole run: set ${variable} in the inventory (host or group vars, group_vars/) or with -e`;
const NO_COLLECTIONS = "provision has no collections: its task types are built in (`provision tasks` lists them)";
const NO_MODULE_DEFAULTS = 'give each task its own arguments (a YAML anchor and alias can repeat a mapping)';
const NO_TASK_TIMEOUT = 'provision has no per-task timeout; --timeout (and ansible_timeout) is the SSH connection\'s';
const NO_DEBUGGER = 'provision has no task debugger: run with -v to see each task as it starts, -C -D to see what it would change';
const NO_ENVIRONMENT = "give it to the command task (`command: { argv: [...], environment: { NAME: value } }`: set by the script, never on a command line, so a secret stays out of the host's process list) or, for a service, to its unit (an `EnvironmentFile=` written with copy or template)";
const NO_RUN_ONCE = 'provision has no counterpart: put the task in a play of its own whose `hosts:` names one host';
const NO_DELEGATION = 'a task runs on the host it is planned for: put the task in a play whose `hosts:` is that other host';
const NO_UNREACHABLE = 'an unreachable host is reported (exit status 3) and its tasks do not run; the other hosts go on';
const NO_ANY_FATAL = 'a failed task stops its own host only and the run exits 2; there is no way to stop the other hosts mid-run';
const NO_DIFF = 'diffs are chosen for the whole run: -D/--diff (secrets stay masked in them)';
const NO_THROTTLE = 'provision limits hosts in parallel for the whole run with -f/--forks';
const NO_RETRY = 'provision has no retry loop: retry inside the command (`cmd: "for i in 1 2 3 4 5; do try-it && exit 0; sleep 5; done; exit 1"`)';
const NO_ASYNC = 'tasks run to completion on the SSH connection; for work that outlives the run, write a systemd unit (systemd_unit) and start it';

/** Keywords Ansible accepts at some level and provision does not: why, and what to use. */
const UNSUPPORTED: Record<string, string> = {
  action: 'write the task type as the key with its arguments under it (`command: { cmd: ... }`), not `action: MODULE args`',
  local_action: 'provision runs tasks on the hosts only; run controller-side steps before provision',
  args: "put the arguments under the task type's key (`copy: { dest: ..., content: ... }`)",
  any_errors_fatal: NO_ANY_FATAL,
  max_fail_percentage: NO_ANY_FATAL,
  async: NO_ASYNC,
  async_val: NO_ASYNC,
  poll: NO_ASYNC,
  become_user: SUDO_ONLY,
  become_method: SUDO_ONLY,
  become_exe: SUDO_ONLY,
  become_flags: SUDO_ONLY,
  collections: NO_COLLECTIONS,
  connection: 'provision connects over SSH only (ansible_connection: ssh in the inventory is accepted)',
  debugger: NO_DEBUGGER,
  delay: NO_RETRY,
  retries: NO_RETRY,
  until: NO_RETRY,
  delegate_to: NO_DELEGATION,
  delegate_facts: NO_DELEGATION,
  diff: NO_DIFF,
  environment: NO_ENVIRONMENT,
  ignore_unreachable: NO_UNREACHABLE,
  loop_with: 'write `loop:` with a list (or `with_items:`)',
  module_defaults: NO_MODULE_DEFAULTS,
  port: CONNECTION_VAR('ansible_port'),
  remote_user: CONNECTION_VAR('ansible_user'),
  run_once: NO_RUN_ONCE,
  throttle: NO_THROTTLE,
  timeout: NO_TASK_TIMEOUT,
  // Play only.
  fact_path: 'provision reads no local facts (facts.d); put the values in the inventory or vars:',
  force_handlers: 'not needed: handlers notified by a task that ran survive a failed run and run at the next one',
  gather_subset: 'provision reads only the host facts the playbook uses (gather_facts: true/false on the play)',
  gather_timeout: 'provision reads only the host facts the playbook uses, in its one batched read; no separate timeout',
  order: 'hosts run in parallel (-f/--forks) in inventory order; there is no other order',
  serial: 'provision has no rolling batches: all hosts run together (-f/--forks at a time); run a batch at a time with --limit',
  strategy: 'provision runs each host through the play on its own (as the free strategy); there is no other strategy',
  vars_prompt: 'give the value with -e (or `{{ secret_env "NAME" }}` for a password; -K asks for the sudo password)',
};

/** The keywords refused at every level where Ansible takes them, for tests and docs. */
export const REFUSED_KEYWORDS: readonly string[] = Object.keys(UNSUPPORTED);

/** Play-level keywords that the engine supports on tasks: say where they go. */
const ON_TASKS_INSTEAD: Record<string, string> = {
  tags: 'put `tags:` on the tasks, or on a block around them',
  ignore_errors: 'put `ignore_errors:` on the tasks that may fail',
  no_log: 'put `no_log:` on the tasks (secrets marked !secret are masked everywhere anyway)',
  check_mode: 'check mode is chosen for the whole run with -C/--check; on a task, `check_mode: false` runs a read-only command in check mode too',
  when: 'a play has no `when:` in Ansible either: put it on the tasks, or on a block around them',
};

/**
 * `undefined` when `key` is supported at `level` or is no Ansible keyword at
 * all (the caller's own schema then reports it); otherwise a message that names
 * the keyword and says what to use instead.
 */
export function unsupportedKeyword(level: KeywordLevel, key: string): string | undefined {
  if (SUPPORTED_KEYWORDS[level].includes(key)) return undefined;
  const why = instead(level, key);
  return why && `"${key}" is an Ansible keyword provision does not support${level === 'task' ? '' : ` on a ${level}`}: ${why}`;
}

function instead(level: KeywordLevel, key: string): string | undefined {
  if (Object.hasOwn(UNSUPPORTED, key)) return UNSUPPORTED[key];
  if (level !== 'task' && Object.hasOwn(ON_TASKS_INSTEAD, key)) return ON_TASKS_INSTEAD[key];
  const loop = key.startsWith('with_');
  if (level !== 'task' && (loop || SUPPORTED_KEYWORDS.task.includes(key))) {
    return `\`${key}:\` is a task's keyword (Ansible refuses it on a ${level} too): put it on the tasks${level === 'block' ? ' in the block' : ''}`;
  }
  if (loop) return 'loops over lookups are not supported: write `loop:` with a list (or a variable holding one)';
  return undefined;
}
