import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FileState } from '../../../src/facts.js';
import type { Plan, WriteStep } from '../../../src/plan.js';
import { isSecret, Secret } from '../../../src/secret.js';
import { apr1, htpasswd, htpasswdFact, verifyHash, type HtpasswdFile } from '../../../tasks/htpasswd.js';
import { getTaskType } from '../../../tasks/index.js';

const ctx = { host: 'web1', sshPort: 22 };
const PATH = '/etc/nginx/.htpasswd';
const args = (a: Record<string, unknown>) => htpasswd.schema.parse({ path: PATH, ...a });
const plan = (a: Record<string, unknown>, lines: string[] | null, attrs: Partial<FileState> = {}): Plan =>
  htpasswd.plan(
    args(a),
    {
      file: lines === null ? { kind: 'absent', lines: [] } : { kind: 'file', lines },
      attrs: lines === null ? { exists: false } : { exists: true, type: 'file', mode: '0640', owner: 'root', group: 'www-data', size: 1, sha256: 'x', ...attrs },
    },
    ctx,
  );
const writeOf = (p: Plan): WriteStep => p.changes[0].steps.find((s): s is WriteStep => s.kind === 'write')!;
const contentOf = (p: Plan): string => {
  const c = writeOf(p).content;
  expect(isSecret(c)).toBe(true);
  return (c as Secret).reveal();
};
const diffLines = (p: Plan): string[] => p.changes.flatMap((c) => (c.diff?.kind === 'lines' ? c.diff.lines : []));

// Hashes as made by Debian 12's htpasswd (apache2-utils) for the password "secretpw".
const BCRYPT_SECRETPW = '$2y$05$nXvb22RvBCZSqB.BbBfsDON4GOkOk8zEua4PeuQ1XS4ALT2mMuNny';
const APR1_SECRETPW = '$apr1$byAf4emu$BRx/xmaW4J2IY54QGjfl40';
const SHA_SECRETPW = '{SHA}ZP3rbRcrbmduZRGkzG2Nm6ZUH08=';
const ALICE_PW = 'alice-Pa55word!';
const BOB_PW = 'bob-0ther-pass';
const aliceHash = bcrypt.hashSync(ALICE_PW, 4).replace('$2b$', '$2y$');
const bobHash = bcrypt.hashSync(BOB_PW, 4).replace('$2b$', '$2y$');
const attrs = { owner: 'root', group: 'www-data', mode: '0640' };
const users = [
  { name: 'alice', password: ALICE_PW },
  { name: 'bob', password: BOB_PW },
];

