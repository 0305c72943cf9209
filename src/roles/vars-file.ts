import { relative } from 'node:path';
import { ConfigError } from '../errors.js';
import { YamlSource, type FieldPath } from '../yaml-source.js';

/**
 * A variables file of a role (defaults/, vars/) or a play's `vars_files:`: read
 * as Ansible reads vars files (YAML 1.1; an ansible-vault encrypted file, or
 * `!vault` values, decrypted with the run's vault passwords into Secrets). An
 * empty file is no variables; anything but a mapping is an error at its line.
 */
export function loadVarsFile(file: string): { vars: Record<string, unknown>; source: YamlSource } {
  const source = YamlSource.fromFile(file, displayName(file), { yaml11: true, vaultFile: 'secrets' });
  const data = source.data;
  if (data === null || data === undefined) return { vars: {}, source };
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError('a variables file holds a mapping of variable names to values', source.locate([]));
  for (const key of Object.keys(data)) {
    if (!/^[A-Za-z_]\w*$/.test(key)) throw new ConfigError(`"${key}" is not a valid variable name`, source.locate([], key), key);
  }
  noteVarsOrigin(data, source, []);
  return { vars: data as Record<string, unknown>, source };
}

/** A file as errors name it: relative to the working directory, like the playbook the user gave. */
export function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('../../') ? rel : file;
}

/** Where a mapping of variables was written, for errors in its templated values. */
const origins = new WeakMap<object, { source: YamlSource; path: FieldPath }>();

export function noteVarsOrigin(values: object, source: YamlSource, path: FieldPath): void {
  origins.set(values, { source, path });
}

export function varsOrigin(values: object): { source: YamlSource; path: FieldPath } | undefined {
  return origins.get(values);
}
