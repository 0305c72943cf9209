/**
 * Ansible module names (short and fully qualified) that a task may use as its
 * key, and what provision offers instead: its own task type with that job, or
 * the way to get the result without one. Used only for a task key that is not
 * a provision task type, so `apt:` is never looked up here, but
 * `ansible.builtin.apt:` is.
 */

/** provision's task type for the job, and how its arguments differ from the module's. */
type Hint = { type: string; note?: string } | { none: string };

/** Modules the engine carries out itself (not task types in tasks/): their short names are provision's. */
export const ENGINE_MODULES: readonly string[] = ['debug', 'fail', 'assert', 'meta', 'set_fact', 'import_tasks', 'include_tasks', 'import_role', 'include_role'];

const WHOLE_FILE =
  'provision writes whole files: manage the file with `template` (handlebars) or `copy`, so the result does not depend on what was there before';
const RUN_IT = (what: string, creates?: string) => `run it with \`command\` (${what}${creates ? `, with \`creates: ${creates}\` so it runs once` : ''})`;
const NOT_DEBIAN = 'provision manages Debian hosts: use `apt` and files under /etc/apt/';
const FACTS = 'provision reads host facts (ansible_distribution, ansible_default_ipv4, …) when the playbook uses them: set `gather_facts:` on the play';
const READ_WITH_COMMAND = (what: string) => `run \`command\` (${what}) and \`register:\` its output`;

