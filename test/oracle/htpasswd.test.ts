// htpasswd files made by Apache's own `htpasswd`, run through the task's real
// fact script, planner and write script (with sh, on this machine), then checked
// with `htpasswd -v`: users the task manages log in with their new passwords, and
// every line it does not manage (Latin-1 and UTF-8 names, CRLF lines, comments,
// other hash schemes) is still there byte for byte and still logs in.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts.js';
import type { WriteStep } from '../../src/plan.js';
import { stepsScript } from '../../src/remote-script.js';
import { Secret } from '../../src/secret.js';
import { htpasswd, htpasswdFact } from '../../tasks/htpasswd.js';

const hasHtpasswd = spawnSync('htpasswd', ['-nbB', 'x', 'y']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'provision-htpasswd-oracle-'));

// Every troublesome character a password can hold.
const OLD = { alice: `old 'a' "b" $HOME \`id\` @:/#`, joerg: `j\xf6rg's $pw #1`, zoe: 'zoë:@/ `x`', bob: 'bob-apr1 $1', carol: 'carol sha #' };
const NEW_ALICE = `new 'q' "d" $(rm) \`x\` @host:/path #frag`;

/** A hash made by Apache's htpasswd (-B bcrypt, -m apr1, -s SHA) for `password`. */
function apacheHash(flag: string, password: string): string {
  const out = execFileSync('htpasswd', ['-nb', flag, 'x', password], { encoding: 'utf8' }).trim();
  return out.slice(out.indexOf(':') + 1);
}

/** `htpasswd -vb FILE USER PASSWORD`, the user name given as raw bytes (a Latin-1 name is not UTF-8). */
function verifies(file: string, user: Buffer, password: string): boolean {
  const r = spawnSync('sh', ['-c', 'htpasswd -vb "$1" "$(printf "$2")" "$3"', 'sh', file, [...user].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join(''), password]);
  return r.status === 0;
}

function factOf(file: string) {
  const f = htpasswdFact(file);
  const out = execFileSync('sh', ['-c', f.script], { encoding: 'utf8' });
  return f.parse({ stdout: out, exitCode: 0 });
}

function statOf(file: string): FileState {
  const [mode, owner, group, size] = execFileSync('stat', ['-c', '%a|%U|%G|%s', file], { encoding: 'utf8' }).trim().split('|');
  return { exists: true, type: 'file', mode: mode.padStart(4, '0'), owner, group, size: Number(size), sha256: 'x' };
}

/** Plans the task against the file and, if it changes anything, runs the write script on it. */
function apply(file: string, users: Record<string, unknown>[], extra: Record<string, unknown> = {}): string[] {
  const args = htpasswd.schema.parse({ path: file, users, ...extra });
  const plan = htpasswd.plan(args, { file: factOf(file), attrs: statOf(file) }, { host: 'oracle', sshPort: 22 });
  const steps = plan.changes.flatMap((c) => c.steps);
  if (steps.length) execFileSync('sh', ['-s'], { input: stepsScript(steps) });
  return plan.changes.flatMap((c) => (c.diff?.kind === 'lines' ? c.diff.lines : []));
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe.skipIf(!hasHtpasswd)('htpasswd against Apache htpasswd -v', () => {
  it('keeps lines it does not manage byte for byte (Latin-1 and UTF-8 names, CRLF, comments) and they still log in', () => {
    const file = join(dir, 'mixed');
    const unmanaged = [
      Buffer.concat([latin1('j\xf6rg:'), Buffer.from(apacheHash('-B', OLD.joerg)), Buffer.from('\n')]),
      Buffer.concat([utf8('zoë:'), Buffer.from(apacheHash('-m', OLD.zoe)), Buffer.from('\r\n')]),
      Buffer.from(`# a comment with bytes \xe9\xff\n`, 'latin1'),
      Buffer.from(`bob:${apacheHash('-m', OLD.bob)}\r\n`),
      Buffer.from(`carol:${apacheHash('-s', OLD.carol)}\n`),
    ];
    writeFileSync(file, Buffer.concat([Buffer.from(`alice:${apacheHash('-B', OLD.alice)}\r\n`), ...unmanaged]));

    const diff = apply(file, [{ name: 'alice', password: new Secret(NEW_ALICE) }, { name: 'dave', password: 'dave pw $x' }]);
    expect(diff).toEqual(['~ user alice (password changed)', '+ user dave']);

    const after = readFileSync(file);
    for (const line of unmanaged) expect(after.includes(line), line.toString('latin1')).toBe(true);
    expect(verifies(file, utf8('alice'), NEW_ALICE)).toBe(true);
    expect(verifies(file, utf8('alice'), OLD.alice)).toBe(false);
    expect(verifies(file, utf8('dave'), 'dave pw $x')).toBe(true);
    expect(verifies(file, latin1('j\xf6rg'), OLD.joerg)).toBe(true);
    expect(verifies(file, utf8('zoë'), OLD.zoe)).toBe(true);
    expect(verifies(file, utf8('bob'), OLD.bob)).toBe(true);
    expect(verifies(file, utf8('carol'), OLD.carol)).toBe(true);
    // alice's line was CRLF: it stays CRLF.
    expect(after.toString('latin1')).toMatch(/^alice:\$2y\$[^\r\n]+\r\n/);

    // A second run: nothing to do, the file is unchanged.
    expect(apply(file, [{ name: 'alice', password: NEW_ALICE }, { name: 'dave', password: 'dave pw $x' }])).toEqual([]);
    expect(readFileSync(file).equals(after)).toBe(true);
  });

  it('an entry on a CRLF line that already verifies is left alone (not rehashed every run)', () => {
    const file = join(dir, 'crlf');
    const original = Buffer.from(`alice:${apacheHash('-B', OLD.alice)}\r\nbob:${apacheHash('-m', OLD.bob)}\r\n`);
    writeFileSync(file, original);
    expect(apply(file, [{ name: 'alice', password: OLD.alice }, { name: 'bob', password: OLD.bob }])).toEqual([]);
    expect(readFileSync(file).equals(original)).toBe(true);
  });

  it('exclusive removes an unlisted Latin-1 user, naming it readably, and keeps the rest', () => {
    const file = join(dir, 'exclusive');
    const keep = Buffer.from(`alice:${apacheHash('-B', OLD.alice)}\n`);
    writeFileSync(file, Buffer.concat([keep, latin1('j\xf6rg:'), Buffer.from(`${apacheHash('-B', OLD.joerg)}\n`)]));
    const diff = apply(file, [{ name: 'alice', password: OLD.alice }], { exclusive: true });
    expect(diff).toEqual(['- user j\\xf6rg (not listed)']);
    expect(readFileSync(file).equals(keep)).toBe(true);
    expect(verifies(file, latin1('j\xf6rg'), OLD.joerg)).toBe(false);
    expect(verifies(file, utf8('alice'), OLD.alice)).toBe(true);
  });

  it('the write script never carries a password or hash in clear (base64 on stdin only)', () => {
    const file = join(dir, 'script');
    writeFileSync(file, `alice:${apacheHash('-B', OLD.alice)}\n`);
    const args = htpasswd.schema.parse({ path: file, users: [{ name: 'alice', password: NEW_ALICE }] });
    const plan = htpasswd.plan(args, { file: factOf(file), attrs: statOf(file) }, { host: 'oracle', sshPort: 22 });
    const script = stepsScript(plan.changes[0].steps);
    expect(script).not.toContain(NEW_ALICE);
    expect(script).not.toContain('$2y$');
    expect((plan.changes[0].steps[0] as WriteStep).encoding).toBe('latin1');
  });
});
