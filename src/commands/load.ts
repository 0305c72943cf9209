import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { compile, type HostRun } from '../compile.js';
import { withCommandLineDefaults } from '../connection-vars.js';
import { startAtTask } from './start-at-task.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { SshConfigError } from '../ssh/config.js';
import { resolveEndpoint } from '../ssh/endpoint.js';
import { UsageError } from '../exit-codes.js';
import { parseExtraVars } from '../extra-vars.js';
import { loadInventory, type Inventory } from '../inventory.js';
import { loadPlaybook, type LoadedPlaybook } from '../playbook.js';

export interface LoadOptions {
  /** -i: one or more inventory files or directories (default inventory/hosts.yaml). */
  inventory: string | string[];
  extraVars: string[];
  limit?: string;
  tags?: string;
  skipTags?: string;
  /** -u: the login user where no ansible_user (any level) says otherwise (Ansible's command-line default). */
  user?: string;
  /** --private-key: the key where no ansible_ssh_private_key_file says otherwise. */
  privateKey?: string;
  /** -b: become where no task, block or play `become:` (nor ansible_become) says otherwise. */
  become?: boolean;
  /** --become-user: root only (provision's tasks run as root or as the login user). */
  becomeUser?: string;
  /** --start-at-task: skip the tasks before the first one with this name. */
  startAtTask?: string;
  /** Where roles are looked up after roles/ beside the playbook and its parent (ansible.cfg's roles_path / ANSIBLE_ROLES_PATH, wired by the caller). */
  rolesPath?: string[];
}

/** Everything that happens before any host is touched: read, validate, render. */
export function loadAndCompile(playbookFile: string, o: LoadOptions): HostRun[] {
  return loadInputs(playbookFile, o).runs;
}

/** loadAndCompile, also giving what it read (for the listings of --list-hosts and friends). */
export function loadInputs(playbookFile: string, o: LoadOptions): { playbook: LoadedPlaybook; inventory: Inventory; runs: HostRun[] } {
  if (!existsSync(playbookFile)) throw new UsageError(`playbook ${playbookFile} does not exist`);
  if (o.becomeUser !== undefined && o.becomeUser !== 'root') {
    throw new UsageError(`--become-user ${o.becomeUser} is not supported: provision's tasks run as root (become) or as the login user`);
  }
  // The playbook first: its own mistakes are reported even when no inventory exists yet.
  const playbook = loadPlaybook(playbookFile);
  const sources = inventorySources(o.inventory);
  for (const source of sources) if (!existsSync(source)) throw new ConfigError(`inventory ${source} does not exist (give one with -i FILE)`);
  const inventory = loadInventory(sources, { playbookDir: dirname(playbookFile) });
  const extraVars = parseExtraVars(o.extraVars);
  const runs = compile(playbook, inventory, {
    extraVars,
    limit: o.limit,
    tags: splitList(o.tags),
    skipTags: splitList(o.skipTags),
    become: o.become || undefined,
    rolesPath: o.rolesPath ?? [],
  });
  for (const run of runs) run.target = withCommandLineDefaults(run.target, o);
  return { playbook, inventory, runs: startAtTask(runs, o.startAtTask) };
}

export function inventorySources(given: string | string[] | undefined): string[] {
  const list = Array.isArray(given) ? given : given ? [given] : [];
  return list.length ? list : ['inventory/hosts.yaml'];
}

export function splitList(v?: string): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/**
 * Every host's target as ssh_config resolves it, before any host is touched: a
 * config that cannot be read or asks for what provision does not do is bad
 * input (exit 4) for all hosts at once, not an unreachable host found mid-run.
 */
export function resolveEndpoints(runs: HostRun[], sshConfig: string | undefined): void {
  const errors: ConfigError[] = [];
  for (const run of runs) {
    try {
      run.endpoint = resolveEndpoint(run.target, { sshConfig });
    } catch (err) {
      if (!(err instanceof SshConfigError)) throw err;
      errors.push(new ConfigError(`${run.target.name}: ${err.message}`));
    }
  }
  if (errors.length) throw new ConfigErrors(errors);
}
