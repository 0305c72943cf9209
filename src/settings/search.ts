import { accessSync, constants, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { resolvePath } from './values.js';

export interface SettingsContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  home: string;
}

export interface ConfigFileChoice {
  /** The file read, absolute; none when no candidate exists. */
  file?: string;
  warnings: string[];
}

/** The system-wide file, Ansible's last candidate. */
export const SYSTEM_ANSIBLE_CFG = '/etc/ansible/ansible.cfg';

/**
 * Ansible 2.14's find_ini_config_file: the first of $ANSIBLE_CONFIG (a file,
 * or a directory holding ansible.cfg), ./ansible.cfg, ~/.ansible.cfg and
 * /etc/ansible/ansible.cfg that exists and can be read. Files are not merged.
 * A current directory writable by everyone is skipped (anyone could plant an
 * ansible.cfg there), with Ansible's warning when it holds one.
 */
export function findConfigFile(c: SettingsContext): ConfigFileChoice {
  const warnings: string[] = [];
  const candidates: string[] = [];
  const fromEnv = c.env.ANSIBLE_CONFIG;
  let envPath: string | undefined;
  if (fromEnv !== undefined) {
    envPath = resolvePath(fromEnv, { ...c, base: c.cwd });
    if (isDirectory(envPath)) envPath = join(envPath, 'ansible.cfg');
    candidates.push(envPath);
  }
  const inCwd = join(c.cwd, 'ansible.cfg');
  let skippedCwd = false;
  if (worldWritable(c.cwd)) skippedCwd = exists(inCwd);
  else candidates.push(inCwd);
  candidates.push(join(c.home, '.ansible.cfg'), SYSTEM_ANSIBLE_CFG);

  const file = candidates.find(readable);
  if (envPath !== undefined && file !== envPath) warnings.push(`ANSIBLE_CONFIG=${fromEnv}: ${envPath} does not exist or cannot be read; ${file ? `using ${file}` : 'no ansible.cfg is read'} (as Ansible does)`);
  if (skippedCwd && file !== envPath) {
    warnings.push(`provision is being run in a world writable directory (${c.cwd}), ignoring it as an ansible.cfg source (as Ansible does)`);
  }
  if (file && !['.cfg', '.ini'].includes(extname(file))) {
    throw new ConfigError(`unsupported configuration file extension "${extname(file)}": Ansible reads INI files named *.cfg or *.ini`, { file });
  }
  return { file, warnings };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function worldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
