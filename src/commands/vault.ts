import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { UsageError } from '../exit-codes.js';
import { splitShellWords } from '../shell-words.js';
import { vaultSecrets } from '../vault/active.js';
import { formatVaultYaml } from '../vault/encrypt-string.js';
import { isVaultText } from '../vault/envelope.js';
import { decryptVaultText, encryptVaultText, secretForEncryption, VaultError, type VaultSecret } from '../vault/keyring.js';

export interface VaultCommandOptions {
  output?: string;
  encryptVaultId?: string;
  name?: string[];
}

/** `provision vault ACTION`: ansible-vault's encrypt, decrypt, view, edit and encrypt_string. */
export function vaultCommand(action: string, args: string[], o: VaultCommandOptions): void {
  const run = ACTIONS[action];
  if (!run) throw new UsageError(`unknown vault action "${action}"; actions: ${Object.keys(ACTIONS).join(', ')}`);
  run(args, o);
}

const ACTIONS: Record<string, (args: string[], o: VaultCommandOptions) => void> = {
  encrypt: (files, o) => {
    const secret = encryptionSecret(o);
    forEachFile(files, o, (text, file) => {
      if (isVaultText(text.toString('latin1'))) throw new ConfigError('is already encrypted with ansible-vault', { file });
      return Buffer.from(encryptVaultText(text, secret));
    });
    if (files.length) process.stderr.write('Encryption successful\n');
  },
  decrypt: (files, o) => {
    forEachFile(files, o, (text, file) => decrypt(text, file).plaintext);
    if (files.length) process.stderr.write('Decryption successful\n');
  },
  view: (files) => {
    if (!files.length) throw new UsageError('vault view needs a file');
    for (const file of files) process.stdout.write(decrypt(readFile(file), file).plaintext);
  },
  edit: (files, o) => {
    if (files.length !== 1) throw new UsageError('vault edit takes one file');
    editFile(files[0], o);
  },
  encrypt_string: (strings, o) => {
    const secret = encryptionSecret(o);
    const names = o.name ?? [];
    const values = strings.length && !(strings.length === 1 && strings[0] === '-') ? strings : [readFileSync(0, 'utf8')];
    if (names.length > values.length) throw new UsageError(`${names.length} --name options for ${values.length} string${values.length === 1 ? '' : 's'}`);
    const blocks = values.map((value, i) => formatVaultYaml(encryptVaultText(Buffer.from(value, 'utf8'), secret), names[i]));
    process.stdout.write(`${blocks.join('\n')}\n`);
    process.stderr.write('Encryption successful\n');
  },
};

function encryptionSecret(o: VaultCommandOptions): VaultSecret {
  try {
    return secretForEncryption(vaultSecrets(), o.encryptVaultId);
  } catch (err) {
    if (err instanceof VaultError) throw new UsageError(err.message);
    throw err;
  }
}

function decrypt(data: Buffer, file: string): { plaintext: Buffer; vaultId: string } {
  const text = data.toString('latin1');
  if (!isVaultText(text)) throw new ConfigError('is not encrypted with ansible-vault (no $ANSIBLE_VAULT header)', { file });
  try {
    return decryptVaultText(text, vaultSecrets());
  } catch (err) {
    if (err instanceof VaultError) throw new ConfigError(err.message, { file });
    throw err;
  }
}

function readFile(file: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file });
  }
}

/** Each file changed in place (or into --output; "-" is stdout); no file: stdin to stdout. */
function forEachFile(files: string[], o: VaultCommandOptions, change: (data: Buffer, file: string) => Buffer): void {
  const list = files.length ? files : ['-'];
  if (o.output && list.length > 1) throw new UsageError('--output takes one input file');
  // Every file is read and changed before any is written: one bad file leaves all as they were.
  const results = list.map((file) => ({ file, data: change(readFile(file), file === '-' ? 'stdin' : file) }));
  for (const { file, data } of results) {
    const target = o.output ?? file;
    if (target === '-') process.stdout.write(data);
    else writeFileSync(target, data, { mode: 0o600 });
  }
}

/**
 * Decrypts into a file in a fresh 0700 directory, runs $EDITOR on it, and
 * re-encrypts with the id the file was encrypted for (or --encrypt-vault-id).
 * The plaintext file is removed whatever happens; an unchanged file is not rewritten.
 */
function editFile(file: string, o: VaultCommandOptions): void {
  const original = readFile(file);
  const { plaintext, vaultId } = decrypt(original, file);
  const secrets = vaultSecrets();
  const secret = o.encryptVaultId ? encryptionSecret(o) : secrets.find((s) => s.id === vaultId) ?? secrets[0];
  const dir = mkdtempSync(join(tmpdir(), 'provision-vault-'));
  try {
    chmodSync(dir, 0o700);
    const temp = join(dir, basename(file));
    writeFileSync(temp, plaintext, { mode: 0o600 });
    const editor = splitShellWords(process.env.EDITOR || 'vi');
    const result = spawnSync(editor[0], [...editor.slice(1), temp], { stdio: 'inherit' });
    if (result.error || result.status !== 0) throw new UsageError(`the editor ${editor[0]} failed (${result.error?.message ?? `exit status ${result.status}`}); ${file} is unchanged`);
    const edited = readFileSync(temp);
    if (edited.equals(plaintext) && !o.encryptVaultId) return;
    writeFileSync(file, encryptVaultText(edited, secret), { mode: statSync(file).mode & 0o777 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
