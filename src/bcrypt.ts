import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { controllerKey } from './controller-key.js';

/*
 * bcrypt for htpasswd, fast where it can be. One bcrypt at cost 10 is ~100 ms of
 * CPU in JavaScript, and checking a stored entry means computing one. So:
 * - new hashes get a deterministic salt (from the controller key, the file and
 *   the user), so every host built from this controller holds the same hash;
 * - results are memoised per (salt, password): a run over 50 hosts computes
 *   each user's hash once, not 50 times;
 * - `warmBcrypt` starts that computation on a worker thread before the first host is
 *   even connected, so it overlaps the network instead of following it.
 * The planner stays synchronous and pure: it reads the memo (or computes on a miss).
 */

const memo = new Map<string, string | Promise<void>>();
const memoKey = (salt: string, password: string) => `${salt}\0${password}`;

/** bcryptjs computes $2b$; $2a$/$2x$/$2y$ differ only in historical bugs irrelevant to these inputs, as htpasswd assumes. */
const asB = (s: string) => s.replace(/^\$2[axy]\$/, '$2b$');

/** The salt ("$2b$CC$" + 22 characters) for `user` in the htpasswd file `path` at this cost. */
export function deterministicSalt(path: string, user: string, cost: number): string {
  const seed = createHmac('sha256', controllerKey()).update(`htpasswd\0${path}\0${user}`).digest().subarray(0, 16);
  return `$2b$${String(cost).padStart(2, '0')}$${bcrypt.encodeBase64(seed, 16)}`;
}

/** bcrypt(password, salt), memoised. */
export function bcryptHash(password: string, salt: string): string {
  const key = memoKey(asB(salt), password);
  const known = memo.get(key);
  if (typeof known === 'string') return known;
  const hash = bcrypt.hashSync(password, asB(salt));
  memo.set(key, hash);
  return hash;
}

/** Whether `password` matches a stored bcrypt hash ($2a/b/x/y$). */
export function bcryptMatches(password: string, hash: string): boolean {
  const computed = Buffer.from(bcryptHash(password, hash.slice(0, 29)));
  const stored = Buffer.from(asB(hash));
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

/** Computes bcrypt(password, salt) on a worker thread into the memo; resolves when done (never rejects). */
export function warmBcrypt(password: string, salt: string): Promise<void> {
  const key = memoKey(asB(salt), password);
  const known = memo.get(key);
  if (known !== undefined) return typeof known === 'string' ? Promise.resolve() : known;
  const pending = hashOnWorker(password, asB(salt))
    .then((hash) => void memo.set(key, hash))
    .catch(() => void memo.delete(key)); // the planner computes it itself
  memo.set(key, pending);
  return pending;
}

// --- The worker -----------------------------------------------------------------

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (hash: string) => void; reject: (err: Error) => void }>();

// The worker loads bcryptjs from the installed package (a dependency), by path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ id, password, salt }) => {
  try { parentPort.postMessage({ id, hash: bcrypt.hashSync(password, salt) }); }
  catch (err) { parentPort.postMessage({ id, error: String(err) }); }
});`;

function hashOnWorker(password: string, salt: string): Promise<string> {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: createRequire(import.meta.url).resolve('bcryptjs') } });
    worker.on('message', ({ id, hash, error }: { id: number; hash?: string; error?: string }) => {
      const w = waiting.get(id);
      waiting.delete(id);
      if (waiting.size === 0) worker?.unref();
      if (hash !== undefined) w?.resolve(hash);
      else w?.reject(new Error(error));
    });
    worker.on('error', (err) => {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
      worker = undefined;
    });
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    // Referenced only while it has work: an idle worker never keeps provision running.
    worker!.ref();
    worker!.postMessage({ id, password, salt });
  });
}
