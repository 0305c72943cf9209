import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTextCached } from '../../src/file-text-cache.js';

describe('readTextCached: a file read once per change, never stale', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'text-cache-'));
    file = join(dir, 'known_hosts');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('nothing changed: the same text on every read', () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    expect(readTextCached(file)).toBe('a ssh-ed25519 AAAA\n');
    expect(readTextCached(file)).toBe('a ssh-ed25519 AAAA\n');
  });

  it('an append (accept-new recording a key) is seen by the next read', () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    readTextCached(file);
    appendFileSync(file, 'b ssh-ed25519 BBBB\n');
    expect(readTextCached(file)).toBe('a ssh-ed25519 AAAA\nb ssh-ed25519 BBBB\n');
  });

  it('a rewrite of the same size with the old modification time put back is seen (its change time moved)', () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    const before = statSync(file);
    readTextCached(file);
    writeFileSync(file, 'a ssh-ed25519 ZZZZ\n');
    utimesSync(file, before.atime, before.mtime);
    expect(readTextCached(file)).toBe('a ssh-ed25519 ZZZZ\n');
  });

  it('a file replaced by rename (another inode, same size and times) is seen', () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    const before = statSync(file);
    readTextCached(file);
    const other = join(dir, 'new');
    writeFileSync(other, 'a ssh-rsa     RRRR\n');
    utimesSync(other, before.atime, before.mtime);
    renameSync(other, file);
    expect(readTextCached(file)).toBe('a ssh-rsa     RRRR\n');
  });

  it('a file removed after a read throws as readFileSync does, and a directory too', () => {
    writeFileSync(file, 'x\n');
    readTextCached(file);
    rmSync(file);
    expect(() => readTextCached(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => readTextCached(dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});
