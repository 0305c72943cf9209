// An esbuild plugin that changes how ssh2 1.17 hands a public key to Node's crypto.verify, not
// what is verified. ssh2's keys (lib/protocol/keyParser.js) keep the public key as PEM text and
// verify() passes that text for every check, so OpenSSL 3 finds a decoder for it and decodes it
// each time: in the key exchange that is the host key's signature check, once per connection
// (a new key each time: every host has its own). The same key built from its raw numbers as a
// JWK (Ed25519's 32 bytes, ECDSA's point, RSA's n and e: Node imports those with OpenSSL's
// raw-key calls, no decoder lookup) and kept on the key object: ~140 µs instead of ~260 µs for
// import and check together on this machine. Same algorithm, same hash, same signature bytes, so
// the same answer; where the raw numbers are not in the one canonical form the PEM would also
// carry (DSA, a compressed or odd EC point, an RSA number with a sign bit or extra zero byte), or
// the JWK import fails, the key is verified from its PEM exactly as before.
// If ssh2's text is not exactly what this expects (another version), the build fails: it never
// builds a half-patched keyParser.js.
import { ssh2FilePatch } from './ssh2-file-patch.mjs';

/**
 * The JWK of an SSH public key blob (string type, then the key's fields, RFC 4253 §6.6 / RFC
 * 5656 §3.1 / RFC 8709 §4), or undefined where it is not one this takes on (the PEM is used).
 * Injected into ssh2's keyParser.js as source text: it must use nothing but its arguments and
 * Buffer.
 */
export function sshPublicKeyJwk(blob) {
  if (!Buffer.isBuffer(blob)) return undefined;
  const fields = [];
  for (let pos = 0; pos < blob.length; ) {
    if (pos + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(pos);
    pos += 4;
    if (length > blob.length - pos) return undefined;
    fields.push(blob.subarray(pos, pos + length));
    pos += length;
  }
  const b64 = (bytes) => bytes.toString('base64url');
  // An SSH mpint that DER encodes byte for byte as a positive INTEGER: no sign bit, no extra zero.
  const canonicalPositive = (m) => m.length > 0 && (m[0] & 0x80) === 0 && (m[0] !== 0 || (m.length > 1 && (m[1] & 0x80) !== 0));
  const type = fields.length ? fields[0].toString('latin1') : '';
  if (type === 'ssh-ed25519' && fields.length === 2 && fields[1].length === 32) {
    return { kty: 'OKP', crv: 'Ed25519', x: b64(fields[1]) };
  }
  if (type === 'ssh-rsa' && fields.length === 3 && canonicalPositive(fields[1]) && canonicalPositive(fields[2])) {
    const unsigned = (m) => (m[0] === 0 ? m.subarray(1) : m);
    return { kty: 'RSA', e: b64(unsigned(fields[1])), n: b64(unsigned(fields[2])) };
  }
  const curves = { 'ecdsa-sha2-nistp256': ['nistp256', 'P-256', 32], 'ecdsa-sha2-nistp384': ['nistp384', 'P-384', 48], 'ecdsa-sha2-nistp521': ['nistp521', 'P-521', 66] };
  const curve = Object.prototype.hasOwnProperty.call(curves, type) ? curves[type] : undefined;
  if (curve && fields.length === 3 && fields[1].toString('latin1') === curve[0]) {
    const [, crv, size] = curve;
    const point = fields[2];
    // Uncompressed points only (0x04 ‖ x ‖ y): the form OpenSSH sends.
    if (point.length !== 1 + 2 * size || point[0] !== 4) return undefined;
    return { kty: 'EC', crv, x: b64(point.subarray(1, 1 + size)), y: b64(point.subarray(1 + size)) };
  }
  return undefined;
}

const BASE_KEY = 'const BaseKey = {\n';
const VERIFY = `      return function verify(data, signature, algo) {
        const pem = this[SYM_PUB_PEM];
        if (pem === null)
          return new Error('No public key available');
        if (!algo || typeof algo !== 'string')
          algo = this[SYM_HASH_ALGO];
        try {
          return verify_(algo, data, pem, signature);
        } catch (ex) {
          return ex;
        }
      };`;
const VERIFY_WITH_KEY_OBJECT = VERIFY.replace('verify_(algo, data, pem, signature)', 'verify_(algo, data, publicKeyForVerify(this, pem), signature)');

const KEY_OBJECT = `
// provision (scripts/ssh2-verify-key.mjs): the public key as a KeyObject made once per key from
// its raw numbers (JWK), so that OpenSSL does not decode the PEM for every signature check;
// the PEM itself where the raw numbers are not in the form this takes on.
const SYM_PUB_KEY_OBJECT = Symbol('Public key object');
function publicKeyForVerify(key, pem) {
  let keyObject = key[SYM_PUB_KEY_OBJECT];
  if (keyObject === undefined) {
    keyObject = pem;
    const jwk = sshPublicKeyJwk(key[SYM_PUB_SSH]);
    if (jwk !== undefined) {
      try {
        keyObject = require('crypto').createPublicKey({ key: jwk, format: 'jwk' });
      } catch {}
    }
    key[SYM_PUB_KEY_OBJECT] = keyObject;
  }
  return keyObject;
}
${sshPublicKeyJwk.toString()}

`;

/** The patched text of ssh2's lib/protocol/keyParser.js; throws when it is not the text this knows. */
export function patchKeyParser(text) {
  if (text.split(BASE_KEY).length !== 2 || text.split(VERIFY).length !== 2 || text.includes('publicKeyForVerify')) {
    throw new Error('ssh2 keyParser.js: BaseKey.verify is not the one scripts/ssh2-verify-key.mjs knows (another ssh2 version, or patched already?)');
  }
  return text.replace(VERIFY, VERIFY_WITH_KEY_OBJECT).replace(BASE_KEY, KEY_OBJECT + BASE_KEY);
}

export function ssh2VerifyKey() {
  return ssh2FilePatch('ssh2-verify-key-object', 'protocol/keyParser.js', patchKeyParser);
}