/** By short name; FQCN prefixes are in FQCN_PREFIXES. */
const HINTS: Record<string, Hint> = {
  // ansible.builtin: every module of ansible-core 2.14 (test/oracle/ansible-keywords.test.ts checks the list).
  add_host: { none: 'hosts come from the inventory: add the host there (-i)' },
  apt: { type: 'apt', note: '`packages:` takes the list where Ansible\'s takes `name:`' },
  apt_key: { none: 'copy the key to /etc/apt/keyrings/NAME.asc with `copy` and name it in the source with `signed-by=`' },
  apt_repository: { none: 'write the source with `copy` to /etc/apt/sources.list.d/NAME.list (or .sources), then `apt` with `update_cache: true`' },
  assemble: { none: WHOLE_FILE },
  assert: { type: 'assert' },
  async_status: { none: 'tasks run to completion on the SSH connection; there are no background jobs to poll' },
  blockinfile: { none: WHOLE_FILE },
  command: { type: 'command', note: '`argv:` for a list of words, each quoted for you; `cmd:` runs with sh -c (Ansible\'s command runs no shell)' },
  copy: { type: 'copy' },
  cron: { none: 'write the job with `copy` to /etc/cron.d/NAME (mode 0644, a user field on each line), or a timer with `systemd_unit`' },
  debconf: { none: RUN_IT('`argv: [sh, -c, "echo \'PKG QUESTION TYPE VALUE\' | debconf-set-selections"]`') },
  debug: { type: 'debug' },
  dnf: { none: NOT_DEBIAN },
  dpkg_selections: { none: RUN_IT('`argv: [apt-mark, hold, PKG]`') },
  expect: { none: 'provision runs no interactive commands: give the program its answers as options or a file' },
  fail: { type: 'fail' },
  fetch: { type: 'fetch' },
  file: { type: 'file' },
  find: { none: READ_WITH_COMMAND('`argv: [find, DIR, -name, PATTERN]`') },
  gather_facts: { none: FACTS },
  get_url: { none: RUN_IT('`argv: [curl, -fsSLo, DEST, URL]`', 'DEST') + ', or download it beforehand and `copy` it' },
  getent: { none: READ_WITH_COMMAND('`argv: [getent, passwd, NAME]`') },
  git: { none: RUN_IT('`argv: [git, clone, --depth=1, URL, DEST]`', 'DEST/.git') },
  group: { type: 'group' },
  group_by: { none: 'groups come from the inventory: put the hosts in groups there' },
  hostname: { none: 'write /etc/hostname with `copy` and run `command: { argv: [hostname, -F, /etc/hostname] }` when it changes (a handler)' },
  import_playbook: { none: 'import_playbook goes in the list of plays (`- import_playbook: other.yaml`), not in a task' },
  import_role: { type: 'import_role' },
  import_tasks: { type: 'import_tasks' },
  include: { none: 'write `import_tasks:` (or `include_tasks:`), as Ansible 2.16 requires' },
  include_role: { type: 'include_role' },
  include_tasks: { type: 'include_tasks' },
  include_vars: { none: 'give the file with -e @FILE.yaml, or put its variables in vars:, defaults: or group_vars/' },
  iptables: { none: 'use `ufw` for firewall rules' },
  known_hosts: { none: 'write /etc/ssh/ssh_known_hosts (or ~USER/.ssh/known_hosts) with `copy`' },
  lineinfile: { none: WHOLE_FILE },
  meta: { type: 'meta', note: 'only `meta: flush_handlers`' },
  package: { type: 'apt', note: '`packages:` takes the list where Ansible\'s takes `name:`' },
  package_facts: { none: READ_WITH_COMMAND('`argv: [dpkg-query, -W, PKG]`') + '; `apt` reads the package states it needs itself' },
  pause: { none: 'provision never stops to ask; to wait, `command: { argv: [sleep, "10"] }`, or check a port with `verify:`' },
  ping: { none: 'every run connects to every host first (an unreachable host is reported, exit 3); `provision validate` checks the playbook without connecting' },
  pip: { none: RUN_IT('`argv: ["/opt/app/venv/bin/pip", install, "PKG==1.2"]`') + '; Debian refuses pip into the system Python (PEP 668): make a venv first (`command` with `argv: [python3, -m, venv, DIR]`, `creates: DIR/bin/pip`)' },
  raw: { type: 'command', note: 'provision needs no Python on the host: `command` is what raw is for; `cmd:` runs with sh -c' },
  reboot: { none: 'provision keeps one SSH connection per host for the run and cannot wait across a reboot: reboot after the run' },
  replace: { none: WHOLE_FILE },
  rpm_key: { none: NOT_DEBIAN },
  script: { none: '`copy` the script to the host (mode 0755) and run it with `command`; or put it inline in `command: { cmd: ... }`' },
  service: { type: 'service' },
  service_facts: { none: READ_WITH_COMMAND('`argv: [systemctl, is-active, UNIT]`') + '; `service` reads the unit states it needs itself' },
  set_fact: { type: 'set_fact' },
  set_stats: { none: 'provision has no custom stats: the --report JSON has the result of every task' },
  setup: { none: FACTS },
  shell: { type: 'command', note: '`cmd:` runs with sh -c' },
  slurp: { none: '`fetch` the file to the controller, or ' + READ_WITH_COMMAND('`argv: [cat, PATH]`') },
  stat: { none: "`command`'s `creates:`/`removes:` skip it by a path's existence; for more, " + READ_WITH_COMMAND('`argv: [stat, -c, "%U %a", PATH]`') },
  subversion: { none: RUN_IT('`argv: [svn, checkout, URL, DEST]`', 'DEST/.svn') },
  systemd: { type: 'service', note: 'state, enabled, daemon_reload; write unit files with `systemd_unit`' },
  systemd_service: { type: 'service', note: 'state, enabled, daemon_reload; write unit files with `systemd_unit`' },
  sysvinit: { type: 'service', note: 'systemd units only' },
  tempfile: { none: 'name a fixed path, or make the temporary file inside the `command` that uses it (mktemp)' },
  template: { type: 'template', note: 'templates are handlebars, not Jinja: `{{#if x}}`, `{{#each xs}}`' },
  unarchive: { none: RUN_IT('`argv: [tar, -xf, ARCHIVE, -C, DEST]`', 'DEST/A_FILE_IT_UNPACKS') + '; or `copy` a local directory with `src: dir/`' },
  uri: { none: 'check a URL after the run with the play\'s `verify:` (`http:`), or call it with `command` (curl)' },
  user: { type: 'user' },
  validate_argument_spec: { none: 'task arguments are checked by their schemas before any host is touched (`provision validate`)' },
  wait_for: { none: "check a port after the run with the play's `verify:` (`tcp:`), or wait in a `command` that polls and gives up after a while" },
  wait_for_connection: { none: 'every run connects to every host first; an unreachable host is reported (exit 3)' },
  yum: { none: NOT_DEBIAN },
  yum_repository: { none: NOT_DEBIAN },

  // Common modules of other collections.
  authorized_key: { none: 'write ~USER/.ssh/authorized_keys with `copy` (owner USER, mode 0600; a `file` task makes ~/.ssh with mode 0700)' },
  sysctl: { none: 'write /etc/sysctl.d/NAME.conf with `copy` and run `command: { argv: [sysctl, --system] }` from a handler' },
  mount: { type: 'systemd_unit', note: 'a `mount:` section writes a .mount unit' },
  synchronize: { type: 'copy', note: '`src: dir/` copies a directory tree; `delete: true` mirrors it exactly' },
  firewalld: { none: 'use `ufw` for firewall rules' },
  ufw: { type: 'ufw', note: '`rules:` lists all rules in one task' },
  htpasswd: { type: 'htpasswd', note: '`users:` maps names to passwords, hashed with bcrypt' },
  postgresql_db: { type: 'postgres_db' },
  postgresql_user: { type: 'postgres_user', note: 'its password is stored as SCRAM and never on a command line' },
  postgresql_privs: { type: 'postgres_db', note: '`privileges:` grants on the database' },
  postgresql_query: { none: RUN_IT('`argv: [runuser, -u, postgres, --, psql, -c, SQL]`') },
  postgresql_ext: { none: RUN_IT('`argv: [runuser, -u, postgres, --, psql, -d, DB, -c, "CREATE EXTENSION IF NOT EXISTS NAME"]`') },
  timezone: { none: '`file` with `state: link`, `path: /etc/localtime`, `src: /usr/share/zoneinfo/Europe/Berlin`, and /etc/timezone with `copy`' },
  locale_gen: { none: 'write /etc/locale.gen with `copy` and run `command: { argv: [locale-gen] }` from a handler' },
  npm: { none: RUN_IT('`argv: [npm, ci]` and `chdir:`', 'DIR/node_modules') },
  make: { none: RUN_IT('`argv: [make, TARGET]` and `chdir:`', 'TARGET') },
  archive: { none: RUN_IT('`argv: [tar, -czf, DEST, DIR]`', 'DEST') },
  modprobe: { none: 'write /etc/modules-load.d/NAME.conf with `copy`; load it now with `command: { argv: [modprobe, NAME] }`' },
  acme_certificate: { type: 'certbot', note: 'certbot certonly; certbot.timer renews' },
  docker_container: { none: 'provision has no container tasks: run the container as a systemd unit (`systemd_unit`)' },
};

