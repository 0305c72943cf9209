import { ConfigError, ConfigErrors } from './errors.js';
import { ansibleBooleanStrict } from './inventory/ansible-boolean.js';
import { isSecret, Secret } from './secret.js';
import { splitShellWords } from './shell-words.js';

/**
 * Ansible's connection and privilege variables (`ansible_host`, `ansible_user`,
 * `ansible_become`, …) turned into what the SSH layer needs: a plain
 * ConnectionTarget. The variables come from every level Ansible reads them at
 * (inventory host, groups, group_vars/host_vars, play vars, -e) already merged,
 * so a group's `ansible_port` reaches the connection as Ansible's does.
 *
 * Every `ansible_*` variable of this kind is in TREATMENT: honoured, without
 * effect (with the reason), or refused. A refused one, or an honoured one with a
 * value provision cannot carry out, stops the run before any host is touched:
 * it never connects differently from Ansible in silence.
 */

/** Where and as whom to connect: plain data for the SSH layer, which reads no inventory variables. */
export interface ConnectionTarget {
  /** The inventory host name, for messages. */
  name: string;
  /** Address or name to connect to; looked up in ssh_config like `ssh ADDRESS`. */
  address: string;
  /** Unset: ssh_config's Port, else 22. */
  port?: number;
  /** Unset: ssh_config's User, else the local user (as ssh does). */
  user?: string;
  privateKey?: string;
  /** A known_hosts file replacing ssh's user known_hosts files (provision's own `known_hosts`). */
  knownHosts?: string;
  /** ProxyJump `[user@]host[:port]`, several joined by commas, or `none`. Unset: ssh_config's. */
  proxyJump?: string;
  /** IdentitiesOnly from `-o IdentitiesOnly=yes` in ansible_ssh_common_args. Unset: ssh_config's. */
  identitiesOnly?: boolean;
  /** ansible_timeout, seconds. Unset: --timeout. */
  connectTimeoutSeconds?: number;
  becomePassword?: Secret;
  /** The run lock's path on the host (provision_lock_file). Unset: the default. */
  lockFile?: string;
}

type Treatment = { kind: 'honoured' } | { kind: 'no effect'; why: string } | { kind: 'refused'; why: string };

const honoured: Treatment = { kind: 'honoured' };
const NO_INTERPRETER = 'provision runs no interpreter on the host: its tasks are POSIX shell scripts';

/** Ansible's connection and privilege variables (its MAGIC_VARIABLE_MAPPING and the ssh plugin's), and what provision does with each. */
export const TREATMENT: Record<string, Treatment> = {
  ansible_host: honoured,
  ansible_ssh_host: honoured,
  ansible_port: honoured,
  ansible_ssh_port: honoured,
  ansible_user: honoured,
  ansible_ssh_user: honoured,
  ansible_ssh_private_key_file: honoured,
  ansible_private_key_file: honoured,
  ansible_become: honoured,
  ansible_become_password: honoured,
  ansible_become_pass: honoured,
  ansible_become_user: honoured, // root only
  ansible_become_method: honoured, // sudo only
  ansible_become_exe: honoured, // sudo only
  ansible_become_flags: honoured, // Ansible's default for sudo only
  ansible_connection: honoured, // ssh/smart only
  ansible_ssh_common_args: honoured, // a subset of ssh's options
  ansible_ssh_extra_args: honoured, // likewise
  ansible_timeout: honoured,
  ansible_ssh_timeout: honoured,
  ansible_shell_type: honoured, // sh only
  ansible_shell_executable: honoured, // /bin/sh only
  ansible_python_interpreter: { kind: 'no effect', why: NO_INTERPRETER },
  ansible_pipelining: { kind: 'no effect', why: 'provision always sends its scripts on the SSH channel\'s stdin' },
  ansible_ssh_pipelining: { kind: 'no effect', why: 'provision always sends its scripts on the SSH channel\'s stdin' },
  ansible_module_compression: { kind: 'no effect', why: NO_INTERPRETER },
  ansible_ssh_retries: { kind: 'no effect', why: 'provision connects once per host; an unreachable host is reported, never retried in silence' },
  ansible_ssh_transfer_method: { kind: 'no effect', why: 'provision transfers everything over its one SSH connection' },
  ansible_password: { kind: 'refused', why: 'provision authenticates with keys only (ssh-agent or a key file)' },
  ansible_ssh_pass: { kind: 'refused', why: 'provision authenticates with keys only (ssh-agent or a key file)' },
  ansible_ssh_executable: { kind: 'refused', why: 'provision speaks SSH itself; it runs no ssh program' },
  ansible_sftp_extra_args: { kind: 'refused', why: 'provision transfers files over its one SSH connection; these options have no counterpart' },
  ansible_scp_extra_args: { kind: 'refused', why: 'provision transfers files over its one SSH connection; these options have no counterpart' },
  ansible_host_key_checking: { kind: 'refused', why: 'provision always checks host keys (use --accept-new-host-keys for hosts seen for the first time)' },
  ansible_ssh_host_key_checking: { kind: 'refused', why: 'provision always checks host keys (use --accept-new-host-keys for hosts seen for the first time)' },
  ansible_network_os: { kind: 'refused', why: 'network devices are not supported' },
  ansible_connection_user: { kind: 'refused', why: 'network devices are not supported' },
  ansible_docker_extra_args: { kind: 'refused', why: 'only SSH connections are supported' },
};

