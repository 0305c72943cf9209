import { VaultFormatError } from './cipher.js';

/**
 * The text around a vault payload: `$ANSIBLE_VAULT;1.1;AES256` (no vault id) or
 * `$ANSIBLE_VAULT;1.2;AES256;ID`, then the hex payload in lines of 80 characters.
 * Read as Ansible reads it: fields trimmed, the payload lines joined.
 */
export const VAULT_HEADER = '$ANSIBLE_VAULT';
export const DEFAULT_VAULT_ID = 'default';

export interface Envelope {
  version: string;
  cipher: string;
  /** The id named in a 1.2 header; undefined for 1.1. */
  vaultId?: string;
  payload: string;
}

export function isVaultText(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

export function parseEnvelope(text: string): Envelope {
  const lines = text.split(/\r\n|\r|\n/);
  const header = lines[0].trim().split(';');
  if (header[0] !== VAULT_HEADER || header.length < 3) throw new VaultFormatError('not a vault header ($ANSIBLE_VAULT;VERSION;CIPHER)');
  const cipher = header[2].trim();
  if (cipher !== 'AES256') throw new VaultFormatError(`vault cipher ${cipher} is not supported (only AES256, as ansible-vault writes)`);
  const vaultId = header.length >= 4 ? header[3].trim() : undefined;
  return { version: header[1].trim(), cipher, vaultId, payload: lines.slice(1).join('').trim() };
}

/** Ansible's format_vaulttext_envelope: an id other than "default" makes it 1.2. */
export function formatEnvelope(payload: string, vaultId?: string): string {
  const withId = vaultId && vaultId !== DEFAULT_VAULT_ID;
  const header = withId ? `${VAULT_HEADER};1.2;AES256;${vaultId}` : `${VAULT_HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < payload.length; i += 80) lines.push(payload.slice(i, i + 80));
  return `${lines.join('\n')}\n`;
}
