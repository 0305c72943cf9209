/**
 * Ansible's INI plugin reads every value with Python's `ast.literal_eval` and keeps
 * the text when that fails: `5` is a number, `True` a boolean, `[1, 2]` a list,
 * `'x'` the string x, while `true`, `yes` and `a b` stay strings. This is that
 * evaluation for the literals an inventory can hold (numbers, strings, True,
 * False, None, lists, tuples, dicts); anything else keeps its text, as in Ansible.
 */
export function pythonLiteralOrText(text: string): unknown {
  try {
    const parser = new LiteralParser(text);
    const value = parser.value();
    parser.end();
    return value;
  } catch (err) {
    if (err instanceof NotALiteral) return text;
    throw err;
  }
}

class NotALiteral extends Error {}

/** A literal Python reads but provision cannot reproduce: an error, rather than a different value. */
export class UnsupportedLiteral extends Error {}

/** A string literal's start: an optional prefix (u, r, b, rb, f, …) and its quote. */
const STRING_START = /^([rRuUbBfF]{0,2})['"]/;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

/** A bytes literal's characters (each one byte) as UTF-8 text, as Ansible's to_text makes it; not UTF-8 is refused. */
function utf8Text(bytes: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
  } catch {
    throw new UnsupportedLiteral('a bytes literal that is not UTF-8');
  }
}

const NUMBER = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d[\d_]*)?)/;
const KEYWORDS: Record<string, unknown> = { True: true, False: false, None: null };

class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) throw new NotALiteral();
  }

  value(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.dict();
    if (STRING_START.test(this.text.slice(this.pos))) return this.strings();
    if (c === '-' || c === '+') {
      this.pos++;
      this.skipSpace();
      // Python takes one sign on a number: --5 is not a literal.
      if (this.text[this.pos] === '-' || this.text[this.pos] === '+') throw new NotALiteral();
      const n = this.value();
      if (typeof n !== 'number') throw new NotALiteral();
      return c === '-' ? -n : n;
    }
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.pos));
    if (word) {
      if (!(word[0] in KEYWORDS)) throw new NotALiteral();
      this.pos += word[0].length;
      return KEYWORDS[word[0]];
    }
    return this.number();
  }

  private number(): number {
    const m = NUMBER.exec(this.text.slice(this.pos));
    if (!m || m[0].endsWith('_') || m[0].includes('__')) throw new NotALiteral();
    this.pos += m[0].length;
    const t = m[0].replace(/_/g, '').toLowerCase();
    if (t.startsWith('0x')) return parseInt(t.slice(2), 16);
    if (t.startsWith('0o')) return parseInt(t.slice(2), 8);
    if (t.startsWith('0b')) return parseInt(t.slice(2), 2);
    // Python refuses leading zeros on a decimal integer (010), but not 0.5 or 00.
    if (/^0\d/.test(t) && !/[.e]/.test(t) && !/^0+$/.test(t)) throw new NotALiteral();
    return Number(t);
  }

  /** One string literal, or several written side by side ('a' 'b' is 'ab' in Python). */
  private strings(): string {
    const first = this.stringLiteral();
    let text = first.text;
    for (;;) {
      this.skipSpace();
      if (!STRING_START.test(this.text.slice(this.pos))) return text;
      const next = this.stringLiteral();
      // Python refuses to join bytes and text ('a' b'x' is a SyntaxError): the value stays text.
      if (next.bytes !== first.bytes) throw new NotALiteral();
      text += next.text;
    }
  }

  /** A string literal with its prefix: u'x', r'\d', b'x' (bytes, which Ansible turns into text), rb'', f'' (not a literal). */
  private stringLiteral(): { text: string; bytes: boolean } {
    const prefix = STRING_START.exec(this.text.slice(this.pos))![1].toLowerCase();
    if (prefix.includes('f')) throw new NotALiteral();
    const raw = prefix.includes('r');
    const bytes = prefix.includes('b');
    this.pos += prefix.length;
    const quote = this.text[this.pos];
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const close = triple ? quote.repeat(3) : quote;
    this.pos += close.length;
    let out = '';
    while (!this.text.startsWith(close, this.pos)) {
      if (this.pos >= this.text.length || (!triple && this.text[this.pos] === '\n')) throw new NotALiteral();
      const ch = this.text[this.pos++];
      if (bytes && ch.charCodeAt(0) > 0x7f) throw new NotALiteral();
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      if (this.pos >= this.text.length) throw new NotALiteral();
      // In a raw string a backslash stays, and keeps the next character (even a quote) from ending it.
      if (raw) {
        out += ch + this.text[this.pos++];
        continue;
      }
      out += this.escape(bytes);
    }
    this.pos += close.length;
    return { text: bytes ? utf8Text(out) : out, bytes };
  }

  /** The character(s) of the escape after a backslash, as Python reads it; unknown escapes keep the backslash. */
  private escape(bytes: boolean): string {
    const esc = this.text[this.pos++];
    if (esc in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[esc];
    const octal = /^[0-7]{1,3}/.exec(this.text.slice(this.pos - 1));
    if (octal) {
      this.pos += octal[0].length - 1;
      return String.fromCodePoint(parseInt(octal[0], 8));
    }
    const hexLength = esc === 'x' ? 2 : !bytes && esc === 'u' ? 4 : !bytes && esc === 'U' ? 8 : 0;
    if (hexLength) {
      const hex = this.text.slice(this.pos, this.pos + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) throw new NotALiteral();
      this.pos += hexLength;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new NotALiteral();
      return String.fromCodePoint(code);
    }
    // \N{BULLET} needs Unicode's name table: rather than a different value, provision refuses it.
    if (!bytes && esc === 'N') throw new UnsupportedLiteral('a \\N{NAME} escape in a Python string literal');
    return `\\${esc}`;
  }

  private sequence(closer: string): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === closer) break;
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.text[this.pos] !== closer) throw new NotALiteral();
    }
    this.pos++;
    // (5) is just 5 in Python; (5,) is a tuple, which Ansible passes on as a list.
    if (closer === ')' && items.length === 1 && !sawComma) return items[0] as unknown[];
    return items;
  }

  private dict(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      const key = this.value();
      this.skipSpace();
      // {1, 2} is a set: not something an inventory value can be in JSON; keep the text.
      if (this.text[this.pos++] !== ':') throw new NotALiteral();
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw new NotALiteral();
    }
    this.pos++;
    return out;
  }

  /** Spaces, and a `#` comment to the end of the line: literal_eval reads Python source ('5 # c' is 5). */
  private skipSpace(): void {
    for (;;) {
      while (this.pos < this.text.length && /[ \t\n]/.test(this.text[this.pos])) this.pos++;
      if (this.text[this.pos] !== '#') return;
      const end = this.text.indexOf('\n', this.pos);
      this.pos = end < 0 ? this.text.length : end;
    }
  }
}
