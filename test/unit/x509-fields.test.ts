import { describe, expect, it } from 'vitest';
import { readCertFields } from '../../src/x509-fields.js';
import { tlv, toPem, writeDer, type DerNode } from '../support/der.js';

// Hand-built certificates (no signature check is involved: the reader reads, it does not verify).
// test/oracle/x509-fields.test.ts compares the reader with X509Certificate and openssl.

const oid = (...bytes: number[]) => tlv(0x06, Buffer.from(bytes));
const ECDSA_SHA256 = tlv(0x30, [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02)]);
const CN = (name: string) => tlv(0x30, [tlv(0x31, [tlv(0x30, [oid(0x55, 0x04, 0x03), tlv(0x13, name)])])]);
const SPKI = tlv(0x30, [tlv(0x30, [oid(0x2b, 0x65, 0x70)]), tlv(0x03, Buffer.alloc(33))]);
const san = (...names: DerNode[]) => tlv(0x30, [oid(0x55, 0x1d, 0x11), tlv(0x04, writeDer(tlv(0x30, names)))]);

function cert(o: { version?: number; notAfter?: DerNode; extensions?: DerNode[] }): string {
  const tbs = [
    ...(o.version === undefined ? [] : [tlv(0xa0, [tlv(0x02, Buffer.from([o.version]))])]),
    tlv(0x02, Buffer.from([0x01])),
    ECDSA_SHA256,
    CN('Test CA'),
    tlv(0x30, [tlv(0x17, '260101000000Z'), o.notAfter ?? tlv(0x17, '270101000000Z')]),
    CN('example.test'),
    SPKI,
    ...(o.extensions ? [tlv(0xa3, [tlv(0x30, o.extensions)])] : []),
  ];
  return toPem(writeDer(tlv(0x30, [tlv(0x30, tbs), ECDSA_SHA256, tlv(0x03, Buffer.from([0, 1, 2]))])));
}

const JAN_2027 = Date.UTC(2027, 0, 1) / 1000;

describe('readCertFields', () => {
  it.each([
    ['nothing to read: empty text', '', 'unreadable'],
    ['nothing to read: no certificate block', 'absent\n', 'unreadable'],
    ['v1, no extensions: no names', cert({}), { notAfter: JAN_2027, dnsNames: [] }],
    ['v3 without subjectAltName: no names', cert({ version: 2, extensions: [tlv(0x30, [oid(0x55, 0x1d, 0x13), tlv(0x04, Buffer.from([0x30, 0x00]))])] }), { notAfter: JAN_2027, dnsNames: [] }],
    [
      'v3: DNS names lower-cased in order, other kinds skipped',
      cert({ version: 2, extensions: [san(tlv(0x82, 'WWW.Example.test'), tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x81, 'a@example.test'), tlv(0x82, '*.example.test'))] }),
      { notAfter: JAN_2027, dnsNames: ['www.example.test', '*.example.test'] },
    ],
    ['GeneralizedTime after 2049', cert({ notAfter: tlv(0x18, '20810904071132Z') }), { notAfter: Date.UTC(2081, 8, 4, 7, 11, 32) / 1000, dnsNames: [] }],
    ['UTCTime 49 is 2049', cert({ notAfter: tlv(0x17, '491231235959Z') }), { notAfter: Date.UTC(2049, 11, 31, 23, 59, 59) / 1000, dnsNames: [] }],
    ['UTCTime 50 is 1950', cert({ notAfter: tlv(0x17, '500101000000Z') }), { notAfter: Date.UTC(1950, 0, 1) / 1000, dnsNames: [] }],
    ['a time with an offset is not read', cert({ notAfter: tlv(0x17, '270101000000+0100') }), 'unreadable'],
    ['extensions in a v1 certificate are not read', cert({ extensions: [san(tlv(0x82, 'a.test'))] }), 'unreadable'],
    ['a directoryName in the SAN is not read', cert({ version: 2, extensions: [san(tlv(0xa4, [CN('x')]))] }), 'unreadable'],
  ])('%s', (_, pem, expected) => {
    expect(readCertFields(pem)).toEqual(expected);
  });

  it('a truncated certificate is unreadable at every length', () => {
    const der = Buffer.from(cert({ version: 2, extensions: [san(tlv(0x82, 'a.test'))] }).split('\n').slice(1, -2).join(''), 'base64');
    for (let cut = 0; cut < der.length; cut++) expect(readCertFields(toPem(der.subarray(0, cut)))).toBe('unreadable');
  });
});
