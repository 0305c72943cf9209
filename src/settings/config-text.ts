/**
 * ansible.cfg's bytes as text. Ansible 2.14 reads the file as UTF-8 with Python's
 * surrogateescape: a byte that is not UTF-8 (a Latin-1 é) is kept as that raw byte. In a
 * comment it changes nothing; in a value it reaches a user name or path as a byte no UTF-8
 * program writes, which provision (JavaScript strings) cannot carry unchanged: such a line is
 * refused, naming it (see parseIni), rather than read with a replacement character.
 */
export interface ConfigText {
  /** The text, each undecodable byte replaced by U+FFFD. */
  text: string;
  /** Line number (1-based, as parseIni counts lines) → the first undecodable byte on it. */
  undecodable: Map<number, number>;
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

export function decodeConfigText(bytes: Uint8Array): ConfigText {
  const undecodable = new Map<number, number>();
  try {
    return { text: strict.decode(bytes), undecodable };
  } catch {
    // Only a file with a bad byte pays for the line-by-line look.
  }
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    const atEnd = i === bytes.length;
    if (!atEnd && bytes[i] !== 0x0a && bytes[i] !== 0x0d) continue;
    const bad = firstUndecodable(bytes.subarray(start, i));
    if (bad !== undefined) undecodable.set(line, bad);
    if (!atEnd && bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i++;
    start = i + 1;
    line++;
  }
  return { text: lenient.decode(bytes), undecodable };
}

/** The first byte of the line that starts no valid UTF-8 sequence; undefined when the line is valid. */
function firstUndecodable(line: Uint8Array): number | undefined {
  for (let i = 0; i < line.length; ) {
    const lead = line[i];
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > line.length) return lead;
    try {
      strict.decode(line.subarray(i, i + length));
    } catch {
      return lead;
    }
    i += length;
  }
  return undefined;
}