/** Collections whose modules are named here by their short name (the oracle test checks each name exists). */
export const MODULE_COLLECTIONS: Record<string, readonly string[]> = {
  'ansible.posix': ['authorized_key', 'sysctl', 'mount', 'synchronize', 'firewalld'],
  'community.general': ['ufw', 'htpasswd', 'timezone', 'locale_gen', 'npm', 'make', 'archive', 'modprobe'],
  'community.postgresql': ['postgresql_db', 'postgresql_user', 'postgresql_privs', 'postgresql_query', 'postgresql_ext'],
  'community.crypto': ['acme_certificate'],
  'community.docker': ['docker_container'],
};

const FQCN_PREFIXES = ['ansible.builtin.', 'ansible.legacy.', ...Object.keys(MODULE_COLLECTIONS).map((c) => `${c}.`)];

/** The module's short name when `name` is an Ansible module this table knows (short or FQCN), else undefined. */
function shortName(name: string): string | undefined {
  const prefix = FQCN_PREFIXES.find((p) => name.startsWith(p));
  const short = prefix ? name.slice(prefix.length) : name;
  if (!Object.hasOwn(HINTS, short)) return undefined;
  if (prefix && !prefix.startsWith('ansible.') && !MODULE_COLLECTIONS[prefix.slice(0, -1)].includes(short)) return undefined;
  return short;
}

/**
 * A message for a task key that is not a provision task type: what provision
 * uses for this Ansible module. `undefined` when the name is no Ansible module
 * known here, or when it is provision's own (`debug`, but not
 * `ansible.builtin.debug`, whose key provision does not read).
 */
export function moduleHint(name: string): string | undefined {
  const short = shortName(name);
  if (short === undefined) return undefined;
  const hint = HINTS[short];
  if ('none' in hint) return `"${name}" is Ansible's module; provision has no task type for it: ${hint.none}`;
  if (hint.type === name) return undefined;
  const reference = ENGINE_MODULES.includes(hint.type) ? '' : `; see \`provision tasks ${hint.type}\``;
  return `"${name}" is Ansible's module; provision's task type is "${hint.type}"${hint.note ? ` (${hint.note})` : ''}${reference}`;
}

/** Every module name this table knows, short, for tests and docs. */
export function knownModules(): string[] {
  return Object.keys(HINTS);
}

/** The table's entry, for the README's "Coming from Ansible" table and tests. */
export function moduleTreatment(short: string): Hint | undefined {
  return Object.hasOwn(HINTS, short) ? HINTS[short] : undefined;
}
