// An esbuild plugin that changes how ssh2 1.17's curve25519 key exchange (the one OpenSSH and
// provision negotiate first) hands its X25519 keys to Node's crypto, not what it computes.
// ssh2 exports our public key as DER and imports the server's by building DER around it; with
// OpenSSL 3 each goes through OpenSSL's encoder/decoder lookup (~0.13 ms apiece on this machine,
// where the X25519 computation itself is ~0.05 ms), on every connection. The raw 32 bytes go in
// and out as JWK instead (Node reads and writes those with OpenSSL's raw-key calls): the same
// key bytes, the same shared secret. A wrong-length key from the server is still an error (the
// JWK import refuses it as the DER one did), and ssh2 still returns it as the exchange's failure.
// If ssh2's text is not exactly what this expects (another version), the build fails: it never
// builds a half-patched exchange.
import { ssh2FilePatch } from './ssh2-file-patch.mjs';

const EXPORT = `      const key = this._keys.publicKey.export({ type: 'spki', format: 'der' });
      return key.slice(-32); // HACK: avoids parsing DER/BER header`;
const EXPORT_RAW = `      return Buffer.from(this._keys.publicKey.export({ format: 'jwk' }).x, 'base64url');`;

const IMPORT = /(\n\s*computeSecret\(otherPublicKey\) \{\n\s*this\.generateKeys\(\);\n\n\s*try \{\n)\s*const asnWriter = new Ber\.Writer\(\);[\s\S]*?(\s*return convertToMpint\(diffieHellman\(\{\n\s*privateKey: this\._keys\.privateKey,\n\s*publicKey: )createPublicKey\(\{\n\s*key: asnWriter\.buffer,\n\s*type: 'spki',\n\s*format: 'der',\n\s*\}\),/;
const IMPORT_RAW = `$1$2createPublicKey({
            key: { kty: 'OKP', crv: 'X25519', x: otherPublicKey.toString('base64url') },
            format: 'jwk',
          }),`;

/** The patched text of ssh2's lib/protocol/kex.js; throws when it is not the text this knows. */
export function patchKex(text) {
  const start = text.indexOf('class Curve25519Exchange');
  const end = text.indexOf('class ECDHExchange');
  if (start < 0 || end < start) throw new Error('ssh2 kex.js: no Curve25519Exchange class');
  const exchange = text.slice(start, end);
  if (exchange.split(EXPORT).length !== 2 || !IMPORT.test(exchange)) throw new Error('ssh2 kex.js: Curve25519Exchange is not the one scripts/ssh2-x25519.mjs knows (another ssh2 version?)');
  return text.slice(0, start) + exchange.replace(EXPORT, EXPORT_RAW).replace(IMPORT, IMPORT_RAW) + text.slice(end);
}

export function ssh2X25519() {
  return ssh2FilePatch('ssh2-x25519-raw-keys', 'protocol/kex.js', patchKex);
}
