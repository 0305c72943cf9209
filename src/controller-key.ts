import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

let key: Buffer | undefined;

/**
 * A random key kept on the controller (~/.config/provision/salt.key, 0600),
 * made on first use. Salts derived from it are the same on every host and
 * every run from this controller (so a rebuilt host gets the same bytes and a
 * run over many hosts computes a hash once), yet unique to this controller, so
 * nobody can precompute tables for them. Where the file cannot be kept, a key
 * for this process only: salts are then random, which is still correct.
 */
export function controllerKey(): Buffer {
  if (key) return key;
  const dir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'provision');
  const file = join(dir, 'salt.key');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // 'wx': of two runs starting at once, one creates it and both read the same.
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a key`);
    key = Buffer.from(hex, 'hex');
  } catch {
    key = randomBytes(32);
  }
  return key;
}
