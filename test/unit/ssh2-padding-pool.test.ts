import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error no type declarations for the build's .mjs modules
import { patchCrypto } from '../../scripts/ssh2-padding-pool.mjs';
import { compileAs, installed } from '../support/patched-module.js';

/**
 * The bundle's ssh2 pads each packet from a pool of CSPRNG bytes (scripts/ssh2-padding-pool.mjs)
 * instead of one randomFillSync per packet. Run here on ssh2's own crypto.js, patched as the
 * build patches it: the packets keep ssh2's layout, the padding stays random and is never used
 * twice, and the CSPRNG is asked once per pool, not once per packet. The handshakes and sessions
 * themselves are checked against OpenSSH's sshd (test/integration/ssh-handshake.test.ts and the
 * other SSH tests run the bundle).
 */
const cryptoJs = installed('ssh2/lib/protocol/crypto.js');
const POOL_BYTES = 16384;

type Cipher = { allocPacket(payloadLen: number): Buffer };
type CipherClass = new (seqno: number, onWrite: (b: Buffer) => void) => Cipher;

const realRandomFillSync = crypto.randomFillSync;
afterEach(() => {
  crypto.randomFillSync = realRandomFillSync;
});

/** ssh2's NullCipher from crypto.js (patched or not); randomFillSync's calls are counted by buffer length. */
function nullCipher(text: string): { cipher: Cipher; fills: number[] } {
  const fills: number[] = [];
  // crypto.js takes randomFillSync from require('crypto') as it loads: count its calls from here.
  crypto.randomFillSync = ((buf: NodeJS.ArrayBufferView, offset?: number, size?: number) => {
    fills.push(size ?? buf.byteLength - (offset ?? 0));
    return realRandomFillSync(buf, offset, size);
  }) as typeof crypto.randomFillSync;
  const NullCipher = compileAs(cryptoJs.file, text).NullCipher as CipherClass;
  crypto.randomFillSync = realRandomFillSync;
  return { cipher: new NullCipher(0, () => {}), fills };
}

/** The padding of one packet: its last packet[4] bytes. */
const paddingOf = (packet: Buffer): Buffer => packet.subarray(packet.length - packet[4]);

describe('packet padding from a pool', () => {
  it("packets keep ssh2's own layout: the same length and padding length for every payload size", () => {
    const ours = nullCipher(patchCrypto(cryptoJs.text)).cipher;
    const ssh2Own = nullCipher(cryptoJs.text).cipher;
    for (let payload = 0; payload <= 600; payload++) {
      const a = ours.allocPacket(payload);
      const b = ssh2Own.allocPacket(payload);
      expect([a.length, a.readUInt32BE(0), a[4]]).toEqual([b.length, b.readUInt32BE(0), b[4]]);
    }
  });

  it('the CSPRNG is asked once per 16 KiB pool, not once per packet', () => {
    const patched = nullCipher(patchCrypto(cryptoJs.text));
    const original = nullCipher(cryptoJs.text);
    let bytes = 0;
    for (let i = 0; i < 5000; i++) {
      bytes += patched.cipher.allocPacket(i % 300)[4];
      original.cipher.allocPacket(i % 300);
    }
    expect(original.fills.length).toBe(5000);
    expect(patched.fills.every((n) => n === POOL_BYTES)).toBe(true);
    // A pool's last few bytes are left when a packet needs more than remain (at most 255 each).
    expect(patched.fills.length).toBeGreaterThanOrEqual(Math.ceil(bytes / POOL_BYTES));
    expect(patched.fills.length).toBeLessThanOrEqual(Math.ceil(bytes / (POOL_BYTES - 255)));
  });

  it('the padding is random and never repeats, across many refills of the pool', () => {
    const { cipher, fills } = nullCipher(patchCrypto(cryptoJs.text));
    const stream: Buffer[] = [];
    let total = 0;
    for (let i = 0; total < 20 * POOL_BYTES; i++) {
      const padding = paddingOf(cipher.allocPacket(i % 257));
      stream.push(Buffer.from(padding));
      total += padding.length;
    }
    expect(fills.length).toBeGreaterThanOrEqual(20);
    const all = Buffer.concat(stream);
    // Reused bytes (the same pool handed out twice, or a packet given what another had) would
    // repeat 16-byte runs; random ones practically never do.
    const runs = new Set<string>();
    for (let at = 0; at + 16 <= all.length; at += 16) runs.add(all.toString('hex', at, at + 16));
    expect(runs.size).toBe(Math.floor(all.length / 16));
    // Every byte value, none far from its share (not zeros, not a pattern): 1,280 expected each.
    const counts = new Array<number>(256).fill(0);
    for (const byte of all) counts[byte]++;
    const expected = all.length / 256;
    expect(Math.min(...counts)).toBeGreaterThan(expected * 0.75);
    expect(Math.max(...counts)).toBeLessThan(expected * 1.25);
    // Two packets in a row never carry the same padding.
    for (let i = 1; i < stream.length; i++) expect(stream[i].equals(stream[i - 1])).toBe(false);
  });

  it('two connections (two ciphers) never share padding bytes either', () => {
    const text = patchCrypto(cryptoJs.text);
    const NullCipher = compileAs(cryptoJs.file, text).NullCipher as CipherClass;
    const a = new NullCipher(0, () => {});
    const b = new NullCipher(0, () => {});
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      for (const cipher of [a, b]) {
        const key = paddingOf(cipher.allocPacket(100)).toString('hex');
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    }
  });
});

describe('patchCrypto: only the installed ssh2 text it knows', () => {
  it("replaces exactly ssh2's seven per-packet randomFillSync calls, nothing else", () => {
    const patched: string = patchCrypto(cryptoJs.text);
    expect(patched.split('randomPadding(packet, 5 + payloadLen, padLen);').length - 1).toBe(7);
    expect(patched).not.toContain('randomFillSync(packet, 5 + payloadLen, padLen)');
    // Undo the two edits: what is left is ssh2's text, byte for byte.
    const poolStart = patched.indexOf('\n// provision (scripts/ssh2-padding-pool.mjs)');
    const poolEnd = patched.indexOf('\n}\n', patched.indexOf('function randomPadding')) + 3;
    const undone = (patched.slice(0, poolStart) + patched.slice(poolEnd)).split('randomPadding(packet, 5 + payloadLen, padLen);').join('randomFillSync(packet, 5 + payloadLen, padLen);');
    expect(undone).toBe(cryptoJs.text);
  });

  it('nothing to patch: a text patched already, or another ssh2, stops the build', () => {
    expect(() => patchCrypto(patchCrypto(cryptoJs.text))).toThrow(/another ssh2 version, or patched already/);
    const oneCallLess = cryptoJs.text.replace('randomFillSync(packet, 5 + payloadLen, padLen);', 'randomFillSync(packet, 5 + payloadLen, padLen );');
    expect(() => patchCrypto(oneCallLess)).toThrow(/6 padding calls, 7 expected/);
    expect(() => patchCrypto('')).toThrow(/not the text/);
  });
});
