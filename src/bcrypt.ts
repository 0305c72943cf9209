import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import bcryptjs from 'bcryptjs';
import { controllerKey } from './controller-key.js';

/*
 * bcrypt for htpasswd, fast where it can be. Checking a stored entry means
 * computing one bcrypt, ~60 ms of CPU at cost 10 in native code. So:
 * - new hashes get a deterministic salt (from the controller key, the file and
 *   the user), so every host built from this controller holds the same hash;
 * - results are memoised per (cost, salt, password): a run over 50 hosts
 *   computes each user's hash once, not 50 times;
 * - `warmBcrypt` starts that computation before the first host is even
 *   connected, on libuv's thread pool, so it overlaps the network instead of
 *   following it.
 * The planner stays synchronous and pure: it reads the memo (or computes on a miss).
 *
 * The computing is @node-rs/bcrypt's (Rust, prebuilt for Linux, macOS and
 * Windows): about 2.5× faster than bcryptjs, and asynchronous without a
 * worker thread (whose start-up alone cost ~40 ms). Where its binary does not
 * load, bcryptjs (pure JavaScript, same results) computes synchronously.
 */

interface NativeBcrypt {
  hashSync(password: string, cost: number, salt: Buffer): string;
  hash(password: string, cost: number, salt: Buffer): Promise<string>;
}

let native: NativeBcrypt | null | undefined;
/** Loaded on first use: a run without htpasswd never pays for loading it. */
function nativeBcrypt(): NativeBcrypt | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('@node-rs/bcrypt') as NativeBcrypt;
    } catch {
      native = null;
    }
  }
  return native;
}

/** A parsed salt: "$2?$CC$" + 22 characters of bcrypt's base64 (16 bytes). */
interface Salt {
  cost: number;
  bytes: Buffer;
}

/** The highest cost htpasswd's schema accepts; stored hashes above it are not checked. */
export const MAX_COST = 17;

const SALT = /^\$2[abxy]\$(\d\d)\$([./A-Za-z0-9]{22})/;

function parseSalt(salt: string): Salt {
  const m = SALT.exec(salt);
  if (!m) throw new Error('not a bcrypt salt');
  return { cost: Number(m[1]), bytes: Buffer.from(bcryptjs.decodeBase64(m[2], 16)) };
}

const memo = new Map<string, string | Promise<void>>();
const memoKey = (s: Salt, password: string) => `${s.cost}\0${s.bytes.toString('hex')}\0${password}`;

/** A salt's usual spelling: "$2b$CC$" + 22 characters of bcrypt's base64. */
const saltString = (cost: number, bytes: Buffer): string => `$2b$${String(cost).padStart(2, '0')}$${bcryptjs.encodeBase64(bytes, 16)}`;

/** The salt ("$2b$CC$" + 22 characters) for `user` in the htpasswd file `path` at this cost. */
export function deterministicSalt(path: string, user: string, cost: number): string {
  const seed = createHmac('sha256', controllerKey()).update(`htpasswd\0${path}\0${user}`).digest().subarray(0, 16);
  return saltString(cost, seed);
}

/** bcrypt(password, salt) as "$2b$CC$<salt><hash>", memoised. */
export function bcryptHash(password: string, salt: string): string {
  const s = parseSalt(salt);
  const key = memoKey(s, password);
  const known = memo.get(key);
  if (typeof known === 'string') return known;
  const lib = nativeBcrypt();
  const hash = lib ? lib.hashSync(password, s.cost, s.bytes) : bcryptjs.hashSync(password, saltString(s.cost, s.bytes));
  memo.set(key, hash);
  return hash;
}

/**
 * Whether `password` matches a stored bcrypt hash ($2a/b/x/y$). The last 31
 * characters (the hash itself) are compared, not the salt's spelling: a salt
 * written by another tool may set the unused bits of its last character.
 */
export function bcryptMatches(password: string, hash: string): boolean {
  if (!SALT.test(hash) || hash.length !== 60) return false;
  // A hostile or odd file must not make us spin: cost 31 is hours of CPU. The caller treats this as "cannot check".
  if (parseSalt(hash).cost > MAX_COST) throw new Error(`bcrypt cost above ${MAX_COST}`);
  const computed = Buffer.from(bcryptHash(password, hash).slice(29));
  const stored = Buffer.from(hash.slice(29));
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

/** Computes bcrypt(password, salt) off the main thread into the memo; resolves when done (never rejects). */
export function warmBcrypt(password: string, salt: string): Promise<void> {
  const s = parseSalt(salt);
  const key = memoKey(s, password);
  const known = memo.get(key);
  if (known !== undefined) return typeof known === 'string' ? Promise.resolve() : known;
  const lib = nativeBcrypt();
  if (!lib) return Promise.resolve(); // the planner computes it itself
  const pending = lib
    .hash(password, s.cost, s.bytes)
    .then((hash) => void memo.set(key, hash))
    .catch(() => void memo.delete(key));
  memo.set(key, pending);
  return pending;
}
