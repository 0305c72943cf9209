import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCertFields } from '../../src/x509-fields.js';
import { parseCertState, readWithX509Certificate } from '../../tasks/certbot.js';
import { certParts, fromPem, lengthOffsets, parseDer, tlv, toPem, writeDer, type DerNode } from '../support/der.js';

// The strict DER reader of the certbot fact against its two oracles: Node's X509Certificate (what
// parseCertState used per host until now, and still uses when the reader is not sure) and the
// openssl command. Certificates are made by the real openssl; odd ones are real ones rewritten.

const dir = mkdtempSync(join(tmpdir(), 'provision-x509-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
const NOW = 1_800_000_000;

/** What X509Certificate says, as parseCertState has always read it: undefined if refused. */
function byNode(pem: string): { notAfter: number; dnsNames: string[] } | undefined {
  const cert = readWithX509Certificate(pem);
  return cert && { notAfter: cert.notAfter, dnsNames: cert.names };
}

/** What the openssl command says: `-enddate` and the DNS entries of `-ext subjectAltName`. */
function byOpenssl(pem: string): { notAfter: number; dnsNames: string[] } {
  writeFileSync(join(dir, 'in.pem'), pem);
  const out = openssl('x509', '-in', 'in.pem', '-noout', '-enddate', '-ext', 'subjectAltName');
  const notAfter = Date.parse(/^notAfter=(.*)$/m.exec(out)![1]) / 1000;
  const sanLine = /X509v3 Subject Alternative Name:.*\n\s*(.*)/.exec(out)?.[1] ?? '';
  const dnsNames = sanLine
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  return { notAfter, dnsNames };
}

/** parseCertState's answer today must be X509Certificate's, whichever way it got there. */
function expectSameState(pem: string) {
  const node = byNode(pem);
  const expected = node ? { now: NOW, state: 'present', notAfter: node.notAfter, names: node.dnsNames } : { now: NOW, state: 'unreadable' };
  expect(parseCertState(`now=${NOW}\npem\n${pem}`)).toEqual(expected);
}

// Keys made once: RSA 2048 (as certbot's default), EC P-256, Ed25519; a CA to sign leaves.
const KEYS = { rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ed25519: ['-algorithm', 'ED25519'] };
for (const [k, args] of Object.entries(KEYS)) openssl('genpkey', ...args, '-out', `${k}.key`);
openssl('req', '-x509', '-key', 'ec.key', '-subj', '/C=US/O=Provision Test/CN=Test CA R1', '-days', '3650', '-out', 'ca.pem');

const LE_EXTENSIONS = [
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth,clientAuth',
  'basicConstraints=critical,CA:FALSE',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
  'authorityInfoAccess=OCSP;URI:http://ocsp.example.test,caIssuers;URI:http://ca.example.test/r1.der',
  'certificatePolicies=2.23.140.1.2.1',
];

let serial = 1;
/** A certificate for `key`: self-signed with `req -x509`, or signed by the CA (then the PEM is the chain: leaf, CA). */
function makeCert(key: keyof typeof KEYS, o: { days?: number; extensions?: string[]; v1?: boolean; signedByCa?: boolean; subject?: string; signing?: string[] }): string {
  const days = String(o.days ?? 90);
  const subject = o.subject ?? '/CN=example.test';
  const ext = join(dir, `ext-${serial}.cnf`);
  writeFileSync(ext, `[v3]\n${(o.extensions ?? []).join('\n')}\n`);
  const out = `cert-${serial++}.pem`;
  if (o.v1 || o.signedByCa) {
    openssl('req', '-new', '-key', `${key}.key`, '-subj', subject, '-utf8', '-out', 'req.csr');
    const signer = o.signedByCa ? ['-CA', 'ca.pem', '-CAkey', 'ec.key'] : ['-key', `${key}.key`];
    const extArgs = o.v1 ? [] : ['-extfile', ext, '-extensions', 'v3'];
    openssl('x509', '-req', '-in', 'req.csr', ...signer, '-days', days, '-set_serial', String(serial * 7919), ...extArgs, '-out', out);
  } else {
    const addext = (o.extensions ?? []).flatMap((e) => ['-addext', e]);
    openssl('req', '-x509', '-key', `${key}.key`, '-subj', subject, '-utf8', '-days', days, ...addext, ...(o.signing ?? []), '-out', out);
  }
  const pem = readFileSync(join(dir, out), 'utf8');
  return o.signedByCa ? pem + readFileSync(join(dir, 'ca.pem'), 'utf8') : pem;
}

const MIXED_SAN = 'subjectAltName=DNS:Example.test,DNS:www.Example.TEST,DNS:*.wild.example.test,IP:127.0.0.1,IP:::1,email:admin@example.test,DNS:api.example.test';
const MANY_SAN = `subjectAltName=${Array.from({ length: 100 }, (_, i) => `DNS:Host-${i}.Example.test`).join(',')},IP:10.0.0.1,email:x@example.test`;

/** Real certificates the reader must read itself (no fallback), each as both oracles read it. */
const REAL: [string, () => string][] = [];
for (const key of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
  REAL.push(
    [`${key}: v3, self-signed, SAN with mixed case, a wildcard, IP and email entries`, () => makeCert(key, { extensions: [MIXED_SAN] })],
    [`${key}: v1 (no extensions at all)`, () => makeCert(key, { v1: true, days: 30 })],
    [`${key}: v3 leaf signed by a CA with Let's Encrypt's extensions, the chain after it`, () => makeCert(key, { signedByCa: true, extensions: [...LE_EXTENSIONS, 'subjectAltName=DNS:example.test,DNS:www.example.test'] })],
    [`${key}: v3 without subjectAltName`, () => makeCert(key, {})],
    [`${key}: notAfter after 2050 (GeneralizedTime)`, () => makeCert(key, { days: 20000, extensions: ['subjectAltName=DNS:late.example.test'] })],
  );
}
REAL.push(
  ['ec: 100 DNS names with an IP and an email among them', () => makeCert('ec', { extensions: [MANY_SAN] })],
  ['rsa: a critical subjectAltName', () => makeCert('rsa', { extensions: ['subjectAltName=critical,DNS:Critical.example.test,DNS:b.example.test'] })],
  ['ec: notAfter in 2049 (the last UTCTime years)', () => makeCert('ec', { days: 8390, extensions: ['subjectAltName=DNS:a.test'] })],
  ['rsa: signed with RSA-PSS (parameters in the AlgorithmIdentifier)', () => makeCert('rsa', { extensions: ['subjectAltName=DNS:pss.example.test'], signing: ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] })],
  ['ec: signed with SHA-512', () => makeCert('ec', { extensions: ['subjectAltName=DNS:sha512.example.test'], signing: ['-sha512'] })],
  ['ed25519: an empty subject, names only in the SAN', () => makeCert('ed25519', { subject: '/', extensions: ['subjectAltName=critical,DNS:only.example.test'] })],
);

describe('real certificates: the reader, X509Certificate and openssl agree', () => {
  it.each(REAL)('%s', (_, make) => {
    const pem = make();
    const mine = readCertFields(pem);
    expect(mine, 'read by the strict reader itself, not left to X509Certificate').not.toBe('unreadable');
    expect(mine).toEqual(byNode(pem));
    expect(mine).toEqual(byOpenssl(pem));
    expectSameState(pem);
  });
});

// Bases for the rewritten and mutated certificates.
const leafChain = makeCert('rsa', { signedByCa: true, extensions: [...LE_EXTENSIONS, 'subjectAltName=DNS:example.test,DNS:www.example.test'] });
const BASES: Record<string, Buffer> = {
  'rsa leaf (LE-like)': fromPem(leafChain),
  'ec, 100 names': fromPem(makeCert('ec', { extensions: [MANY_SAN] })),
  'ed25519 v1': fromPem(makeCert('ed25519', { v1: true })),
  'rsa-pss': fromPem(makeCert('rsa', { extensions: ['subjectAltName=DNS:pss.test'], signing: ['-sigopt', 'rsa_padding_mode:pss'] })),
  'ec, GeneralizedTime': fromPem(makeCert('ec', { days: 20000, extensions: ['subjectAltName=DNS:a.test,IP:10.1.1.1'] })),
};
const base = BASES['rsa leaf (LE-like)'];

/** The base certificate with a change made to its tree. */
function rewrite(change: (cert: DerNode) => void, der = base): string {
  const cert = parseDer(der);
  change(cert);
  return toPem(writeDer(cert));
}
const setNotAfter = (value: DerNode) => (c: DerNode) => {
  certParts(c).validity.children![1] = value;
};
const sanExtension = (c: DerNode) => certParts(c).extensions!.children!.find((e) => e.children![0].content!.equals(Buffer.from([0x55, 0x1d, 0x11])))!;
const setSan = (names: DerNode[], trailing = Buffer.alloc(0)) => (c: DerNode) => {
  const ext = sanExtension(c);
  ext.children![ext.children!.length - 1] = tlv(0x04, Buffer.concat([writeDer(tlv(0x30, names)), trailing]));
};
const dns = (name: string) => tlv(0x82, name);

/**
 * Where both accept, the same fields; where X509Certificate refuses, "unreadable". Returns which
 * of the three it was, for counting (the reader may also refuse what X509Certificate reads: then
 * parseCertState asks X509Certificate, checked by expectSameState).
 */
function compare(pem: string): 'both' | 'node only' | 'neither' {
  const mine = readCertFields(pem);
  const node = byNode(pem);
  expectSameState(pem);
  if (mine !== 'unreadable') {
    expect(node, `X509Certificate refuses what the reader read:\n${pem}`).toBeDefined();
    expect(mine, pem).toEqual(node);
    return 'both';
  }
  return node ? 'node only' : 'neither';
}

describe('times: the strict forms read as OpenSSL and Date.parse read them, every other form left to X509Certificate', () => {
  const utc = (s: string) => tlv(0x17, s);
  const gen = (s: string) => tlv(0x18, s);
  const STRICT: [string, DerNode][] = [
    ['UTCTime 49 is 2049', utc('491231235959Z')],
    ['UTCTime 50 is 1950', utc('500101000000Z')],
    ['UTCTime 99 is 1999', utc('991231235959Z')],
    ['UTCTime 00 is 2000, a leap year', utc('000229000000Z')],
    ['UTCTime Feb 29 of a leap year', utc('240229120000Z')],
    ['GeneralizedTime 2050', gen('20500101000000Z')],
    ['GeneralizedTime 1950', gen('19500101000000Z')],
    ['GeneralizedTime 9999', gen('99991231235959Z')],
    ['GeneralizedTime Feb 29 2000', gen('20000229000000Z')],
  ];
  it.each(STRICT)('%s: read by the reader itself', (_, value) => {
    const pem = rewrite(setNotAfter(value));
    expect(readCertFields(pem)).not.toBe('unreadable');
    expect(compare(pem)).toBe('both');
  });

  const OTHER: [string, DerNode][] = [
    ['UTCTime Feb 29 of a common year', utc('230229120000Z')],
    ['GeneralizedTime Feb 29 2100 (not a leap year)', gen('21000229000000Z')],
    ['month 13', utc('261301000000Z')],
    ['month 00', utc('260001000000Z')],
    ['day 32', utc('261232000000Z')],
    ['day 31 of April', utc('260431000000Z')],
    ['hour 24', utc('261231240000Z')],
    ['minute 60', utc('261231236000Z')],
    ['second 60 (a leap second)', utc('261231235960Z')],
    ['no seconds', utc('2612312359Z')],
    ['an offset', utc('261231235959+0100')],
    ['a negative offset', utc('261231235959-0130')],
    ['no zone', utc('261231235959')],
    ['a lower-case z', utc('261231235959z')],
    ['a letter among the digits', utc('26123123595aZ')],
    ['a space among the digits', utc(' 61231235959Z')],
    ['a sign among the digits', utc('+61231235959Z')],
    ['GeneralizedTime with fractional seconds', gen('20501231235959.5Z')],
    ['GeneralizedTime without seconds', gen('205012312359Z')],
    ['GeneralizedTime with an offset', gen('20501231235959+0000')],
    ['GeneralizedTime 1949', gen('19491231235959Z')],
    ['GeneralizedTime year 1', gen('00010101000000Z')],
    ['GeneralizedTime year 999', gen('09991231235959Z')],
    ['a GeneralizedTime in a UTCTime tag', utc('20500101000000Z')],
    ['a UTCTime in a GeneralizedTime tag', gen('500101000000Z')],
    ['a PrintableString', tlv(0x13, '500101000000Z')],
    ['empty UTCTime', utc('')],
  ];
  it.each(OTHER)('%s: never a different answer', (_, value) => {
    const pem = rewrite(setNotAfter(value));
    expect(readCertFields(pem)).toBe('unreadable');
    compare(pem);
  });
});

describe('structure and names: what the reader reads, X509Certificate reads the same; the rest it leaves', () => {
  const CASES: [string, string, 'reads' | 'leaves'][] = [
    ['nothing to change (the base itself)', toPem(base), 'reads'],
    ['an explicit version 1 (not DER)', rewrite((c) => certParts(c).fields.unshift(tlv(0xa0, [tlv(0x02, Buffer.from([0]))])), BASES['ed25519 v1']), 'leaves'],
    ['version 4', rewrite((c) => (certParts(c).fields[0] = tlv(0xa0, [tlv(0x02, Buffer.from([3]))]))), 'leaves'],
    ['version 3 encoded with a redundant 0x00', rewrite((c) => (certParts(c).fields[0] = tlv(0xa0, [tlv(0x02, Buffer.from([0, 2]))]))), 'leaves'],
    ['version 2 (v2) with extensions', rewrite((c) => (certParts(c).fields[0] = tlv(0xa0, [tlv(0x02, Buffer.from([1]))]))), 'leaves'],
    ['v1 with extensions', rewrite((c) => certParts(c).fields.shift()), 'leaves'],
    ['a serial with a redundant leading 0x00', rewrite((c) => (certParts(c).fields[1] = tlv(0x02, Buffer.from([0, 1, 2])))), 'leaves'],
    ['a negative serial', rewrite((c) => (certParts(c).fields[1] = tlv(0x02, Buffer.from([0xff, 0x01])))), 'reads'],
    ['an empty serial', rewrite((c) => (certParts(c).fields[1] = tlv(0x02, Buffer.alloc(0)))), 'leaves'],
    ['a long-form length where a short one fits', rewrite((c) => (certParts(c).validity.length = 'long')), 'leaves'],
    ['an indefinite length (BER)', rewrite((c) => (certParts(c).tbs.length = 'indefinite')), 'leaves'],
    ['bytes after the certificate', toPem(Buffer.concat([base, Buffer.from([0x30, 0x00])])), 'leaves'],
    ['an element after the extensions', rewrite((c) => certParts(c).fields.push(tlv(0x05, Buffer.alloc(0)))), 'leaves'],
    ['no extensions in [3]', rewrite((c) => (certParts(c).extensions!.children = [])), 'leaves'],
    ['critical written as FALSE (not DER)', rewrite((c) => sanExtension(c).children!.splice(1, 0, tlv(0x01, Buffer.from([0])))), 'leaves'],
    ['critical written as 0x01', rewrite((c) => sanExtension(c).children!.splice(1, 0, tlv(0x01, Buffer.from([1])))), 'leaves'],
    ['critical TRUE', rewrite((c) => sanExtension(c).children!.splice(1, 0, tlv(0x01, Buffer.from([0xff])))), 'reads'],
    ['two subjectAltName extensions', rewrite((c) => certParts(c).extensions!.children!.push(tlv(0x30, [tlv(0x06, Buffer.from([0x55, 0x1d, 0x11])), tlv(0x04, writeDer(tlv(0x30, [dns('second.test')])))]))), 'leaves'],
    ['an extension OID with a 0x80 subidentifier start', rewrite((c) => (certParts(c).extensions!.children![0].children![0] = tlv(0x06, Buffer.from([0x55, 0x80, 0x1d, 0x0f])))), 'leaves'],
    ['an unknown extension', rewrite((c) => certParts(c).extensions!.children!.push(tlv(0x30, [tlv(0x06, Buffer.from([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x01])), tlv(0x04, Buffer.from([0x05, 0x00]))]))), 'reads'],
    ['SAN: an empty GeneralNames', rewrite(setSan([])), 'reads'],
    ['SAN: bytes after GeneralNames', rewrite(setSan([dns('a.test')], Buffer.from([0x05, 0x00]))), 'leaves'],
    ['SAN: not a SEQUENCE', rewrite((c) => (sanExtension(c).children!.at(-1)!.content = Buffer.from([0x05, 0x00]))), 'leaves'],
    ['SAN: a truncated GeneralNames', rewrite((c) => (sanExtension(c).children!.at(-1)!.content = Buffer.from([0x30, 0x05, 0x82, 0x03, 0x61]))), 'leaves'],
    ['SAN: an empty DNS name', rewrite(setSan([dns(''), dns('b.test')])), 'reads'],
    ['SAN: upper case and digits', rewrite(setSan([dns('WWW.EXAMPLE-1.TEST'), dns('*.A.Test')])), 'reads'],
    ['SAN: a DNS name with a space', rewrite(setSan([dns('a b.test')])), 'leaves'],
    ['SAN: a DNS name with a comma and DNS: after it', rewrite(setSan([dns('a.test,DNS:evil.test')])), 'leaves'],
    ['SAN: a DNS name with quotes and a backslash', rewrite(setSan([dns(`a"'\\.test`)])), 'leaves'],
    ['SAN: a DNS name with a control character', rewrite(setSan([dns('a\n.test')])), 'leaves'],
    ['SAN: a DNS name in Latin-1', rewrite(setSan([dns('zürich.test')])), 'leaves'],
    ['SAN: an email with a comma', rewrite(setSan([tlv(0x81, 'a,DNS:evil@x.test'), dns('a.test')])), 'leaves'],
    ['SAN: a URI and an IP of odd length', rewrite(setSan([tlv(0x86, 'https://x.test/'), tlv(0x87, Buffer.from([1, 2, 3])), dns('a.test')])), 'reads'],
    ['SAN: a directoryName', rewrite(setSan([tlv(0xa4, [tlv(0x30, [tlv(0x31, [tlv(0x30, [tlv(0x06, Buffer.from([0x55, 0x04, 0x03])), tlv(0x0c, 'DNS:x, DNS:evil.test')])])])]), dns('a.test')])), 'leaves'],
    ['SAN: an otherName', rewrite(setSan([tlv(0xa0, [tlv(0x06, Buffer.from([0x2a, 0x03])), tlv(0xa0, [tlv(0x0c, 'x')])]), dns('a.test')])), 'leaves'],
    ['SAN: a registeredID', rewrite(setSan([tlv(0x88, Buffer.from([0x2a, 0x03])), dns('a.test')])), 'leaves'],
    ['SAN: a DNS name as a constructed string', rewrite(setSan([tlv(0xa2, [tlv(0x16, 'a.test')])])), 'leaves'],
  ];
  it.each(CASES)('%s', (_, pem, expected) => {
    expect(readCertFields(pem) === 'unreadable' ? 'leaves' : 'reads').toBe(expected);
    compare(pem);
  });

  it('names: a UTF8String issuer in ASCII is read; non-ASCII, bad UTF-8 and other string types are left to X509Certificate', () => {
    const issuerCn = (value: DerNode) => (c: DerNode) => {
      const issuer = certParts(c).fields[3];
      issuer.children!.at(-1)!.children![0].children![1] = value;
    };
    expect(compare(rewrite(issuerCn(tlv(0x0c, 'Test CA R1'))))).toBe('both');
    expect(compare(rewrite(issuerCn(tlv(0x16, 'Test CA R1'))))).toBe('both');
    expect(compare(rewrite(issuerCn(tlv(0x14, 'T\xe9st CA'))))).toBe('both');
    for (const odd of [tlv(0x0c, Buffer.from('Zürich CA')), tlv(0x0c, Buffer.from([0x41, 0xc3])), tlv(0x0c, Buffer.from([0xc0, 0xaf])), tlv(0x1e, Buffer.from([0, 0x41, 0])), tlv(0x1e, Buffer.from([0, 0x41])), tlv(0x1c, Buffer.from([0, 0, 0, 0x41])), tlv(0x1a, 'visible'), tlv(0x02, Buffer.from([1])), tlv(0x30, [])]) {
      expect(readCertFields(rewrite(issuerCn(odd)))).toBe('unreadable');
      compare(rewrite(issuerCn(odd)));
    }
  });
});

describe('PEM: the first CERTIFICATE block, strict base64; any other layout left to X509Certificate', () => {
  const pem = toPem(base);
  const CASES: [string, string, 'reads' | 'leaves'][] = [
    ['nothing but the certificate', pem, 'reads'],
    ['no newline after the end line', pem.trimEnd(), 'reads'],
    ['the chain after it (only the first counts)', leafChain, 'reads'],
    ['another certificate after it', pem + toPem(BASES['ec, 100 names']), 'reads'],
    ['text after the end line', `${pem}some text\n`, 'reads'],
    ['lines of 76 characters', `-----BEGIN CERTIFICATE-----\n${base.toString('base64').replace(/.{76}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`, 'reads'],
    ['CRLF line ends', pem.replaceAll('\n', '\r\n'), 'leaves'],
    ['text before the block', `subject=CN = example.test\n${pem}`, 'leaves'],
    ['a key block before it', `-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${pem}`, 'leaves'],
    ['one base64 line', `-----BEGIN CERTIFICATE-----\n${base.toString('base64')}\n-----END CERTIFICATE-----\n`, 'leaves'],
    ['a blank line inside', pem.replace('\n', '\n\n'), 'leaves'],
    ['trailing spaces on a line', pem.replace(/\n(?!-)/, '  \n'), 'leaves'],
    ['a character that is not base64', pem.replace(/(\n.{10})./, '$1*'), 'leaves'],
    ['padding in the middle', pem.replace(/(\n.{10})../, '$1=='), 'leaves'],
    ['a header line', pem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n'), 'leaves'],
    ['no end line', pem.slice(0, pem.indexOf('-----END')), 'leaves'],
    ['an end line with text after it', pem.replace('-----END CERTIFICATE-----\n', '-----END CERTIFICATE-----x\n'), 'leaves'],
    ['TRUSTED CERTIFICATE', pem.replaceAll(' CERTIFICATE-----', ' TRUSTED CERTIFICATE-----'), 'leaves'],
    ['X509 CERTIFICATE', pem.replaceAll(' CERTIFICATE-----', ' X509 CERTIFICATE-----'), 'leaves'],
    ['a missing base64 character', pem.replace(/(\n.{10})./, '$1'), 'leaves'],
    ['empty', '', 'leaves'],
    ['garbage', '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----', 'leaves'],
  ];
  it.each(CASES)('%s', (_, text, expected) => {
    expect(readCertFields(text) === 'unreadable' ? 'leaves' : 'reads').toBe(expected);
    compare(text);
  });
});

describe('mutated certificates: never a different answer than X509Certificate', () => {
  /** A small seeded generator (mulberry32): the same mutations of each run's certificates; a failure prints its PEM. */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const counts = { both: 0, 'node only': 0, neither: 0 };

  it.each(Object.entries(BASES))('%s: truncated, lengths changed, bytes flipped', (_, der) => {
    const next = random(der.length);
    const mutants: Buffer[] = [];
    for (let cut = 0; cut < der.length; cut += Math.max(1, Math.floor(der.length / 60))) mutants.push(der.subarray(0, cut));
    for (let cut = der.length - 12; cut < der.length; cut++) mutants.push(der.subarray(0, cut));
    for (const at of lengthOffsets(der)) {
      for (const change of [1, -1, 0x80]) {
        const m = Buffer.from(der);
        m[at] = change === 0x80 ? 0x80 : (m[at] + change) & 0xff;
        mutants.push(m);
      }
    }
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(der);
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) m[Math.floor(next() * m.length)] = Math.floor(next() * 256);
      mutants.push(m);
    }
    // Most random bytes are key and signature bits, which neither side reads: 200 more flips at
    // or just after an element's tag and length, where the structure is.
    const headers = lengthOffsets(der);
    for (let i = 0; i < 200; i++) {
      const m = Buffer.from(der);
      const at = headers[Math.floor(next() * headers.length)] - 1 + Math.floor(next() * 5);
      if (at < m.length) m[at] = Math.floor(next() * 256);
      mutants.push(m);
    }
    for (const m of mutants) counts[compare(toPem(m))]++;
    expect(mutants.length).toBeGreaterThan(500);
  });

  it('the mutations reached both sides (not a test that cannot fail)', () => {
    console.log(`mutated certificates: ${JSON.stringify(counts)}`);
    expect(counts.both).toBeGreaterThan(300);
    expect(counts.neither).toBeGreaterThan(300);
  });
});
