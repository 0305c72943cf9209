import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { ConfigError } from '../errors.js';
import { describeOrigin, hostKeyCheckingWarning, loadSettings, type ProjectSettings } from './index.js';
import { effectiveSettings, type CommandLineSettings, type EffectiveSettings } from './precedence.js';

/** The commands that read ansible.cfg, and which of its settings each uses. */
const USES: Record<string, 'run' | 'inventory' | 'vault'> = { provision: 'run', validate: 'run', inventory: 'inventory', test: 'vault', vault: 'vault' };

/** The settings context of this process: Ansible finds ~ through $HOME. */
export function processContext(): { cwd: string; env: NodeJS.ProcessEnv; home: string } {
  return { cwd: process.cwd(), env: process.env, home: process.env.HOME || homedir() };
}

/** The flags of a command that a project setting would otherwise fill, as given on the command line only. */
export function givenFlags(command: Command): CommandLineSettings {
  const o = command.opts();
  const given = (key: string): boolean => command.getOptionValueSource(key) === 'cli';
  return {
    inventory: given('inventory') ? o.inventory : undefined,
    forks: given('forks') ? o.forks : undefined,
    timeout: given('timeout') ? o.timeout : undefined,
    user: given('user') ? o.user : undefined,
    privateKey: given('privateKey') ? o.privateKey : undefined,
    become: given('become') ? o.become : undefined,
    becomeUser: given('becomeUser') ? o.becomeUser : undefined,
  };
}

/**
 * Before a command runs: reads ansible.cfg and the ANSIBLE_* variables (an
 * error there is exit 4 before anything else), prints their warnings once,
 * and puts the values into the command's options where no flag gave one.
 */
export function applyProjectSettings(command: Command): void {
  const use = USES[command.name()];
  if (!use) return;
  const settings = loadSettings(processContext());
  for (const w of settings.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
  const effective = effectiveSettings(settings, givenFlags(command));
  const set = (key: string, value: unknown): void => void command.setOptionValueWithSource(key, value, 'config');
  // Ansible: the identity list first, then --vault-id; --vault-password-file, then the setting's file.
  if (effective.vaultIdentityList) set('vaultId', [...effective.vaultIdentityList.value, ...(command.opts().vaultId ?? [])]);
  if (effective.vaultPasswordFile) set('vaultPasswordFile', [...(command.opts().vaultPasswordFile ?? []), effective.vaultPasswordFile.value]);
  // Read from the settings above: the vault code must not add $ANSIBLE_VAULT_PASSWORD_FILE a second time.
  set('vaultEnv', {});
  // Roles are looked up in roles_path after roles/ beside the playbook: for the commands that compile a playbook.
  if (use === 'run' || command.name() === 'test') set('rolesPath', effective.rolesPath.value);
  if (use === 'vault') return;
  if (effective.inventory.origin.source !== 'default') set('inventory', checkedInventory(effective.inventory));
  if (use === 'inventory') return;
  set('forks', effective.forks.value);
  set('timeout', effective.timeout.value);
  if (effective.remoteUser) set('user', effective.remoteUser.value);
  if (effective.privateKeyFile) set('privateKey', effective.privateKeyFile.value);
  set('become', effective.become.value);
  if (effective.becomeUser.origin.source !== 'default') set('becomeUser', effective.becomeUser.value);
  set('hostKeyChecking', effective.hostKeyChecking.value);
  const unchecked = hostKeyCheckingWarning(settings);
  if (unchecked) process.stderr.write(`[WARNING]: ${unchecked}\n`);
  const verbosity = Number(command.opts().verbose ?? 0);
  if (verbosity >= 1) process.stdout.write(`${settings.file ? `Using ${settings.file} as config file` : 'No config file found; using defaults'}\n`);
  if (verbosity >= 2) process.stdout.write(describeSettings(settings, effective));
}

/**
 * An inventory from ansible.cfg or $ANSIBLE_INVENTORY must exist: Ansible
 * warns and goes on with no hosts (a host list such as `web1,web2` there is
 * read as paths too); here it is an error naming where the setting is.
 */
function checkedInventory(inventory: EffectiveSettings['inventory']): string[] {
  const o = inventory.origin;
  if (o.source !== 'file' && o.source !== 'env') return inventory.value;
  const missing = inventory.value.find((path) => !existsSync(path));
  if (missing === undefined) return inventory.value;
  const problem = `${missing} does not exist (an inventory source must be a file or directory; Ansible would go on without it)`;
  throw o.source === 'file' ? new ConfigError(problem, { file: o.file, line: o.line }, 'inventory') : new ConfigError(`$${o.name}: inventory ${problem}`);
}

/** One line per setting provision reads: `name = value (origin)`, as `provision config` prints them. */
export function describeSettings(settings: ProjectSettings, effective: EffectiveSettings): string {
  const rows: [string, { value: unknown; origin: Parameters<typeof describeOrigin>[0] } | undefined][] = [
    ['inventory', effective.inventory],
    ['home', effective.home],
    ['roles_path', effective.rolesPath],
    ['vault_password_file', effective.vaultPasswordFile],
    ['vault_identity_list', effective.vaultIdentityList],
    ['forks', effective.forks],
    ['remote_user', effective.remoteUser],
    ['private_key_file', effective.privateKeyFile],
    ['host_key_checking', effective.hostKeyChecking],
    ['timeout', effective.timeout],
    ['become', effective.become],
    ['become_user', effective.becomeUser],
  ];
  const lines = [`config file = ${settings.file ?? 'None'}`];
  for (const [name, e] of rows) {
    if (!e) continue;
    const shown = Array.isArray(e.value) ? e.value.join(', ') : String(e.value);
    lines.push(`${name} = ${shown} (${describeOrigin(e.origin)})`);
  }
  return `${lines.join('\n')}\n`;
}
