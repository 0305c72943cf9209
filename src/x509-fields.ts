/**
 * The two fields of an X.509 certificate a certbot plan needs (expiry and the subjectAltName DNS
 * names), read straight from the DER. Node's X509Certificate decodes the whole certificate,
 * public key included, through OpenSSL 3's decoder lookup: ~0.15 ms and more per host at fleet
 * scale, for two fields.
 *
 * Strict on purpose: it reads only strict DER in the shape RFC 5280 gives (definite minimal
 * lengths, one-byte tags, the times' two strict forms, the string types certificates use) and
 * checks every field OpenSSL checks while decoding (INTEGER padding, OID encoding, BIT STRING
 * unused bits), so that anything it reads, OpenSSL reads too and to the same values. Anything
 * else is "unreadable" here, which means "not sure": the caller asks X509Certificate then.
 * What X509Certificate reads and this leaves to it (found by test/oracle/x509-fields.test.ts's
 * mutations): any version number, any notBefore bytes, name values of other types, parameters of
 * other types, BOOLEANs other than 0xff, BER lengths, a malformed SAN (Node: no names), text
 * around the PEM block. None of these comes from certbot.
 */

export interface CertFields {
  /** Expiry, seconds since the epoch. */
  notAfter: number;
  /** The dNSName entries of the subjectAltName extension, lower case, in order. */
  dnsNames: string[];
}

/** The first CERTIFICATE block of `pem` (which must start with it), or "unreadable". */
export function readCertFields(pem: string): CertFields | 'unreadable' {
  const der = firstCertificateDer(pem);
  if (der === undefined) return 'unreadable';
  try {
    return certificateFields(new Der(der));
  } catch (e) {
    if (e === REFUSED) return 'unreadable';
    throw e;
  }
}

const BEGIN = '-----BEGIN CERTIFICATE-----\n';
const END = '\n-----END CERTIFICATE-----';
/** Base64 lines of at most 76 characters (PEM writes 64), padding only at the very end. */
const BODY = /^(?:[A-Za-z0-9+/]{1,76}\n)*[A-Za-z0-9+/]{0,74}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==)$/;

function firstCertificateDer(pem: string): Uint8Array | undefined {
  if (!pem.startsWith(BEGIN)) return undefined;
  const endAt = pem.indexOf(END, BEGIN.length);
  const after = pem.charCodeAt(endAt + END.length);
  // What follows the end line (a chain's next block) is not read, as OpenSSL's PEM reader.
  if (endAt < 0 || !(Number.isNaN(after) || after === 10)) return undefined;
  const body = pem.slice(BEGIN.length, endAt);
  if (!BODY.test(body)) return undefined;
  const b64 = body.replaceAll('\n', '');
  if (b64.length % 4 !== 0) return undefined;
  return Buffer.from(b64, 'base64');
}

/** Thrown (one instance, no stack) to leave the walk; never escapes readCertFields. */
const REFUSED = Object.freeze({ refused: true });
function refuse(): never {
  throw REFUSED;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const NULL = 0x05;
const OID = 0x06;
const BOOLEAN = 0x01;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
/** The string types a Name's values may have here: UTF8String (ASCII only), Numeric, Printable, T61, IA5. */
const NAME_STRINGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x16]);
/** 2.5.29.17, subjectAltName, as DER content bytes. */
const SAN_OID = [0x55, 0x1d, 0x11];

/** A cursor over a DER span [pos, end). */
class Der {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.pos === this.end;
  }

  peek(): number {
    return this.done ? -1 : this.bytes[this.pos];
  }

  /** The next element, which must have `tag`: its content as a cursor; this cursor moves past it. */
  take(tag: number): Der {
    if (this.peek() !== tag) refuse();
    const b = this.bytes;
    let at = this.pos + 1;
    if (at >= this.end) refuse();
    let length = b[at++];
    if (length & 0x80) {
      // Long form: 1-3 length bytes, minimal (no leading zero, not below 128); 0x80 is indefinite.
      const count = length & 0x7f;
      if (count === 0 || count > 3 || at + count > this.end || b[at] === 0) refuse();
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + b[at++];
      if (length < 0x80) refuse();
    }
    if (at + length > this.end) refuse();
    this.pos = at + length;
    return new Der(b, at, at + length);
  }

  /** The next element, if it has `tag`. */
  optional(tag: number): Der | undefined {
    return this.peek() === tag ? this.take(tag) : undefined;
  }

  finish(): void {
    if (!this.done) refuse();
  }

  get length(): number {
    return this.end - this.pos;
  }

  at(i: number): number {
    return this.bytes[this.pos + i];
  }
}

