import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTextCached } from '../../src/file-text-cache.js';

/** Waits until files written now are older than the cache's one-second racy window. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 1100));

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

  it('an append (accept-new recording a key) is seen by the next read', async () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    await settled();
    readTextCached(file);
    appendFileSync(file, 'b ssh-ed25519 BBBB\n');
    expect(readTextCached(file)).toBe('a ssh-ed25519 AAAA\nb ssh-ed25519 BBBB\n');
  });

  it('a rewrite of the same size with the old modification time put back is seen (its change time moved)', async () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    const before = statSync(file);
    await settled(); // older than a second: remembered by its stamp
    expect(readTextCached(file)).toBe('a ssh-ed25519 AAAA\n');
    writeFileSync(file, 'a ssh-ed25519 ZZZZ\n');
    utimesSync(file, before.atime, before.mtime);
    expect(readTextCached(file)).toBe('a ssh-ed25519 ZZZZ\n');
  });

  it('a same-size rewrite in the same clock tick as the read, old times put back, is seen (a racily recent file is never remembered)', () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    const before = statSync(file);
    readTextCached(file);
    writeFileSync(file, 'a ssh-ed25519 YYYY\n');
    utimesSync(file, before.atime, before.mtime);
    expect(readTextCached(file)).toBe('a ssh-ed25519 YYYY\n');
  });

  it('a file replaced by rename (another inode, same size and times) is seen', async () => {
    writeFileSync(file, 'a ssh-ed25519 AAAA\n');
    const before = statSync(file);
    await settled();
    readTextCached(file);
    const other = join(dir, 'new');
    writeFileSync(other, 'a ssh-rsa     RRRR\n');
    utimesSync(other, before.atime, before.mtime);
    renameSync(other, file);
    expect(readTextCached(file)).toBe('a ssh-rsa     RRRR\n');
  });

  it("a file removed after a read is undefined (missing), a directory throws as readFileSync does", () => {
    writeFileSync(file, 'x\n');
    readTextCached(file);
    rmSync(file);
    expect(readTextCached(file)).toBeUndefined();
    expect(() => readTextCached(dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});
