import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UsageError } from '../exit-codes.js';
import { DEFAULT_VAULT_ID } from './envelope.js';
import type { VaultSecret } from './keyring.js';

/** Where vault passwords come from, as given on the command line. */
export interface VaultPasswordOptions {
  /** --vault-id [ID@]SOURCE, repeatable; SOURCE is a file, an executable script or "prompt". */
  vaultId?: string[];
  /** --vault-password-file FILE, repeatable. */
  vaultPasswordFile?: string[];
  /** --ask-vault-pass */
  askVaultPass?: boolean;
}

export interface VaultSource {
  id: string;
  /** A file name, or "prompt". */
  source: string;
}

export const VAULT_PASSWORD_FILE_ENV = 'ANSIBLE_VAULT_PASSWORD_FILE';

/**
 * Ansible's order (CLI.build_vault_ids): every --vault-id, then every
 * --vault-password-file and $ANSIBLE_VAULT_PASSWORD_FILE (id "default"), then
 * --ask-vault-pass. The order is the order secrets are tried in.
 */
export function vaultSources(o: VaultPasswordOptions, env: NodeJS.ProcessEnv = process.env): VaultSource[] {
  const sources = (o.vaultId ?? []).map(splitVaultId);
  const files = [...(o.vaultPasswordFile ?? []), ...(env[VAULT_PASSWORD_FILE_ENV] ? [env[VAULT_PASSWORD_FILE_ENV]] : [])];
  for (const file of files) sources.push({ id: DEFAULT_VAULT_ID, source: file });
  if (o.askVaultPass) sources.push({ id: DEFAULT_VAULT_ID, source: 'prompt' });
  return sources;
}

/** `ID@SOURCE` or just `SOURCE` (id "default"), split at the first @ as Ansible does. */
export function splitVaultId(spec: string): VaultSource {
  const at = spec.indexOf('@');
  if (at < 0) return { id: DEFAULT_VAULT_ID, source: spec };
  const id = spec.slice(0, at) || DEFAULT_VAULT_ID;
  if (/[;\s]/.test(id)) throw new UsageError(`--vault-id ${id}: a vault id cannot hold ";" or spaces (it is written into the vault header)`);
  return { id, source: spec.slice(at + 1) };
}

/** Reads every password: a file's content, a script's stdout, or a prompt on the terminal. */
export async function loadVaultSecrets(sources: VaultSource[], ask: (prompt: string) => Promise<string>): Promise<VaultSecret[]> {
  const secrets: VaultSecret[] = [];
  for (const { id, source } of sources) {
    const password = source === 'prompt' ? Buffer.from((await ask(id === DEFAULT_VAULT_ID ? 'Vault password: ' : `Vault password (${id}): `)).trim(), 'utf8') : readPasswordSource(source, id);
    if (!password.length) throw new UsageError(`the vault password from ${source === 'prompt' ? 'the prompt' : source} is empty`);
    secrets.push({ id, password });
  }
  return secrets;
}

/**
 * As Ansible: an executable file is run and its stdout (without trailing line
 * ends) is the password; any other file's content, trimmed, is. A script named
 * NAME-client (any extension) is asked for one id: `NAME-client --vault-id ID`.
 */
export function readPasswordSource(file: string, id = DEFAULT_VAULT_ID): Buffer {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    throw new UsageError(`the vault password file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!stat.isFile()) throw new UsageError(`the vault password file ${file} is not a file`);
  if (isExecutable(file)) {
    let stdout: Buffer;
    try {
      const isClient = basename(file, extname(file)).endsWith('-client');
      stdout = execFileSync(file, isClient ? ['--vault-id', id] : [], { stdio: ['inherit', 'pipe', 'inherit'] });
    } catch (err) {
      throw new UsageError(`the vault password script ${file} failed (exit status ${(err as { status?: number }).status ?? 'unknown'})`);
    }
    return trimBytes(stdout, '\r\n');
  }
  return trimBytes(trimBytes(readFileSync(file), ' \t\n\r\f\v'), '\r\n');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Python's bytes.strip(chars): from both ends. */
function trimBytes(data: Buffer, chars: string): Buffer {
  const set = new Set([...Buffer.from(chars)]);
  let start = 0;
  let end = data.length;
  while (start < end && set.has(data[start])) start++;
  while (end > start && set.has(data[end - 1])) end--;
  return data.subarray(start, end);
}
