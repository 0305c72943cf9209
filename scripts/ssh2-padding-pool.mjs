// An esbuild plugin that changes where ssh2 1.17 gets the random padding of each SSH packet it
// sends, not what the padding is. Every cipher class in ssh2's lib/protocol/crypto.js calls
// `randomFillSync(packet, 5 + payloadLen, padLen)` once per outgoing packet for 4-19 bytes
// (RFC 4253 §6: at most 255); each call crosses into C++ with its argument checks and asks
// OpenSSL's CSPRNG for a few bytes: ~6 µs per packet on this machine, ~3% of the controller's CPU
// at 1,000 hosts. The padding is served instead from a pool of 16 KiB filled by one
// randomFillSync (the same CSPRNG) and filled again when it runs out: every byte handed out
// once, never reused, never zeros (~0.1 µs per packet). If ssh2's text is not exactly what this
// expects (another version), the build fails: it never builds a half-patched crypto.js.
import { ssh2FilePatch } from './ssh2-file-patch.mjs';

const REQUIRE = `const {
  createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual
} = require('crypto');
`;
const PADDING_CALL = 'randomFillSync(packet, 5 + payloadLen, padLen);';
/** ssh2 1.17's seven cipher classes (null, chacha20-poly1305, AES-GCM, generic; native and binding). */
const PADDING_CALLS = 7;

const POOL = `
// provision (scripts/ssh2-padding-pool.mjs): packet padding from a pool of CSPRNG bytes, each
// byte used once; one randomFillSync per 16 KiB instead of one per packet.
const PADDING_POOL = Buffer.allocUnsafeSlow(16384);
let paddingPoolUsed = PADDING_POOL.length;
function randomPadding(packet, offset, length) {
  if (length > PADDING_POOL.length) {
    randomFillSync(packet, offset, length);
    return;
  }
  if (length > PADDING_POOL.length - paddingPoolUsed) {
    randomFillSync(PADDING_POOL);
    paddingPoolUsed = 0;
  }
  PADDING_POOL.copy(packet, offset, paddingPoolUsed, paddingPoolUsed + length);
  paddingPoolUsed += length;
}
`;

/** The patched text of ssh2's lib/protocol/crypto.js; throws when it is not the text this knows. */
export function patchCrypto(text) {
  const calls = text.split(PADDING_CALL).length - 1;
  if (text.split(REQUIRE).length !== 2 || calls !== PADDING_CALLS) {
    throw new Error(`ssh2 crypto.js: not the text scripts/ssh2-padding-pool.mjs knows (${calls} padding calls, ${PADDING_CALLS} expected; another ssh2 version, or patched already?)`);
  }
  return text.replace(REQUIRE, REQUIRE + POOL).split(PADDING_CALL).join('randomPadding(packet, 5 + payloadLen, padLen);');
}

export function ssh2PaddingPool() {
  return ssh2FilePatch('ssh2-padding-pool', 'protocol/crypto.js', patchCrypto);
}