function certificateFields(der: Der): CertFields {
  const certificate = der.take(SEQUENCE);
  der.finish();
  const tbs = certificate.take(SEQUENCE);
  algorithmIdentifier(certificate.take(SEQUENCE));
  bitString(certificate.take(BIT_STRING));
  certificate.finish();

  // version [0] EXPLICIT INTEGER: absent (v1), 1 (v2) or 2 (v3); an explicit v1 is not DER.
  const versionField = tbs.optional(0xa0);
  let version = 0;
  if (versionField) {
    const v = integer(versionField.take(INTEGER));
    versionField.finish();
    if (v.length !== 1 || (v.at(0) !== 1 && v.at(0) !== 2)) refuse();
    version = v.at(0);
  }
  integer(tbs.take(INTEGER)); // serialNumber
  algorithmIdentifier(tbs.take(SEQUENCE));
  name(tbs.take(SEQUENCE)); // issuer
  const validity = tbs.take(SEQUENCE);
  time(validity); // notBefore
  const notAfter = time(validity);
  validity.finish();
  name(tbs.take(SEQUENCE)); // subject
  subjectPublicKeyInfo(tbs.take(SEQUENCE));
  for (const uniqueId of [0x81, 0x82]) {
    const id = tbs.optional(uniqueId);
    if (id && version < 1) refuse();
    if (id) bitString(id);
  }
  const extensionsField = tbs.optional(0xa3);
  let dnsNames: string[] = [];
  if (extensionsField) {
    if (version < 2) refuse();
    const san = subjectAltName(extensionsField.take(SEQUENCE));
    extensionsField.finish();
    if (san) dnsNames = generalNamesDns(san);
  }
  tbs.finish();
  return { notAfter, dnsNames };
}

/** Extensions: checks each one's frame; returns the subjectAltName's value (there may be one at most). */
function subjectAltName(extensions: Der): Der | undefined {
  if (extensions.done) refuse();
  let san: Der | undefined;
  while (!extensions.done) {
    const extension = extensions.take(SEQUENCE);
    const id = oid(extension.take(OID));
    const critical = extension.optional(BOOLEAN);
    // DEFAULT FALSE: DER leaves it out when false; true is 0xff.
    if (critical && (critical.length !== 1 || critical.at(0) !== 0xff)) refuse();
    const value = extension.take(OCTET_STRING);
    extension.finish();
    if (id.length === 3 && id.at(0) === SAN_OID[0] && id.at(1) === SAN_OID[1] && id.at(2) === SAN_OID[2]) {
      if (san) refuse();
      san = value;
    }
  }
  return san;
}

/**
 * GeneralNames: the dNSName [2] entries. An rfc822Name [1], URI [6] or iPAddress [7] is skipped;
 * any other kind (otherName, directoryName, ...) is refused, as is a DNS name with a character
 * outside printable ASCII or one of space , " ' \ (Node prints such a name quoted and escaped,
 * which the caller's result would then differ from).
 */
function generalNamesDns(value: Der): string[] {
  const names = value.take(SEQUENCE);
  value.finish();
  const dns: string[] = [];
  while (!names.done) {
    const tag = names.peek();
    const entry = names.take(tag);
    if (tag === 0x82) {
      let text = '';
      for (let i = 0; i < entry.length; i++) {
        const c = entry.at(i);
        if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x27 || c === 0x2c || c === 0x5c) refuse();
        text += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
      }
      dns.push(text);
    } else if (tag === 0x81 || tag === 0x86) {
      for (let i = 0; i < entry.length; i++) if (entry.at(i) === 0x2c) refuse();
    } else if (tag !== 0x87) {
      refuse();
    }
  }
  return dns;
}

