import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bcryptHash, bcryptMatches, deterministicSalt, warmBcrypt } from '../../src/bcrypt.js';
import type { Plan, WriteStep } from '../../src/plan.js';
import { Secret } from '../../src/secret.js';
import { htpasswd } from '../../tasks/htpasswd.js';

const PATH = '/etc/nginx/.htpasswd';
const freshFile = (users: { name: string; password: string }[], path = PATH): string => {
  const p: Plan = htpasswd.plan(htpasswd.schema.parse({ path, users }), { file: { kind: 'absent', lines: [] }, attrs: { exists: false } }, { host: 'h', sshPort: 22 });
  return ((p.changes[0].steps[0] as WriteStep).content as Secret).reveal();
};

/** The native binding, the same module object src/bcrypt.ts loads. */
const native = createRequire(import.meta.url)('@node-rs/bcrypt') as { hashSync: (...a: unknown[]) => string };

afterEach(() => vi.restoreAllMocks());

describe('htpasswd hashes from this controller', () => {
  it('a file made twice from scratch is the same, byte for byte (a rebuilt host gets the same file)', () => {
    const users = [{ name: 'alice', password: 'first-pass-1' }, { name: 'bob', password: 'second-pass-2' }];
    const once = freshFile(users);
    expect(freshFile(users)).toBe(once);
    const [alice, bob] = once.trim().split('\n').map((l) => l.split(':')[1]);
    expect(bcrypt.compareSync('first-pass-1', alice.replace('$2y$', '$2b$'))).toBe(true);
    expect(bcrypt.compareSync('second-pass-2', bob.replace('$2y$', '$2b$'))).toBe(true);
  });

  it('salts differ per user, per file and per cost, and are valid bcrypt salts', () => {
    const salts = [deterministicSalt(PATH, 'alice', 10), deterministicSalt(PATH, 'bob', 10), deterministicSalt('/etc/other', 'alice', 10), deterministicSalt(PATH, 'alice', 12)];
    expect(new Set(salts.map((s) => s.slice(7))).size).toBe(3); // the cost is not part of the 22 salt characters
    expect(salts[3].startsWith('$2b$12$')).toBe(true);
    for (const s of salts) expect(s).toMatch(/^\$2b\$\d\d\$[./A-Za-z0-9]{22}$/);
    // The same password for two users still gives two different hashes.
    const file = freshFile([{ name: 'alice', password: 'same-pass' }, { name: 'bob', password: 'same-pass' }]);
    const [a, b] = file.trim().split('\n').map((l) => l.split(':')[1]);
    expect(a).not.toBe(b);
  });

  it('after warming off the main thread, checking the hash on many hosts computes no more bcrypt', async () => {
    const salt = deterministicSalt(PATH, 'carol', 10);
    await warmBcrypt('warm-pass-3', salt);
    const hashSync = vi.spyOn(native, 'hashSync');
    const jsHashSync = vi.spyOn(bcrypt, 'hashSync');
    const stored = bcryptHash('warm-pass-3', salt).replace('$2b$', '$2y$');
    for (let host = 0; host < 50; host++) {
      expect(bcryptMatches('warm-pass-3', stored)).toBe(true);
      expect(bcryptMatches('wrong-pass', stored)).toBe(false);
    }
    expect(hashSync).toHaveBeenCalledTimes(1); // 'wrong-pass', once: memoised too
    expect(jsHashSync).not.toHaveBeenCalled();
    expect(bcrypt.compareSync('warm-pass-3', stored.replace('$2y$', '$2b$'))).toBe(true);
  });

  it('computes the same hashes as bcryptjs', () => {
    for (const [password, cost] of [['same-as-js', 4], ['ünïcödé pass', 5], ['x'.repeat(72), 4]] as const) {
      const salt = deterministicSalt(PATH, password, cost);
      expect(bcryptHash(password, salt)).toBe(bcrypt.hashSync(password, salt));
    }
  });

  it('does not spend hours on a stored hash with a huge cost: it is reported as not checkable', () => {
    const huge = '$2y$31$' + bcrypt.hashSync('p', 4).slice(7);
    expect(() => bcryptMatches('p', huge)).toThrow(/cost above 17/);
  });

  it('verifies hashes made elsewhere (random salt, $2a$/$2b$/$2y$)', () => {
    const h = bcrypt.hashSync('elsewhere-pass', 4);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      expect(bcryptMatches('elsewhere-pass', h.replace('$2b$', prefix))).toBe(true);
      expect(bcryptMatches('other-pass', h.replace('$2b$', prefix))).toBe(false);
    }
  });
});
