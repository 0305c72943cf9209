import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { signsWithDecodedKey } from '../../src/ssh/auth.js';

/** Keys made by ssh-keygen; each signature made with the key decoded once must be the one ssh2 makes (or verify with it, for ECDSA, whose signatures are randomised). */
const dir = mkdtempSync(join(tmpdir(), 'provision-sign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(type: string, bits?: string): string {
  const file = join(dir, `${type}${bits ?? ''}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-f', file]);
  return readFileSync(file, 'utf8');
}

const parse = (text: string): ParsedKey => ssh2.utils.parseKey(text) as ParsedKey;
const data = Buffer.from('session id and the userauth request: "quotes" $ ` @ : / # spaces');

describe('signing with a key decoded once', () => {
  it.each([
    { type: 'ed25519', hashes: [undefined], deterministic: true },
    { type: 'rsa', bits: '2048', hashes: [undefined, 'sha256', 'sha512', 'sha1'], deterministic: true },
    { type: 'ecdsa', bits: '256', hashes: [undefined], deterministic: false },
    { type: 'ecdsa', bits: '384', hashes: [undefined], deterministic: false },
  ])('$type $bits', ({ type, bits, hashes, deterministic }) => {
    const text = keyFile(type, bits);
    const ssh2Own = parse(text);
    const ours = parse(text);
    expect(signsWithDecodedKey(ours)).toBe(true);
    for (const hash of hashes) {
      const signature = ours.sign(data, hash);
      expect(signature).toBeInstanceOf(Buffer);
      if (deterministic) expect(signature.toString('base64')).toBe(ssh2Own.sign(data, hash).toString('base64'));
      expect(ssh2Own.verify(data, signature, hash)).toBe(true);
      expect(ssh2Own.verify(Buffer.from('other data'), signature, hash)).toBe(false);
    }
  });

  it('nothing to do: a public key has no private PEM and keeps ssh2\'s own sign', () => {
    const pub = parse(readFileSync(join(dir, 'ed25519.pub'), 'utf8'));
    const before = pub.sign;
    expect(signsWithDecodedKey(pub)).toBe(false);
    expect(pub.sign).toBe(before);
  });
});
