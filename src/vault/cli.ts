import { UsageError } from '../exit-codes.js';
import { askBecomePassword } from '../ssh/ask-pass.js';
import { setVaultSecrets } from './active.js';
import { loadVaultSecrets, vaultSources, type VaultPasswordOptions } from './sources.js';

/** Reads the vault passwords the command line names, before any file is read. */
export async function useVaultPasswords(o: VaultPasswordOptions & { vaultEnv?: NodeJS.ProcessEnv }): Promise<void> {
  // vaultEnv: the settings (src/settings/cli.ts) have read $ANSIBLE_VAULT_PASSWORD_FILE already.
  setVaultSecrets(await loadVaultSecrets(vaultSources(o, o.vaultEnv), askOnTerminal));
}

// The terminal prompt of --ask-become-pass, with the vault's wording when it cannot ask.
async function askOnTerminal(prompt: string): Promise<string> {
  try {
    return (await askBecomePassword(prompt)).reveal();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError('a vault password prompt (--ask-vault-pass, --vault-id ID@prompt) needs a terminal, and there is none, or nothing was typed; give --vault-password-file FILE instead');
    throw err;
  }
}
