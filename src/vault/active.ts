import type { VaultSecret } from './keyring.js';

/**
 * The vault passwords of this run. The command line sets them once, before any
 * file is read; every YAML reader (playbooks, inventories, vars files, -e @file)
 * decrypts with them, without each loader passing them along.
 */
let active: VaultSecret[] = [];

export function setVaultSecrets(secrets: VaultSecret[]): void {
  active = secrets;
}

export function vaultSecrets(): VaultSecret[] {
  return active;
}
