import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * ansible-vault's AES256 payload (format 1.1/1.2), from the format: PBKDF2-SHA256
 * (10000 rounds) of the password and a 32-byte salt gives 80 bytes: an AES-256
 * key, an HMAC-SHA256 key and a 16-byte initial counter. The plaintext is padded
 * PKCS#7-style to 16 bytes (always 1-16 bytes of padding, although CTR mode would
 * need none: Ansible does it, so must we) and encrypted with AES-256-CTR; the HMAC
 * covers the ciphertext. The payload is hex(hex(salt) "\n" hex(hmac) "\n" hex(ciphertext)).
 */
const ROUNDS = 10000;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const BLOCK = 16;

export class VaultFormatError extends Error {}
/** The HMAC did not match: a wrong password, or a file changed since it was encrypted. */
export class VaultMismatchError extends Error {}

interface Keys {
  cipherKey: Buffer;
  hmacKey: Buffer;
  iv: Buffer;
}

function deriveKeys(password: Buffer, salt: Buffer): Keys {
  const derived = pbkdf2Sync(password, salt, ROUNDS, 2 * KEY_BYTES + IV_BYTES, 'sha256');
  return { cipherKey: derived.subarray(0, KEY_BYTES), hmacKey: derived.subarray(KEY_BYTES, 2 * KEY_BYTES), iv: derived.subarray(2 * KEY_BYTES) };
}

export function pad(data: Buffer): Buffer {
  const n = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

export function unpad(data: Buffer): Buffer {
  const n = data.length ? data[data.length - 1] : 0;
  const valid = data.length % BLOCK === 0 && n >= 1 && n <= BLOCK && data.subarray(data.length - n).every((b) => b === n);
  if (!valid) throw new VaultFormatError('invalid padding');
  return data.subarray(0, data.length - n);
}

function ctr(keys: Keys, data: Buffer): Buffer {
  const c = createCipheriv('aes-256-ctr', keys.cipherKey, keys.iv);
  return Buffer.concat([c.update(data), c.final()]);
}

const hmacOf = (keys: Keys, data: Buffer): Buffer => createHmac('sha256', keys.hmacKey).update(data).digest();

/** The hex payload (one line, no envelope) of `plaintext`. `salt` only for known-answer tests. */
export function encryptPayload(plaintext: Buffer, password: Buffer, salt: Buffer = randomBytes(32)): string {
  const keys = deriveKeys(password, salt);
  const ciphertext = ctr(keys, pad(plaintext));
  const inner = [salt.toString('hex'), hmacOf(keys, ciphertext).toString('hex'), ciphertext.toString('hex')].join('\n');
  return Buffer.from(inner, 'ascii').toString('hex');
}

function unhex(text: string, what: string): Buffer {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new VaultFormatError(`the ${what} is not hexadecimal`);
  return Buffer.from(text, 'hex');
}

/** The plaintext of a hex payload; VaultMismatchError when the password is wrong or the data was changed. */
export function decryptPayload(payload: string, password: Buffer): Buffer {
  const parts = unhex(payload, 'vault payload').toString('latin1').split('\n');
  if (parts.length !== 3) throw new VaultFormatError('the vault payload is not salt, HMAC and ciphertext');
  const [salt, hmac, ciphertext] = [unhex(parts[0], 'salt'), unhex(parts[1], 'HMAC'), unhex(parts[2], 'ciphertext')];
  const keys = deriveKeys(password, salt);
  const expected = hmacOf(keys, ciphertext);
  if (hmac.length !== expected.length || !timingSafeEqual(hmac, expected)) throw new VaultMismatchError('HMAC verification failed');
  return unpad(ctr(keys, ciphertext));
}