describe('htpasswd schema', () => {
  it('is registered and its example parses', () => {
    expect(getTaskType('htpasswd')).toBe(htpasswd);
    const [task] = parse(htpasswd.example);
    // The example uses a variable; once rendered it is a string.
    const a = { ...task.htpasswd, users: task.htpasswd.users.map((u: Record<string, unknown>) => (u.password ? { ...u, password: 'from-vars' } : u)) };
    expect(htpasswd.schema.safeParse(a).success).toBe(true);
  });

  it('every field is described', () => {
    const shape = (htpasswd.schema as any).shape;
    for (const [k, v] of Object.entries(shape)) expect((v as any).description, k).toBeTruthy();
    for (const [k, v] of Object.entries((shape.users as any).element.shape)) expect((v as any).description, `users.${k}`).toBeTruthy();
  });

  it('wraps passwords as secrets (plain string or !secret)', () => {
    const a = args({ users: [{ name: 'alice', password: 'pw-plain' }, { name: 'bob', password: new Secret('pw-tagged') }] });
    expect(a.users.every((u) => isSecret(u.password))).toBe(true);
    expect(JSON.stringify(a)).not.toMatch(/pw-plain|pw-tagged/);
    expect(a).toMatchObject({ exclusive: false, cost: 10 });
  });

  it.each([
    [{ path: 'etc/htpasswd', users }, 'path'],
    [{ path: '/etc/../shadow', users }, 'path'],
    [{ path: PATH, users: [{ name: 'al:ice', password: 'x1234' }] }, 'users.0.name'],
    [{ path: PATH, users: [{ name: 'alice\nroot', password: 'x1234' }] }, 'users.0.name'],
    [{ path: PATH, users: [{ name: 'al ice', password: 'x1234' }] }, 'users.0.name'],
    [{ path: PATH, users: [{ name: '', password: 'x1234' }] }, 'users.0.name'],
    [{ path: PATH, users: [{ name: 'alice' }] }, 'users.0.password'],
    [{ path: PATH, users: [{ name: 'alice', password: '' }] }, 'users.0.password'],
    [{ path: PATH, users: [{ name: 'alice', password: 'x'.repeat(73) }] }, 'users.0.password'],
    [{ path: PATH, users: [{ name: 'alice', password: 'a' }, { name: 'alice', password: 'b' }] }, 'users.1.name'],
    [{ path: PATH, users: [] }, 'users'],
    [{ path: PATH, users, mode: '999' }, 'mode'],
    [{ path: PATH, users, owner: 'root; reboot' }, 'owner'],
    [{ path: PATH, users, cost: 3 }, 'cost'],
    [{ path: PATH, users, hash: 'md5' }, ''],
  ])('rejects %j', (a, field) => {
    const r = htpasswd.schema.safeParse(a);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('never puts the password in an error message', () => {
    const r = htpasswd.schema.safeParse({ path: PATH, users: [{ name: 'alice', password: 'too-long-secret-'.repeat(5) }] });
    expect(JSON.stringify(r.error!.issues)).not.toContain('too-long-secret-');
  });
});

describe('htpasswd hashes', () => {
  it('verifies bcrypt ($2y$, $2b$), apr1 and {SHA} entries as htpasswd makes them', () => {
    expect(verifyHash('secretpw', BCRYPT_SECRETPW)).toBe(true);
    expect(verifyHash('wrong', BCRYPT_SECRETPW)).toBe(false);
    expect(verifyHash('secretpw', BCRYPT_SECRETPW.replace('$2y$', '$2b$'))).toBe(true);
    expect(apr1('secretpw', 'byAf4emu')).toBe(APR1_SECRETPW);
    expect(verifyHash('secretpw', APR1_SECRETPW)).toBe(true);
    expect(verifyHash('wrong', APR1_SECRETPW)).toBe(false);
    expect(verifyHash('secretpw', SHA_SECRETPW)).toBe(true);
    expect(verifyHash('wrong', SHA_SECRETPW)).toBe(false);
    expect(verifyHash('secretpw', 'abJnggxhB/yWI')).toBeNull(); // crypt(): cannot tell
    expect(verifyHash('secretpw', 'secretpw')).toBeNull(); // plain text
  });

  it('answers from memory for a hash checked before (every host of a fleet), never for another password', () => {
    const tricky = `p'a"s$s\`w@r:d/#x y`;
    const hash = bcrypt.hashSync(tricky, 4).replace(/^\$2[ab]\$/, '$2y$');
    for (let host = 0; host < 3; host++) {
      expect(verifyHash(tricky, hash)).toBe(true);
      expect(verifyHash(`${tricky} `, hash)).toBe(false);
      expect(verifyHash('wrong', hash)).toBe(false);
    }
    // The same password against another user's hash (another salt) is checked on its own.
    expect(verifyHash(tricky, bcrypt.hashSync('other', 4).replace(/^\$2[ab]\$/, '$2y$'))).toBe(false);
  });

  it('the fact reads the file exactly (base64), and tells absent from other', () => {
    const f = htpasswdFact("/etc/nginx/it's");
    expect(f.script).toContain(`'/etc/nginx/it'\\''s'`);
    const text = `alice:${aliceHash}\n# note\nbob:${bobHash}\n`;
    expect(f.parse({ stdout: `file\n${Buffer.from(text).toString('base64')}`, exitCode: 0 })).toEqual<HtpasswdFile>({ kind: 'file', lines: [`alice:${aliceHash}`, '# note', `bob:${bobHash}`] });
    expect(f.parse({ stdout: 'absent', exitCode: 0 })).toEqual({ kind: 'absent', lines: [] });
    expect(f.parse({ stdout: 'other', exitCode: 0 })).toEqual({ kind: 'other', lines: [] });
    expect(f.parse({ stdout: 'unreadable', exitCode: 0 })).toEqual({ kind: 'unreadable', lines: [] });
    expect(f.parse({ stdout: 'file\n', exitCode: 1 })).toEqual({ kind: 'unreadable', lines: [] });
  });
});

describe('htpasswd plan', () => {
  it('creates the file with bcrypt (cost 10) entries, owner and mode; the diff names users only', () => {
    const p = plan({ users, ...attrs }, null);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0].summary).toBe(`create ${PATH}: add alice, add bob`);
    expect(diffLines(p)).toEqual([`+ file ${PATH} (mode 0640, owner root:www-data)`, '+ user alice', '+ user bob']);
    const w = writeOf(p);
    expect(w).toMatchObject({ kind: 'write', path: PATH, mode: '0640', owner: 'root', group: 'www-data' });
    const lines = contentOf(p).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^alice:\$2y\$10\$/);
    expect(lines[1]).toMatch(/^bob:\$2y\$10\$/);
    expect(lines[2]).toBe('');
    expect(verifyHash(ALICE_PW, lines[0].slice(6))).toBe(true);
    expect(verifyHash(BOB_PW, lines[1].slice(4))).toBe(true);
  });

  it('nothing to do when every hash verifies and the attributes match', () => {
    const p = plan({ users, ...attrs }, [`alice:${aliceHash}`, `bob:${bobHash}`]);
    expect(p.changes).toEqual([]);
    expect(p.ok).toBe(`${PATH}: alice up to date, bob up to date`);
  });

  it('accepts existing apr1 and {SHA} entries that verify', () => {
    const p = plan({ users: [{ name: 'u1', password: 'secretpw' }, { name: 'u2', password: 'secretpw' }, { name: 'u3', password: 'secretpw' }] }, [`u1:${APR1_SECRETPW}`, `u2:${SHA_SECRETPW}`, `u3:${BCRYPT_SECRETPW}`]);
    expect(p.changes).toEqual([]);
  });

  it('changes only the entry whose password differs, keeping the others byte for byte', () => {
    const p = plan({ users: [{ name: 'alice', password: ALICE_PW }, { name: 'bob', password: 'new-bob-pass' }] }, [`carol:${BCRYPT_SECRETPW}`, `alice:${aliceHash}`, `bob:${bobHash}`]);
    expect(diffLines(p)).toEqual(['~ user bob (password changed)']);
    expect(p.changes[0].summary).toBe(`update ${PATH}: change bob's password`);
    const lines = contentOf(p).split('\n');
    expect(lines[0]).toBe(`carol:${BCRYPT_SECRETPW}`);
    expect(lines[1]).toBe(`alice:${aliceHash}`);
    expect(verifyHash('new-bob-pass', lines[2].slice(4))).toBe(true);
  });

  it('rehashes an entry it cannot verify (crypt, plain text)', () => {
    const p = plan({ users: [{ name: 'alice', password: ALICE_PW }] }, ['alice:abJnggxhB/yWI']);
    expect(diffLines(p)).toEqual(['~ user alice (stored hash cannot be verified here: rehashed with bcrypt)']);
  });

  it('removes users set absent; nothing to do when already gone', () => {
    const p = plan({ users: [{ name: 'bob', state: 'absent' }] }, [`alice:${aliceHash}`, `bob:${bobHash}`]);
    expect(diffLines(p)).toEqual(['- user bob']);
    expect(contentOf(p)).toBe(`alice:${aliceHash}\n`);
    expect(plan({ users: [{ name: 'bob', state: 'absent' }] }, [`alice:${aliceHash}`]).changes).toEqual([]);
    expect(plan({ users: [{ name: 'bob', state: 'absent' }] }, null).changes).toEqual([]);
  });

  it('exclusive removes users not listed (comments stay); without it they are kept', () => {
    const lines = ['# managed by hand', `carol:${BCRYPT_SECRETPW}`, `alice:${aliceHash}`];
    const p = plan({ users: [{ name: 'alice', password: ALICE_PW }], exclusive: true }, lines);
    expect(diffLines(p)).toEqual(['- user carol (not listed)']);
    expect(contentOf(p)).toBe(`# managed by hand\nalice:${aliceHash}\n`);
    expect(plan({ users: [{ name: 'alice', password: ALICE_PW }] }, lines).changes).toEqual([]);
  });

  it('drops a repeated entry of a managed user (only the first counts)', () => {
    const p = plan({ users: [{ name: 'alice', password: ALICE_PW }] }, [`alice:${aliceHash}`, `alice:${BCRYPT_SECRETPW}`]);
    expect(diffLines(p)).toEqual(['- user alice (repeated entry)']);
    expect(contentOf(p)).toBe(`alice:${aliceHash}\n`);
  });

  it('only fixes owner and mode when the entries are right', () => {
    const p = plan({ users, ...attrs }, [`alice:${aliceHash}`, `bob:${bobHash}`], { group: 'root', mode: '0644' });
    expect(p.changes[0].steps).toEqual([
      { kind: 'run', command: `chown root:www-data -- ${PATH}` },
      { kind: 'run', command: `chmod 0640 -- ${PATH}` },
    ]);
  });

  it('content and attributes together: one atomic write, both named in the diff', () => {
    const p = plan({ users, ...attrs }, [`alice:${aliceHash}`], { group: 'root', mode: '0644' });
    expect(p.changes[0].steps.map((s) => s.kind)).toEqual(['write']);
    expect(diffLines(p)).toEqual(['~ owner: root:root -> root:www-data', '~ mode: 0644 -> 0640', '+ user bob']);
  });

  it('refuses to plan from a file it cannot read (it would drop the users it did not see)', () => {
    expect(() => htpasswd.plan(args({ users }), { file: { kind: 'unreadable', lines: [] }, attrs: { exists: true, type: 'file', owner: 'root', group: 'www-data', mode: '0640' } }, ctx)).toThrow(
      `cannot read ${PATH} (owner root:www-data, mode 0640): run this task with become: true`,
    );
  });

  it('refuses a path that is not a regular file', () => {
    expect(() => htpasswd.plan(args({ users }), { file: { kind: 'other', lines: [] }, attrs: { exists: true, type: 'directory' } }, ctx)).toThrow(/not a regular file/);
  });

  it('never shows a password or a hash in summaries, diffs or the plan as JSON', () => {
    const stored = [`alice:${aliceHash}`, `bob:${bobHash}`, `carol:${BCRYPT_SECRETPW}`, `dave:${APR1_SECRETPW}`];
    const plans = [
      plan({ users: [{ name: 'alice', password: 'alice-NEW-pw' }, { name: 'bob', password: BOB_PW }, { name: 'erin', password: 'erin-pw-123' }], exclusive: true, ...attrs }, stored, { mode: '0600' }),
      plan({ users, ...attrs }, null),
      plan({ users: [{ name: 'carol', state: 'absent' }] }, stored),
    ];
    for (const p of plans) {
      const shown = JSON.stringify({ summaries: p.changes.map((c) => c.summary), diffs: p.changes.map((c) => c.diff) });
      const whole = JSON.stringify(p);
      for (const text of [shown, whole]) {
        for (const secret of [ALICE_PW, BOB_PW, 'alice-NEW-pw', 'erin-pw-123', aliceHash, bobHash, BCRYPT_SECRETPW, APR1_SECRETPW, '$2y$', '$2b$', '$apr1$']) {
          expect(text).not.toContain(secret);
        }
      }
    }
  });
});
