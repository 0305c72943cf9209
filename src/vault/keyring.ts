import { decryptPayload, encryptPayload, VaultFormatError, VaultMismatchError } from './cipher.js';
import { DEFAULT_VAULT_ID, formatEnvelope, parseEnvelope } from './envelope.js';

/** One vault password and the id it was given for (`--vault-id ID@SOURCE`; "default" otherwise). */
export interface VaultSecret {
  id: string;
  password: Buffer;
}

/** What went wrong, phrased for the user; the caller adds file and line. Never holds a password. */
export class VaultError extends Error {}

export const HOW_TO_GIVE_A_PASSWORD = 'give one with --vault-password-file FILE, --vault-id [ID@]FILE|prompt, --ask-vault-pass or $ANSIBLE_VAULT_PASSWORD_FILE';

/**
 * Ansible's order of trying secrets (VaultLib.decrypt_and_get_vault_id): those
 * given for the id in the header first, then every other one, in the order
 * given. The id in the header is not authenticated, so it only picks the order.
 */
export function secretsToTry(secrets: VaultSecret[], headerId: string | undefined): VaultSecret[] {
  if (!headerId) return secrets;
  return [...secrets.filter((s) => s.id === headerId), ...secrets.filter((s) => s.id !== headerId)];
}

export function decryptVaultText(text: string, secrets: VaultSecret[]): { plaintext: Buffer; vaultId: string } {
  let envelope;
  try {
    envelope = parseEnvelope(text);
  } catch (err) {
    throw new VaultError(`malformed vault data: ${(err as Error).message}`);
  }
  const named = envelope.vaultId ? `vault id "${envelope.vaultId}"` : 'no vault id (format 1.1)';
  if (!secrets.length) throw new VaultError(`encrypted with ansible-vault (${named}) and no vault password was given: ${HOW_TO_GIVE_A_PASSWORD}`);
  for (const secret of secretsToTry(secrets, envelope.vaultId)) {
    try {
      return { plaintext: decryptPayload(envelope.payload, secret.password), vaultId: secret.id };
    } catch (err) {
      if (err instanceof VaultMismatchError) continue;
      if (err instanceof VaultFormatError) throw new VaultError(`malformed vault data: ${err.message}`);
      throw err;
    }
  }
  const tried = [...new Set(secrets.map((s) => s.id))].join(', ');
  throw new VaultError(`cannot decrypt (${named}) with the vault password${secrets.length > 1 ? 's' : ''} given (id ${tried}): a wrong password, or the data was changed after it was encrypted (HMAC check failed)`);
}

/** Ansible's match_encrypt_secret: --encrypt-vault-id picks a secret by id; else the only one given. */
export function secretForEncryption(secrets: VaultSecret[], encryptId?: string): VaultSecret {
  if (encryptId) {
    const found = secrets.find((s) => s.id === encryptId);
    if (!found) throw new VaultError(`--encrypt-vault-id ${encryptId}: no vault password was given for that id (ids given: ${secrets.map((s) => s.id).join(', ') || 'none'})`);
    return found;
  }
  if (!secrets.length) throw new VaultError(`a vault password is needed to encrypt: ${HOW_TO_GIVE_A_PASSWORD}`);
  // ansible-vault refuses to guess between several ids too.
  const ids = [...new Set(secrets.map((s) => s.id))];
  if (ids.length > 1) throw new VaultError(`vault ids ${ids.join(', ')} are all available to encrypt with: choose one with --encrypt-vault-id`);
  return secrets[0];
}

export function encryptVaultText(plaintext: Buffer, secret: VaultSecret): string {
  return formatEnvelope(encryptPayload(plaintext, secret.password), secret.id === DEFAULT_VAULT_ID ? undefined : secret.id);
}