/** Ansible's own sudo flags: the only ansible_become_flags provision accepts (it passes its equivalent). */
const SUDO_DEFAULT_FLAGS = '-H -S -n';

export interface VarsOrigin {
  /** The file to name in errors (the inventory). */
  file: string;
}

/**
 * The connection target for one host from its merged variables. Where Ansible
 * has two names for one setting, the one its PlayContext reads first wins
 * (`ansible_ssh_host` over `ansible_host`, whatever level each comes from).
 */
export function connectionTarget(name: string, vars: Record<string, unknown>, origin: VarsOrigin): ConnectionTarget {
  const errors: ConfigError[] = [];
  const fail = (variable: string, problem: string): void => {
    errors.push(new ConfigError(problem, { file: origin.file }, `${name}: ${variable}`));
  };
  const first = (...names: string[]): [string, unknown] | undefined => {
    for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return [n, vars[n]];
    return undefined;
  };
  const text = (entry: [string, unknown] | undefined): string | undefined => {
    if (!entry) return undefined;
    const [variable, value] = entry;
    if (isSecret(value)) return value.reveal();
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    fail(variable, `expected a string, found ${JSON.stringify(value)}`);
    return undefined;
  };

  // By name, not over Object.entries(vars): the variables render lazily, and only these are wanted.
  for (const [variable, t] of Object.entries(TREATMENT)) {
    const value = vars[variable];
    if (t.kind === 'refused' && value !== undefined && value !== null && value !== '') fail(variable, `is not supported: ${t.why}`);
  }

  const target: ConnectionTarget = { name, address: text(first('ansible_ssh_host', 'ansible_host')) ?? name };

  const portEntry = first('ansible_ssh_port', 'ansible_port');
  if (portEntry) {
    const port = pythonInt(text(portEntry));
    if (port !== undefined && port >= 1 && port <= 65535) target.port = port;
    else fail(portEntry[0], `must be a port number (1-65535), found ${JSON.stringify(portEntry[1])}`);
  }
  const user = text(first('ansible_ssh_user', 'ansible_user'));
  if (user !== undefined && user !== '') target.user = user;
  const key = text(first('ansible_ssh_private_key_file', 'ansible_private_key_file'));
  if (key) target.privateKey = key;
  const knownHosts = text(first('provision_known_hosts'));
  if (knownHosts) target.knownHosts = knownHosts;
  const proxyJump = text(first('provision_proxy_jump'));
  if (proxyJump) target.proxyJump = proxyJump;
  const lockFile = vars.provision_lock_file;
  if (typeof lockFile === 'string' && lockFile.startsWith('/')) target.lockFile = lockFile;

  const timeoutEntry = first('ansible_ssh_timeout', 'ansible_timeout');
  if (timeoutEntry) {
    const seconds = pythonInt(text(timeoutEntry));
    if (seconds !== undefined && seconds >= 1) target.connectTimeoutSeconds = seconds;
    else fail(timeoutEntry[0], `must be a whole number of seconds, found ${JSON.stringify(timeoutEntry[1])}`);
  }

  const connection = text(first('ansible_connection'));
  if (connection !== undefined && !['ssh', 'smart'].includes(connection)) {
    fail('ansible_connection', `"${connection}" is not supported: provision connects over SSH only (ssh, smart)`);
  }
  const method = text(first('ansible_become_method'));
  if (method !== undefined && method !== 'sudo') fail('ansible_become_method', `"${method}" is not supported: provision becomes root with sudo only`);
  const exe = text(first('ansible_become_exe'));
  if (exe !== undefined && exe !== 'sudo') fail('ansible_become_exe', `"${exe}" is not supported: provision runs sudo from the PATH`);
  const becomeUser = text(first('ansible_become_user'));
  if (becomeUser !== undefined && becomeUser !== 'root') {
    fail('ansible_become_user', `"${becomeUser}" is not supported: provision's tasks run as root (become) or as the login user`);
  }
  const flags = text(first('ansible_become_flags'));
  if (flags !== undefined && flags.trim().split(/\s+/).join(' ') !== SUDO_DEFAULT_FLAGS) {
    fail('ansible_become_flags', `"${flags}" is not supported: provision runs sudo with the equivalent of Ansible's default flags (${SUDO_DEFAULT_FLAGS})`);
  }
  const shellType = text(first('ansible_shell_type'));
  if (shellType !== undefined && shellType !== 'sh') fail('ansible_shell_type', `"${shellType}" is not supported: provision's scripts are POSIX sh`);
  const shell = text(first('ansible_shell_executable'));
  if (shell !== undefined && shell !== '/bin/sh' && shell !== 'sh') fail('ansible_shell_executable', `"${shell}" is not supported: provision runs its scripts with sh`);

  for (const variable of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = text(first(variable));
    if (args) applySshArgs(args, target, (problem) => fail(variable, problem));
  }

  const password = first('ansible_become_password', 'ansible_become_pass', 'become_password');
  if (password) target.becomePassword = isSecret(password[1]) ? password[1] : new Secret(String(password[1]));

  if (errors.length) throw new ConfigErrors(errors);
  return target;
}

