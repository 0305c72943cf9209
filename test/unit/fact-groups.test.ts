import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileGroup, unitGroup } from '../../src/fact-groups.js';
import { fileFact, unitFact } from '../../src/facts.js';
import { factBatch } from '../../src/remote-script.js';

function sh(script: string): string {
  return spawnSync('/bin/sh', ['-s'], { input: script }).stdout.toString();
}

/** Reads facts through a batch, the way the runner does. */
function readAll(facts: ReturnType<typeof fileFact>[]) {
  const batch = factBatch(facts);
  const out = batch.parse(sh(batch.script));
  return facts.map((f) => (out.has(f.key) ? f.parse(out.get(f.key)!) : 'not read'));
}

describe('file facts read as a group', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-group-'));
  writeFileSync(join(dir, 'a.conf'), 'hello');
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'with space | and pipe -> arrow'), 'x');
  mkdirSync(join(dir, 'sub'));
  symlinkSync('/etc/hostname', join(dir, 'link'));
  symlinkSync('target with -> arrow', join(dir, 'odd link'));
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  writeFileSync(join(dir, 'back\\slash'), 'b');
  const paths = ['a.conf', 'missing', 'empty', 'with space | and pipe -> arrow', 'sub', 'link', 'odd link', 'fifo', 'back\\slash', 'sub/missing-too'].map((p) => join(dir, p));

  it('gives every path the same state as its own fact script does', () => {
    const grouped = readAll(paths.map(fileFact));
    const alone = paths.map((p) => readAll([fileFact(p)])[0]);
    expect(grouped).toEqual(alone);
    // And the states are the real ones, not two identical wrong answers.
    expect(grouped[0]).toMatchObject({ exists: true, type: 'file', size: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' });
    expect(grouped[1]).toEqual({ exists: false });
    expect(grouped[2]).toMatchObject({ type: 'file', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(grouped[3]).toMatchObject({ type: 'file', size: 1 });
    expect(grouped[4]).toMatchObject({ type: 'directory' });
    expect(grouped[5]).toEqual({ exists: true, type: 'link', linkTarget: '/etc/hostname' });
    expect(grouped[6]).toEqual({ exists: true, type: 'link', linkTarget: 'target with -> arrow' });
    expect(grouped[7]).toMatchObject({ exists: true, type: 'other' });
    expect(grouped[8]).toMatchObject({ type: 'file', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(grouped[9]).toEqual({ exists: false });
  });

  it('starts one stat and one sha256sum for all paths, not processes per path', () => {
    const batch = factBatch(paths.filter((p) => !p.includes('\\')).map(fileFact));
    expect(batch.script.match(/\bstat\b/g)).toHaveLength(1);
    expect(batch.script.match(/sha256sum/g)).toHaveLength(1);
  });

  it('hashes a file it may read, and reports one it may not read without a hash', () => {
    if (process.getuid?.() === 0) return; // root reads everything; the host tests run this as a login user.
    const secret = join(dir, 'secret');
    writeFileSync(secret, 's');
    chmodSync(secret, 0o000);
    expect(readAll([fileFact(secret), fileFact(join(dir, 'a.conf'))])[0]).toMatchObject({ exists: true, type: 'file', sha256: '' });
  });

  it('does not trust a stat record that names another path', () => {
    const out = fileGroup.split('/x\nregular file|644|root|root|1|\n/x\n--provision-sha256--\n', ['/y', '/x']);
    expect(out.get('/y')).toEqual({ stdout: 'absent', exitCode: 0 });
    expect(out.get('/x')?.stdout).toBe('regular file|644|root|root|1|');
  });
});

describe('unit facts read as a group', () => {
  const names = ['nginx.service', 'nosuch.service', 'certbot.timer'];
  const show = [
    'LoadState=loaded\nActiveState=active\nUnitFileState=enabled',
    'LoadState=not-found\nActiveState=inactive\nUnitFileState=',
    'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled',
  ].join('\n\n');

  it('gives each unit its block of `systemctl show`, in order', () => {
    const out = unitGroup.split(`${show}\n`, names);
    const states = names.map((n) => unitFact(n).parse(out.get(n)!));
    expect(states).toEqual([
      { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' },
      { loadState: 'not-found', activeState: 'inactive', unitFileState: '' },
      { loadState: 'loaded', activeState: 'inactive', unitFileState: 'disabled' },
    ]);
  });

  it('reads no output (no systemd) as every unit not found, like the single fact', () => {
    const out = unitGroup.split('', names);
    expect(names.map((n) => unitFact(n).parse(out.get(n)!))).toEqual(names.map(() => ({ loadState: 'not-found', activeState: 'inactive', unitFileState: '' })));
  });

  // A stand-in systemctl that behaves as systemd 252's does: blocks in order, and at a template
  // name ("worker@.service") an error and exit 1, without the units after it. It logs each call.
  const bin = mkdtempSync(join(tmpdir(), 'provision-systemctl-'));
  writeFileSync(
    join(bin, 'systemctl'),
    [
      '#!/bin/sh',
      'echo call >> "$(dirname "$0")/calls"',
      'shift 2 # show --property=...',
      '[ "$1" = -- ] && shift',
      'first=1',
      'for u do',
      '  case "$u" in *@.*) echo "Failed to get properties: Unit name $u is not valid." >&2; exit 1 ;; esac',
      '  [ $first = 1 ] || echo',
      '  first=0',
      '  printf "LoadState=loaded\\nActiveState=active\\nUnitFileState=enabled\\n"',
      'done',
    ].join('\n'),
    { mode: 0o755 },
  );
  /** Reads unit facts through a batch with the stand-in; returns their states and the number of systemctl calls. */
  const readUnits = (unitNames: string[]) => {
    rmSync(join(bin, 'calls'), { force: true });
    const units = unitNames.map(unitFact);
    const batch = factBatch(units);
    const r = spawnSync('/bin/sh', ['-s'], { input: batch.script, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const out = batch.parse(r.stdout.toString());
    const calls = readFileSync(join(bin, 'calls'), 'utf8').split('\n').filter(Boolean).length;
    return { states: units.map((u) => (out.has(u.key) ? u.parse(out.get(u.key)!) : 'not read')), calls };
  };
  const loaded = { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' };

  it('reads all units of a batch with one systemctl call', () => {
    expect(readUnits(['ssh.service', 'cron.service', 'nginx.service'])).toEqual({ states: [loaded, loaded, loaded], calls: 1 });
  });

  it('reads each unit on its own when systemctl refuses one name (it stops there): the refused one as not found', () => {
    expect(readUnits(['ssh.service', 'worker@.service', 'cron.service'])).toEqual({
      states: [loaded, { loadState: 'not-found', activeState: 'inactive', unitFileState: '' }, loaded],
      calls: 4,
    });
  });

  it('trusts no block when their count is not the count of units', () => {
    expect(unitGroup.split('LoadState=loaded\n\nLoadState=loaded', names).size).toBe(0);
  });
});
