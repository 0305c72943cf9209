import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
// @ts-expect-error no type declarations for the build's .mjs modules
import { patchKex } from '../../scripts/ssh2-x25519.mjs';

/**
 * The bundle hands ssh2's X25519 keys to Node's crypto as raw bytes (JWK) instead of DER
 * (scripts/ssh2-x25519.mjs). The two ways must give the same bytes and the same shared secret,
 * and refuse the same bad keys; the handshakes themselves are checked against OpenSSH's sshd in
 * test/integration/ssh-handshake.test.ts.
 */
const kexFile = createRequire(import.meta.url).resolve('ssh2/lib/protocol/kex.js');

/** ssh2's original DER import of the server's public key (kex.js computeSecret, before the patch). */
function importDer(raw: Buffer) {
  const der = Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]);
  if (raw.length !== 32) der[1] = der.length - 2; // as ssh2's BER writer would frame it
  return createPublicKey({ key: der, type: 'spki', format: 'der' });
}
const importRaw = (raw: Buffer) => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });

describe('X25519 keys as raw bytes instead of DER', () => {
  it('our public key: the same 32 bytes as the DER export\'s tail', () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey } = generateKeyPairSync('x25519');
      const der = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
      expect(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').equals(der)).toBe(true);
    }
  });

  it('the server\'s public key: the same shared secret', () => {
    for (let i = 0; i < 20; i++) {
      const ours = generateKeyPairSync('x25519');
      const theirs = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
      const viaDer = diffieHellman({ privateKey: ours.privateKey, publicKey: importDer(theirs) });
      const viaRaw = diffieHellman({ privateKey: ours.privateKey, publicKey: importRaw(theirs) });
      expect(viaRaw.equals(viaDer)).toBe(true);
    }
  });

  const bad: { name: string; key: Buffer }[] = [
    { name: 'too short (31 bytes)', key: randomBytes(31) },
    { name: 'too long (33 bytes)', key: randomBytes(33) },
    { name: 'empty', key: Buffer.alloc(0) },
  ];
  for (const b of bad) {
    it(`a server key ${b.name} is refused both ways`, () => {
      expect(() => importDer(b.key)).toThrow();
      expect(() => importRaw(b.key)).toThrow();
    });
  }

  it('an all-zero server key (a low-order point): no shared secret either way', () => {
    const ours = generateKeyPairSync('x25519');
    const zero = Buffer.alloc(32);
    const derive = (pub: () => ReturnType<typeof createPublicKey>) => () => diffieHellman({ privateKey: ours.privateKey, publicKey: pub() });
    expect(derive(() => importDer(zero))).toThrow();
    expect(derive(() => importRaw(zero))).toThrow();
  });
});

describe('patchKex: only the installed ssh2 text it knows', () => {
  it('patches exactly the two calls in Curve25519Exchange', () => {
    const text = readFileSync(kexFile, 'utf8');
    const patched: string = patchKex(text);
    expect(patched).toContain("export({ format: 'jwk' })");
    expect(patched).toContain("kty: 'OKP', crv: 'X25519'");
    expect(patched).not.toContain("this._keys.publicKey.export({ type: 'spki', format: 'der' })");
    // Nothing outside the class changes.
    const outside = (t: string) => t.slice(0, t.indexOf('class Curve25519Exchange')) + t.slice(t.indexOf('class ECDHExchange'));
    expect(outside(patched)).toBe(outside(text));
  });

  it('nothing to patch (another ssh2): the build stops', () => {
    expect(() => patchKex('class Curve25519Exchange {}\nclass ECDHExchange {}')).toThrow(/another ssh2 version/);
    expect(() => patchKex('')).toThrow(/no Curve25519Exchange/);
  });
});