/** AlgorithmIdentifier: an OID and parameters that are absent, NULL, an OID or a SEQUENCE. */
function algorithmIdentifier(a: Der): void {
  oid(a.take(OID));
  if (!a.done) {
    const tag = a.peek();
    const parameters = a.take(tag);
    if (tag === NULL) {
      if (!parameters.done) refuse();
    } else if (tag === OID) {
      oid(parameters);
    } else if (tag !== SEQUENCE) {
      refuse();
    }
  }
  a.finish();
}

function subjectPublicKeyInfo(spki: Der): void {
  algorithmIdentifier(spki.take(SEQUENCE));
  // The key itself is not decoded (nor does OpenSSL refuse a certificate whose key it cannot).
  bitString(spki.take(BIT_STRING));
  spki.finish();
}

/** Name: SEQUENCE OF non-empty SET OF {OID, string}, values of the string types certificates use. */
function name(n: Der): void {
  while (!n.done) {
    const rdn = n.take(SET);
    if (rdn.done) refuse();
    while (!rdn.done) {
      const attribute = rdn.take(SEQUENCE);
      oid(attribute.take(OID));
      const tag = attribute.peek();
      if (!NAME_STRINGS.has(tag)) refuse();
      const value = attribute.take(tag);
      // OpenSSL converts names to UTF-8 while decoding and refuses a bad UTF8String: ASCII is sure.
      if (tag === 0x0c) for (let i = 0; i < value.length; i++) if (value.at(i) >= 0x80) refuse();
      attribute.finish();
    }
  }
}

/** INTEGER content as OpenSSL accepts it: not empty, no redundant leading 0x00 or 0xff. */
function integer(i: Der): Der {
  if (i.length === 0) refuse();
  if (i.length > 1 && ((i.at(0) === 0x00 && i.at(1) < 0x80) || (i.at(0) === 0xff && i.at(1) >= 0x80))) refuse();
  return i;
}

/** OID content as OpenSSL accepts it: not empty, no subidentifier starting 0x80, the last one ended. */
function oid(o: Der): Der {
  if (o.length === 0 || o.at(o.length - 1) & 0x80) refuse();
  for (let i = 0; i < o.length; i++) if (o.at(i) === 0x80 && (i === 0 || !(o.at(i - 1) & 0x80))) refuse();
  return o;
}

/** BIT STRING content: the unused-bits byte (0-7) first. */
function bitString(b: Der): void {
  if (b.length === 0 || b.at(0) > 7) refuse();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Time, in RFC 5280's two strict forms only: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY, else 19YY)
 * or GeneralizedTime YYYYMMDDHHMMSSZ (years 1950-9999 here: Node prints OpenSSL's year with %d
 * and Date.parse reads a year below 100 as 19xx/20xx). Returns seconds since the epoch.
 */
function time(t: Der): number {
  const tag = t.peek();
  const v = t.take(tag);
  let year: number;
  let at: number;
  if (tag === UTC_TIME && v.length === 13) {
    const yy = digits(v, 0, 2);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    at = 2;
  } else if (tag === GENERALIZED_TIME && v.length === 15) {
    year = digits(v, 0, 4);
    if (year < 1950) refuse();
    at = 4;
  } else {
    return refuse();
  }
  if (v.at(v.length - 1) !== 0x5a) refuse(); // Z
  const month = digits(v, at, 2);
  const day = digits(v, at + 2, 2);
  const hour = digits(v, at + 4, 2);
  const minute = digits(v, at + 6, 2);
  const second = digits(v, at + 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] + (month === 2 && leap ? 1 : 0)) refuse();
  if (hour > 23 || minute > 59 || second > 59) refuse();
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

function digits(v: Der, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = v.at(i) - 0x30;
    if (c < 0 || c > 9) refuse();
    n = n * 10 + c;
  }
  return n;
}
