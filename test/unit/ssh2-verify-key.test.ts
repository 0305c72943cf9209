import { execFileSync } from 'node:child_process';
import { createPublicKey, KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error no type declarations for the build's .mjs modules
import { patchKeyParser, sshPublicKeyJwk } from '../../scripts/ssh2-verify-key.mjs';
import { compileAs, installed } from '../support/patched-module.js';

/**
 * The bundle's ssh2 verifies host key signatures with a KeyObject made once per key from its raw
 * numbers, not its PEM (scripts/ssh2-verify-key.mjs). ssh2's own keyParser.js is the oracle:
 * for each key type, every signature (right, tampered, by another key, over other data, of
 * another hash, garbage) gets the same answer from the patched module as from ssh2's, and the
 * wrong ones are refused. Keys come from ssh-keygen; host keys reach verify() as in the key
 * exchange (kex.js: parseDERKey of the key blob the server sent).
 */
const keyParserJs = installed('ssh2/lib/protocol/keyParser.js');
type Key = {
  verify(data: Buffer, signature: Buffer, algo?: string): boolean | Error;
  sign(data: Buffer, algo?: string): Buffer | Error;
  getPublicSSH(): Buffer;
  getPublicPEM(): string;
};
type KeyParser = { parseKey(text: string): Key | Key[] | Error; parseDERKey(data: Buffer, type: string): Key | Error };
const ssh2Own = compileAs(keyParserJs.file, keyParserJs.text) as unknown as KeyParser;
const patched = compileAs(keyParserJs.file, patchKeyParser(keyParserJs.text)) as unknown as KeyParser;

const dir = mkdtempSync(join(tmpdir(), 'provision-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let made = 0;
/** A new key pair from ssh-keygen: the private key file's text and the public line. */
function keygen(type: string, bits?: string, format?: string): { priv: string; pub: string; file: string } {
  const file = join(dir, `key${made++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), ...(format ? ['-m', format] : []), '-N', '', '-f', file]);
  return { priv: readFileSync(file, 'utf8'), pub: readFileSync(`${file}.pub`, 'utf8').trim(), file };
}

const one = <T>(k: T | T[] | Error): T => {
  if (k instanceof Error) throw k;
  return Array.isArray(k) ? k[0] : k;
};

/** A public key blob as the server sends it, parsed as kex.js parses it. */
function hostKey(parser: KeyParser, blob: Buffer): Key {
  const nameLength = blob.readUInt32BE(0);
  return one(parser.parseDERKey(blob.subarray(4 + nameLength), blob.toString('latin1', 4, 4 + nameLength)));
}

const outcome = (r: unknown): string => (r === true ? 'valid' : r === false ? 'invalid' : r instanceof Error ? 'error' : `other: ${String(r)}`);
const keyObjectOf = (key: Key): unknown => {
  const symbol = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Public key object');
  return symbol && (key as unknown as Record<symbol, unknown>)[symbol];
};
const spkiDer = (k: KeyObject | string): string => (typeof k === 'string' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' }).toString('hex');

function flipBit(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] ^= 0x01;
  return c;
}

const data = Buffer.from('the exchange hash "quotes" $ ` @ : / # spaces');
const otherData = Buffer.from('another exchange hash');

const keyTypes = [
  { name: 'ed25519', type: 'ed25519', hashes: [undefined] },
  { name: 'ecdsa 256', type: 'ecdsa', bits: '256', hashes: [undefined] },
  { name: 'ecdsa 384', type: 'ecdsa', bits: '384', hashes: [undefined] },
  { name: 'ecdsa 521', type: 'ecdsa', bits: '521', hashes: [undefined] },
  { name: 'rsa 2048 (ssh-rsa, rsa-sha2-256, rsa-sha2-512)', type: 'rsa', bits: '2048', hashes: [undefined, 'sha256', 'sha512'] },
  { name: 'rsa 3072', type: 'rsa', bits: '3072', hashes: ['sha256', 'sha512'] },
];

describe('host key signatures: the same answer as ssh2, the wrong ones refused', () => {
  for (const t of keyTypes) {
    it(t.name, () => {
      const signer = one(ssh2Own.parseKey(keygen(t.type, t.bits).priv));
      const stranger = one(ssh2Own.parseKey(keygen(t.type, t.bits).priv));
      const blob = signer.getPublicSSH();
      for (const hash of t.hashes) {
        const right = signer.sign(data, hash) as Buffer;
        const cases: { name: string; signature: Buffer; over?: Buffer; verifyHash?: string; valid: boolean }[] = [
          { name: 'the signature', signature: right, valid: true },
          { name: 'one bit flipped', signature: flipBit(right, right.length >> 1), valid: false },
          { name: 'its last bit flipped', signature: flipBit(right, right.length - 1), valid: false },
          { name: 'by another key', signature: stranger.sign(data, hash) as Buffer, valid: false },
          { name: 'over other data', signature: right, over: otherData, valid: false },
          { name: 'random bytes', signature: randomBytes(right.length), valid: false },
          { name: 'empty', signature: Buffer.alloc(0), valid: false },
          ...(hash ? [{ name: 'checked with another hash', signature: right, verifyHash: hash === 'sha256' ? 'sha512' : 'sha256', valid: false }] : []),
        ];
        for (const c of cases) {
          // A fresh parse per check (one per connection in the key exchange) and one kept across checks.
          for (const key of [hostKey(patched, blob), hostKey(patched, blob)]) {
            const ours = outcome(key.verify(c.over ?? data, c.signature, c.verifyHash ?? hash));
            const theirs = outcome(hostKey(ssh2Own, blob).verify(c.over ?? data, c.signature, c.verifyHash ?? hash));
            expect({ case: c.name, hash, ours }).toEqual({ case: c.name, hash, ours: theirs });
            expect({ case: c.name, hash, valid: ours === 'valid' }).toEqual({ case: c.name, hash, valid: c.valid });
          }
        }
      }
      // The key object used is the key the PEM holds, made from the raw numbers.
      const key = hostKey(patched, blob);
      key.verify(data, Buffer.alloc(0));
      const keyObject = keyObjectOf(key);
      expect(keyObject).toBeInstanceOf(KeyObject);
      expect(spkiDer(keyObject as KeyObject)).toBe(spkiDer(key.getPublicPEM()));
    });
  }

  it('nothing to do for DSA: verified from its PEM, as ssh2 does', () => {
    const signer = one(ssh2Own.parseKey(keygen('dsa').priv));
    const key = hostKey(patched, signer.getPublicSSH());
    const right = signer.sign(data) as Buffer;
    expect(outcome(key.verify(data, right))).toBe(outcome(hostKey(ssh2Own, signer.getPublicSSH()).verify(data, right)));
    expect(key.verify(data, flipBit(right, right.length >> 1))).not.toBe(true);
    expect(keyObjectOf(key)).toBe(key.getPublicPEM());
  });
});

describe('every way ssh2 reads a key gives the key its PEM holds', () => {
  const forms = [
    { name: 'ed25519, OpenSSH private key and public line', type: 'ed25519' },
    { name: 'ecdsa 384, OpenSSH private key and public line', type: 'ecdsa', bits: '384' },
    { name: 'ecdsa 521, PEM private key (SEC1)', type: 'ecdsa', bits: '521', format: 'PEM' },
    { name: 'rsa 2048, PEM private key (PKCS#1) and RFC 4716 public key', type: 'rsa', bits: '2048', format: 'PEM', rfc4716: true },
    { name: 'rsa 4096, OpenSSH private key', type: 'rsa', bits: '4096' },
  ];
  for (const f of forms) {
    it(f.name, () => {
      const k = keygen(f.type, f.bits, f.format);
      const texts = [k.priv, k.pub, ...(f.rfc4716 ? [execFileSync('ssh-keygen', ['-e', '-f', `${k.file}.pub`], { encoding: 'utf8' })] : [])];
      const signature = one(ssh2Own.parseKey(k.priv)).sign(data) as Buffer;
      for (const text of texts) {
        const key = one(patched.parseKey(text));
        expect(key.verify(data, signature)).toBe(true);
        expect(key.verify(otherData, signature)).not.toBe(true);
        expect(keyObjectOf(key)).toBeInstanceOf(KeyObject);
        expect(spkiDer(keyObjectOf(key) as KeyObject)).toBe(spkiDer(key.getPublicPEM()));
      }
    });
  }
});

/** An SSH blob from its fields (each an SSH string). */
const blobOf = (...fields: (string | Buffer)[]): Buffer =>
  Buffer.concat(fields.flatMap((f) => {
    const b = typeof f === 'string' ? Buffer.from(f, 'latin1') : f;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return [length, b];
  }));
/** The fields of an SSH blob. */
function fieldsOf(blob: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  for (let pos = 0; pos < blob.length; pos += 4 + blob.readUInt32BE(pos)) fields.push(blob.subarray(pos + 4, pos + 4 + blob.readUInt32BE(pos)));
  return fields;
}

describe('keys whose raw numbers are not in canonical form: the PEM, as ssh2 does', () => {
  const rsa = one(ssh2Own.parseKey(keygen('rsa', '2048').priv));
  const [, e, n] = fieldsOf(rsa.getPublicSSH());
  const ec = one(ssh2Own.parseKey(keygen('ecdsa', '256').priv));
  const [ecType, curve, point] = fieldsOf(ec.getPublicSSH());
  const compressed = Buffer.concat([Buffer.from([2 + (point[64] & 1)]), point.subarray(1, 33)]);
  const offCurve = flipBit(point, 64);
  const cases = [
    { name: 'RSA modulus with an extra zero byte', signer: rsa, blob: blobOf('ssh-rsa', e, Buffer.concat([Buffer.alloc(1), n])) },
    { name: 'RSA modulus without its sign byte (negative in DER)', signer: rsa, blob: blobOf('ssh-rsa', e, n.subarray(1)) },
    { name: 'ECDSA compressed point', signer: ec, blob: blobOf(ecType, curve, compressed) },
    { name: 'ECDSA point not on the curve', signer: ec, blob: blobOf(ecType, curve, offCurve) },
    { name: 'ECDSA point one byte short', signer: ec, blob: blobOf(ecType, curve, point.subarray(0, 64)) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const right = c.signer.sign(data) as Buffer;
      const attempt = (parser: KeyParser, signature: Buffer): string => {
        try {
          return outcome(hostKey(parser, c.blob).verify(data, signature));
        } catch (err) {
          return `not parsed: ${(err as Error).message}`;
        }
      };
      for (const signature of [right, flipBit(right, right.length >> 1)]) expect(attempt(patched, signature)).toBe(attempt(ssh2Own, signature));
      const parsed = patched.parseDERKey(c.blob.subarray(4 + c.blob.readUInt32BE(0)), c.blob.toString('latin1', 4, 4 + c.blob.readUInt32BE(0)));
      if (!(parsed instanceof Error)) {
        (parsed as Key).verify(data, right);
        expect(keyObjectOf(parsed as Key)).toBe((parsed as Key).getPublicPEM());
      }
    });
  }
});

describe('sshPublicKeyJwk', () => {
  it.each([
    { name: 'nothing: not a buffer', blob: 'ssh-ed25519 AAAA' },
    { name: 'an empty blob', blob: Buffer.alloc(0) },
    { name: 'a truncated length', blob: Buffer.from([0, 0, 0]) },
    { name: 'a length past the end', blob: Buffer.concat([blobOf('ssh-ed25519'), Buffer.from([0, 0, 0, 33]), Buffer.alloc(32)]) },
    { name: 'an Ed25519 key of 31 bytes', blob: blobOf('ssh-ed25519', Buffer.alloc(31, 1)) },
    { name: 'an Ed25519 key with a field after it', blob: blobOf('ssh-ed25519', Buffer.alloc(32, 1), 'x') },
    { name: 'an ECDSA key whose curve is not its type\'s', blob: blobOf('ecdsa-sha2-nistp256', 'nistp384', Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])) },
    { name: 'an RSA exponent of no bytes', blob: blobOf('ssh-rsa', Buffer.alloc(0), Buffer.from([1, 2, 3])) },
    { name: 'DSA', blob: blobOf('ssh-dss', Buffer.from([1]), Buffer.from([1]), Buffer.from([1]), Buffer.from([1])) },
    { name: 'a certificate type', blob: blobOf('ssh-ed25519-cert-v01@openssh.com', Buffer.alloc(32, 1)) },
  ])('not taken on: $name', ({ blob }) => {
    expect(sshPublicKeyJwk(blob)).toBeUndefined();
  });

  it('Ed25519: the 32 bytes', () => {
    const raw = randomBytes(32);
    expect(sshPublicKeyJwk(blobOf('ssh-ed25519', raw))).toEqual({ kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') });
  });
});

describe('patchKeyParser: only the installed ssh2 text it knows', () => {
  it('changes only the key handed to verify_, and adds the helper before BaseKey', () => {
    const text: string = patchKeyParser(keyParserJs.text);
    expect(text.split('verify_(algo, data, publicKeyForVerify(this, pem), signature)').length - 1).toBe(1);
    expect(text).not.toContain('verify_(algo, data, pem, signature)');
    const start = text.indexOf('\n// provision (scripts/ssh2-verify-key.mjs)');
    const end = text.indexOf('const BaseKey = {');
    const undone = (text.slice(0, start) + text.slice(end)).replace('publicKeyForVerify(this, pem)', 'pem');
    expect(undone).toBe(keyParserJs.text);
  });

  it('nothing to patch: a text patched already, or another ssh2, stops the build', () => {
    expect(() => patchKeyParser(patchKeyParser(keyParserJs.text))).toThrow(/another ssh2 version, or patched already/);
    expect(() => patchKeyParser(keyParserJs.text.replace('return verify_(algo, data, pem, signature);', 'return verify_(algo, data, pem, signature) ;'))).toThrow(/not the one/);
    expect(() => patchKeyParser('')).toThrow(/not the one/);
  });
});
