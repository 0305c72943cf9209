import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, ConfigErrors } from '../errors.js';
import { decodeConfigText } from './config-text.js';
import { iniLookup, parseIni, type IniFile } from './ini.js';
import { SETTINGS, UNREAD_SETTINGS, type SettingDefinition, type SettingName } from './keys.js';
import { findConfigFile, type SettingsContext } from './search.js';
import { toBoolean, toInteger, toList, toPathList, toPathSpec, resolvePath, unquote, type Typed } from './values.js';

export type { SettingName } from './keys.js';
export type { SettingsContext } from './search.js';

/** Where a setting's value came from: a command-line flag, an environment variable, a line of ansible.cfg, or the default. */
export type Origin = { source: 'flag'; flag: string } | { source: 'env'; name: string } | { source: 'file'; file: string; line: number } | { source: 'default' };

/** The project settings: ansible.cfg and ANSIBLE_* variables, as Ansible 2.14 reads them. */
export interface ProjectSettings {
  /** The ansible.cfg read, if any. */
  file?: string;
  inventory?: string[];
  /** Ansible's home ([defaults] home, $ANSIBLE_HOME; default ~/.ansible): the base of the default roles_path. */
  home: string;
  /** Where roles are looked up after the playbook's own roles/ (Ansible's default when nothing sets it). */
  rolesPath: string[];
  vaultPasswordFile?: string;
  vaultIdentityList?: string[];
  forks?: number;
  remoteUser?: string;
  privateKeyFile?: string;
  hostKeyChecking?: boolean;
  timeout?: number;
  become?: boolean;
  becomeUser?: string;
  /** Where each value set came from (home and rolesPath: 'default' when nothing set it). */
  origins: Partial<Record<SettingName, Origin>>;
  /** To print once per run: settings provision does not read, a skipped ansible.cfg. */
  warnings: string[];
}

type Values = Omit<ProjectSettings, 'file' | 'origins' | 'warnings' | 'home'> & { home?: string };

/**
 * Reads the project settings for a command: finds ansible.cfg in Ansible's
 * order, reads the settings provision uses from the environment (which wins)
 * and the file, typed as Ansible types them. Bad values, and settings that
 * would make provision act otherwise than Ansible, are errors naming the file
 * and line (or the variable); settings provision does not read but a user may
 * rely on become warnings.
 */
export function loadSettings(opts: SettingsContext): ProjectSettings {
  const choice = findConfigFile(opts);
  const ini = choice.file ? readIni(choice.file) : undefined;
  const errors: ConfigError[] = [];
  const values: Partial<Values> = {};
  const origins: ProjectSettings['origins'] = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const found = readSetting(SETTINGS[name], opts, ini);
    if (!found) continue;
    if ('problem' in found) errors.push(found.problem);
    else {
      (values as Record<string, unknown>)[name] = found.value;
      origins[name] = found.origin;
    }
  }
  const warnings = [...choice.warnings];
  errors.push(...checkSupported(values, origins), ...unreadSettings(opts.env, ini, warnings));
  if (errors.length) throw errors.length === 1 ? errors[0] : new ConfigErrors(errors);
  if (values.home === undefined) origins.home = { source: 'default' };
  if (values.rolesPath === undefined) origins.rolesPath = { source: 'default' };
  const home = values.home ?? join(opts.home, '.ansible');
  return { file: choice.file, ...values, home, rolesPath: values.rolesPath ?? defaultRolesPath(home), origins, warnings };
}

/**
 * The warning every run that connects prints while host_key_checking is off,
 * naming where it was turned off; none while it is on.
 */
export function hostKeyCheckingWarning(s: ProjectSettings): string | undefined {
  if (s.hostKeyChecking !== false) return undefined;
  return `${describeOrigin(s.origins.hostKeyChecking!)}: host_key_checking is off: unknown host keys are accepted and recorded, CHANGED host keys are accepted (as ssh -o StrictHostKeyChecking=no); a revoked key is still refused. Anyone between you and your hosts can impersonate them`;
}

/** Ansible's DEFAULT_ROLES_PATH default: ANSIBLE_HOME's roles (the `home` setting), then the system directories. */
export function defaultRolesPath(ansibleHome: string): string[] {
  return [join(ansibleHome, 'roles'), '/usr/share/ansible/roles', '/etc/ansible/roles'];
}

export function describeOrigin(o: Origin): string {
  switch (o.source) {
    case 'flag':
      return o.flag;
    case 'env':
      return `$${o.name}`;
    case 'file':
      return `${o.file}:${o.line}`;
    case 'default':
      return 'default';
  }
}

