/**
 * A DER tree for tests: parse a certificate into nodes, change one, write it back (with minimal
 * lengths, or on request a non-minimal or indefinite one), so that tests can build the odd
 * certificates openssl will not make. Also the header positions a mutation test flips.
 */
export interface DerNode {
  tag: number;
  /** Primitive content; a constructed node has children instead. */
  content?: Buffer;
  children?: DerNode[];
  /** How this node's length is written: 'minimal' (DER), 'long' (0x82 and two bytes), 'indefinite' (BER). */
  length?: 'minimal' | 'long' | 'indefinite';
}

export function parseDer(der: Buffer): DerNode {
  const [node, end] = parseAt(der, 0);
  if (end !== der.length) throw new Error('trailing bytes');
  return node;
}

/** An element's header at `at`: its tag, where its content starts and how long it is (one-byte tags, definite lengths). */
function header(der: Buffer, at: number): { tag: number; content: number; end: number } {
  let length = der[at + 1];
  let p = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[p++];
  }
  return { tag: der[at], content: p, end: p + length };
}

function parseAt(der: Buffer, at: number): [DerNode, number] {
  const { tag, content, end } = header(der, at);
  if (!(tag & 0x20)) return [{ tag, content: der.subarray(content, end) }, end];
  const children: DerNode[] = [];
  for (let p = content; p < end; ) {
    const [child, next] = parseAt(der, p);
    children.push(child);
    p = next;
  }
  return [{ tag, children }, end];
}

export function writeDer(node: DerNode): Buffer {
  const content = node.content ?? Buffer.concat((node.children ?? []).map(writeDer));
  if (node.length === 'indefinite') return Buffer.concat([Buffer.from([node.tag, 0x80]), content, Buffer.from([0, 0])]);
  return Buffer.concat([Buffer.from([node.tag]), lengthBytes(content.length, node.length === 'long'), content]);
}

function lengthBytes(n: number, long: boolean): Buffer {
  if (long) return Buffer.from([0x82, n >> 8, n & 0xff]);
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

/** A node from tag and content (Buffer, string as Latin-1, or children). */
export function tlv(tag: number, content: Buffer | string | DerNode[]): DerNode {
  if (Array.isArray(content)) return { tag, children: content };
  return { tag, content: typeof content === 'string' ? Buffer.from(content, 'latin1') : content };
}

export function toPem(der: Buffer): string {
  const b64 = der.toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export function fromPem(pem: string): Buffer {
  return Buffer.from(/-----BEGIN CERTIFICATE-----([^-]*)-----END/.exec(pem)![1].replace(/\s/g, ''), 'base64');
}

/** Offsets of every element's length byte (the byte after its one-byte tag), outermost first. */
export function lengthOffsets(der: Buffer): number[] {
  const offsets: number[] = [];
  const walk = (at: number, end: number) => {
    while (at < end) {
      const h = header(der, at);
      offsets.push(at + 1);
      if (h.tag & 0x20) walk(h.content, h.end);
      at = h.end;
    }
  };
  walk(0, der.length);
  return offsets;
}

/** The certificate's parts by name, for tests that change one. */
export function certParts(cert: DerNode) {
  const tbs = cert.children![0];
  const fields = tbs.children!;
  const hasVersion = fields[0].tag === 0xa0;
  const at = hasVersion ? 1 : 0;
  return {
    tbs,
    fields,
    validity: fields[at + 3],
    /** The [3] extensions' SEQUENCE, if any. */
    extensions: fields.find((f) => f.tag === 0xa3)?.children![0],
  };
}
