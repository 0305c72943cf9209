import type { Origin, ProjectSettings, SettingName } from './index.js';

/** The flags that override a project setting; undefined: not given on the command line. */
export interface CommandLineSettings {
  inventory?: string[];
  forks?: number;
  timeout?: number;
  user?: string;
  privateKey?: string;
  become?: boolean;
  becomeUser?: string;
}

export interface Effective<T> {
  value: T;
  origin: Origin;
}

/** What a run uses, each with where it came from: flag > environment > ansible.cfg > provision's default. */
export interface EffectiveSettings {
  inventory: Effective<string[]>;
  forks: Effective<number>;
  timeout: Effective<number>;
  remoteUser?: Effective<string>;
  privateKeyFile?: Effective<string>;
  become: Effective<boolean>;
  becomeUser: Effective<string>;
  hostKeyChecking: Effective<boolean>;
  /** Ansible's home: provision uses it only as the base of the default roles_path. */
  home: Effective<string>;
  rolesPath: Effective<string[]>;
  vaultPasswordFile?: Effective<string>;
  vaultIdentityList?: Effective<string[]>;
}

/** provision's own defaults, where neither a flag, the environment nor ansible.cfg sets a value. */
export const PROVISION_DEFAULTS = { inventory: ['inventory/hosts.yaml'], forks: 10, timeout: 10, become: false, becomeUser: 'root', hostKeyChecking: true };

const DEFAULT: Origin = { source: 'default' };

/**
 * One setting: the flag when given, else the project setting (environment or
 * ansible.cfg, already ordered by loadSettings), else the default. Host
 * variables (ansible_user, ...) still win over all of these, later, per host.
 */
function pick<T>(flag: T | undefined, flagName: string, s: ProjectSettings, name: SettingName, fallback: T): Effective<T>;
function pick<T>(flag: T | undefined, flagName: string, s: ProjectSettings, name: SettingName): Effective<T> | undefined;
function pick<T>(flag: T | undefined, flagName: string, s: ProjectSettings, name: SettingName, fallback?: T): Effective<T> | undefined {
  if (flag !== undefined) return { value: flag, origin: { source: 'flag', flag: flagName } };
  const fromSettings = s[name] as T | undefined;
  if (fromSettings !== undefined) return { value: fromSettings, origin: s.origins[name] ?? DEFAULT };
  return fallback === undefined ? undefined : { value: fallback, origin: DEFAULT };
}

export function effectiveSettings(s: ProjectSettings, flags: CommandLineSettings): EffectiveSettings {
  const inventoryFlag = flags.inventory?.length ? flags.inventory : undefined;
  return {
    inventory: pick(inventoryFlag, '-i', s, 'inventory', PROVISION_DEFAULTS.inventory),
    forks: pick(flags.forks, '-f', s, 'forks', PROVISION_DEFAULTS.forks),
    timeout: pick(flags.timeout, '-T', s, 'timeout', PROVISION_DEFAULTS.timeout),
    remoteUser: pick(flags.user, '-u', s, 'remoteUser'),
    privateKeyFile: pick(flags.privateKey, '--private-key', s, 'privateKeyFile'),
    become: pick(flags.become, '-b', s, 'become', PROVISION_DEFAULTS.become),
    becomeUser: pick(flags.becomeUser, '--become-user', s, 'becomeUser', PROVISION_DEFAULTS.becomeUser),
    hostKeyChecking: pick<boolean>(undefined, '', s, 'hostKeyChecking', PROVISION_DEFAULTS.hostKeyChecking),
    home: { value: s.home, origin: s.origins.home ?? DEFAULT },
    rolesPath: { value: s.rolesPath, origin: s.origins.rolesPath ?? DEFAULT },
    vaultPasswordFile: pick<string>(undefined, '', s, 'vaultPasswordFile'),
    vaultIdentityList: pick<string[]>(undefined, '', s, 'vaultIdentityList'),
  };
}