function readIni(file: string): IniFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file });
  }
  const { text, undecodable } = decodeConfigText(bytes);
  return parseIni(text, file, undecodable);
}

type Found = { value: unknown; origin: Origin } | { problem: ConfigError };

/** Ansible's get_config_value_and_origin for one setting: the last env entry set, else the last ini entry present. */
function readSetting(def: SettingDefinition, c: SettingsContext, ini: IniFile | undefined): Found | undefined {
  const envName = [...def.env].reverse().find((n) => c.env[n] !== undefined);
  if (envName !== undefined) {
    const text = c.env[envName]!;
    const typed = typeValue(def, text, { ...c, base: c.cwd });
    if ('value' in typed) return { value: typed.value, origin: { source: 'env', name: envName } };
    // As Ansible: an empty variable of a type it cannot hold gives the default, even when the file sets one.
    if (text === '' && def.type === 'integer') return undefined;
    return { problem: new ConfigError(`${envName}: ${typed.problem}`) };
  }
  if (!ini) return undefined;
  const entry = [...def.ini].reverse().map((e) => ({ e, v: iniLookup(ini, e.section, e.key) })).find((x) => x.v);
  if (!entry?.v) return undefined;
  const typed = typeValue(def, entry.v.value, { ...c, base: dirname(ini.file) });
  if ('value' in typed) return { value: typed.value, origin: { source: 'file', file: ini.file, line: entry.v.line } };
  return { problem: new ConfigError(typed.problem, { file: ini.file, line: entry.v.line }, `[${entry.e.section}] ${entry.e.key}`) };
}

function typeValue(def: SettingDefinition, text: string, c: SettingsContext & { base: string }): Typed<unknown> {
  switch (def.type) {
    case 'boolean':
      return toBoolean(text);
    case 'integer':
      return toInteger(text);
    case 'path':
      return { value: resolvePath(text, c) };
    case 'pathlist':
      return { value: toPathList(text, c) };
    case 'pathspec':
      return { value: toPathSpec(text, c) };
    case 'list':
      return { value: toList(text) };
    case 'string':
      return { value: unquote(text) };
  }
}

/** Values Ansible accepts that provision cannot carry out as Ansible would. */
function checkSupported(values: Partial<Values>, origins: ProjectSettings['origins']): ConfigError[] {
  const errors: ConfigError[] = [];
  const at = (name: SettingName, problem: string): ConfigError => {
    const o = origins[name]!;
    return o.source === 'file' ? new ConfigError(problem, { file: o.file, line: o.line }, SETTINGS[name].ini[0].key) : new ConfigError(`${describeOrigin(o)}: ${problem}`);
  };
  if (values.becomeUser !== undefined && values.becomeUser !== 'root') errors.push(at('becomeUser', `become_user ${values.becomeUser} is not supported: provision's tasks run as root (become) or as the login user`));
  if (values.forks !== undefined && values.forks < 1) errors.push(at('forks', `forks must be 1 or more, not ${values.forks}`));
  if (values.timeout !== undefined && values.timeout < 1) errors.push(at('timeout', `timeout must be 1 second or more, not ${values.timeout}`));
  return errors;
}

/** Settings provision does not read: refused ones become errors, the others one warning each. */
function unreadSettings(env: NodeJS.ProcessEnv, ini: IniFile | undefined, warnings: string[]): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const u of UNREAD_SETTINGS) {
    const uses: { where: string; value: string; file?: string; line?: number; key: string }[] = [];
    for (const name of u.env) if (env[name] !== undefined) uses.push({ where: `$${name}`, value: env[name]!, key: name });
    if (ini) {
      for (const e of u.ini) {
        const v = iniLookup(ini, e.section, e.key);
        if (v) uses.push({ where: `${ini.file}:${v.line}`, value: v.value, file: ini.file, line: v.line, key: `[${e.section}] ${e.key}` });
      }
    }
    for (const use of uses) {
      if (u.allowed?.includes(unquote(use.value).trim().toLowerCase())) continue;
      if (u.treatment === 'refuse') {
        errors.push(use.file ? new ConfigError(`${use.value} is not supported: ${u.why}`, { file: use.file, line: use.line }, use.key) : new ConfigError(`${use.where}=${use.value} is not supported: ${u.why}`));
      } else {
        warnings.push(`${use.where}: ${use.key} is not read by provision: ${u.why}`);
      }
    }
  }
  return errors;
}