/**
 * A whole number as Ansible's `int` option type reads text (Python's `int(text)`): spaces around
 * it, one sign, `_` between digits. Not JavaScript's Number(): "0x16", "1e1" and "22.0" would
 * be ports 22, 10 and 22 where Ansible stops with an error, another port than the user's.
 */
function pythonInt(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1] + m[2].replaceAll('_', ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `-u` and `--private-key` as Ansible treats them: command-line defaults (the
 * defaults of the remote_user keyword and of PlayContext's private_key_file)
 * that any `ansible_user`/`remote_user`/`ansible_ssh_private_key_file` of the
 * inventory, play or -e overrides. Both still win over ssh_config, as Ansible's
 * `ssh -o User=` does.
 */
export function withCommandLineDefaults(target: ConnectionTarget, cli: { user?: string; privateKey?: string }): ConnectionTarget {
  return { ...target, user: target.user ?? (cli.user || undefined), privateKey: target.privateKey ?? (cli.privateKey || undefined) };
}

/**
 * Whether a task runs as root: Ansible's `ansible_become` variable, from any
 * level, wins over the `become:` keywords of task and play (its PlayContext
 * applies variables after keywords), so a host's `ansible_become: false` keeps
 * a `become: true` play from using sudo on it.
 */
export function becomeFor(vars: Record<string, unknown>, taskKeyword: boolean | undefined, playKeyword: boolean | undefined): boolean {
  const v = vars.ansible_become;
  if (v === undefined || v === null) return taskKeyword ?? playKeyword ?? false;
  const become = ansibleBooleanStrict(isSecret(v) ? v.reveal() : v);
  // "maybe" or 2 read as false would run the task as the login user where the user may mean root.
  if (become === undefined) throw new ConfigError(`ansible_become: ${isSecret(v) ? 'a secret' : JSON.stringify(v)} is not a boolean (as in Ansible: true/false, yes/no, on/off, 1/0, y/n, t/f)`);
  return become;
}

/** ssh options that change nothing provision does (connection sharing, keep-alives, logging). */
const SSH_OPTIONS_WITHOUT_EFFECT = new Set(['controlmaster', 'controlpersist', 'controlpath', 'serveraliveinterval', 'serveralivecountmax', 'tcpkeepalive', 'compression', 'loglevel', 'connectionattempts', 'connecttimeout', 'hashknownhosts', 'visualhostkey']);

/**
 * The part of `ansible_ssh_common_args`/`ansible_ssh_extra_args` provision can
 * carry out: `-J`/`-o ProxyJump=`, the usual bastion form
 * `-o ProxyCommand="ssh -W %h:%p [-q] [-p PORT] [-l USER] [USER@]HOST"`,
 * `-o IdentitiesOnly=`, `-o UserKnownHostsFile=FILE`, and options without effect.
 * Anything else is refused: ssh would behave differently from provision.
 */
function applySshArgs(args: string, target: ConnectionTarget, fail: (problem: string) => void): void {
  let words: string[];
  try {
    words = splitShellWords(args);
  } catch (err) {
    return fail(`cannot be split into words: ${(err as Error).message}`);
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-J' || w.startsWith('-J')) {
      const v = w === '-J' ? words[++i] : w.slice(2);
      if (!v) return fail('-J needs a jump host');
      target.proxyJump = v;
    } else if (w === '-o' || (w.startsWith('-o') && w.length > 2)) {
      const option = w === '-o' ? words[++i] : w.slice(2);
      if (!option) return fail('-o needs an option');
      const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(option);
      if (!m) return fail(`-o ${option}: expected Key=Value`);
      applySshOption(m[1], m[2].trim(), target, fail);
    } else if (['-q', '-v', '-vv', '-vvv', '-C', '-T', '-4', '-6'].includes(w)) {
      // quiet, verbose, compression, no tty: nothing provision does differently
      if (w === '-4' || w === '-6') fail(`${w} (address family) is not supported`);
    } else {
      return fail(`ssh argument "${w}" is not supported (provision understands -J, -o ProxyJump=, -o ProxyCommand="ssh -W %h:%p ...", -o IdentitiesOnly=, -o UserKnownHostsFile=, and options without effect on it)`);
    }
  }
}

function applySshOption(key: string, value: string, target: ConnectionTarget, fail: (problem: string) => void): void {
  const k = key.toLowerCase();
  if (SSH_OPTIONS_WITHOUT_EFFECT.has(k)) return;
  switch (k) {
    case 'proxyjump':
      target.proxyJump = value;
      return;
    case 'proxycommand': {
      const jump = proxyCommandAsJump(value);
      if (jump === undefined) return fail(`-o ProxyCommand=${value}: only "ssh -W %h:%p [-q] [-p PORT] [-l USER] [USER@]HOST" is supported (provision reaches it as ProxyJump)`);
      target.proxyJump = jump;
      return;
    }
    case 'identitiesonly':
      target.identitiesOnly = /^(yes|true)$/i.test(value);
      return;
    case 'userknownhostsfile': {
      const files = splitShellWords(value);
      if (files.length !== 1 || files[0] === '/dev/null') return fail(`-o UserKnownHostsFile=${value}: provision takes one known_hosts file here, never /dev/null (it always checks host keys)`);
      target.knownHosts = files[0];
      return;
    }
    case 'stricthostkeychecking':
      if (/^(yes|true)$/i.test(value)) return;
      return fail(`-o StrictHostKeyChecking=${value} is not supported: provision always checks host keys (use --accept-new-host-keys for hosts seen for the first time)`);
    default:
      fail(`-o ${key}=${value} is not supported by provision`);
  }
}

/** `ssh -W %h:%p [-q] [-p PORT] [-l USER] [USER@]HOST` → `[USER@]HOST[:PORT]`; anything else → undefined. */
export function proxyCommandAsJump(command: string): string | undefined {
  let words: string[];
  try {
    words = splitShellWords(command);
  } catch {
    return undefined;
  }
  if (words[0] !== 'ssh') return undefined;
  let host: string | undefined;
  let port: string | undefined;
  let user: string | undefined;
  let forwards = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-W') {
      if (words[++i] !== '%h:%p') return undefined;
      forwards = true;
    } else if (w === '-q') continue;
    else if (w === '-p') port = words[++i];
    else if (w === '-l') user = words[++i];
    else if (w.startsWith('-') || host !== undefined) return undefined;
    else host = w;
  }
  if (!forwards || !host) return undefined;
  if (user && host.includes('@')) return undefined;
  if (port !== undefined && !/^\d+$/.test(port)) return undefined;
  return `${user ? `${user}@` : ''}${host}${port ? `:${port}` : ''}`;
}
