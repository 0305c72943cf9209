import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConfigFile } from './config/read.js';
import { SshConfigError } from './config/error.js';

/**
 * OpenSSH's client configuration (ssh_config(5)) as ssh 9.2 reads it: the
 * parts live in ./config/ (lex, patterns, keywords, expand, read, proxy-jump);
 * this file says which files are read.
 */
export { SshConfigError } from './config/error.js';
export { lookupSshConfig, type ConfigFile, type LookupRequest, type SshHostConfig } from './config/read.js';
export { parseProxyJump, type JumpSpec } from './config/proxy-jump.js';
export { expandClientPath, ExpandError, type ConnectionNames } from './config/expand.js';
export { KEYWORDS } from './config/keywords.js';

/** ssh's system-wide file; PROVISION_SSH_SYSTEM_CONFIG replaces it (for tests; `none` for none). */
export function systemConfigPath(): string | undefined {
  const file = process.env.PROVISION_SSH_SYSTEM_CONFIG ?? '/etc/ssh/ssh_config';
  return file === 'none' || file === '' ? undefined : file;
}

/**
 * The files to read, as ssh: a file named with --ssh-config or
 * $PROVISION_SSH_CONFIG alone, as `ssh -F FILE` (`none`: no file at all; a
 * missing one is an error); else ~/.ssh/config then the system file.
 */
export function sshConfigFiles(option?: string): ConfigFile[] {
  const named = option ?? process.env.PROVISION_SSH_CONFIG;
  if (named !== undefined && named !== '') {
    if (named.toLowerCase() === 'none') return [];
    if (!existsSync(named)) throw new SshConfigError(`ssh config ${named} does not exist`);
    return [{ path: named, kind: 'user', checkPermissions: false }];
  }
  const files: ConfigFile[] = [{ path: join(homedir(), '.ssh', 'config'), kind: 'user', checkPermissions: true }];
  const system = systemConfigPath();
  if (system) files.push({ path: system, kind: 'system', checkPermissions: false });
  return files;
}
