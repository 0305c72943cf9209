import type { ScalarTag } from 'yaml';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { vaultSecrets } from './active.js';
import { isVaultText } from './envelope.js';
import { decryptVaultText, VaultError } from './keyring.js';

/**
 * `password: !vault |` followed by what `ansible-vault encrypt_string` printed:
 * decrypted with the run's vault passwords into a Secret. A value that cannot be
 * decrypted is a YAML error at its line (yaml-source.ts names file:line).
 */
export const vaultTag: ScalarTag = {
  tag: '!vault',
  resolve: (value: string, onError: (message: string) => void) => {
    try {
      return new Secret(decryptVaultText(value, vaultSecrets()).plaintext.toString('utf8'));
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      onError(`!vault value: ${err.message}`);
      return '';
    }
  },
  identify: () => false,
};

/** A whole file encrypted by ansible-vault: its plaintext, where the reader allows one. */
export function vaultFileText(text: string, file: string, allowed: boolean): { text: string; encrypted: boolean } {
  if (!isVaultText(text)) return { text, encrypted: false };
  if (!allowed) throw new ConfigError('this file is encrypted with ansible-vault; provision reads encrypted vars files, group_vars/host_vars, -e @file and inventories, not this kind of file (encrypt its variables instead)', { file, line: 1 });
  try {
    return { text: decryptVaultText(text, vaultSecrets()).plaintext.toString('utf8'), encrypted: true };
  } catch (err) {
    if (err instanceof VaultError) throw new ConfigError(err.message, { file, line: 1 });
    throw err;
  }
}
