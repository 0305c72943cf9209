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
    if (c === '"' || c === "'") return this.string();
    if (c === '-' || c === '+') {
      this.pos++;
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

  private string(): string {
    const quote = this.text[this.pos];
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const close = triple ? quote.repeat(3) : quote;
    this.pos += close.length;
    let out = '';
    while (!this.text.startsWith(close, this.pos)) {
      if (this.pos >= this.text.length || (!triple && this.text[this.pos] === '\n')) throw new NotALiteral();
      const ch = this.text[this.pos++];
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
      if (esc in simple) out += simple[esc];
      else if (esc === 'x' || esc === 'u') {
        const len = esc === 'x' ? 2 : 4;
        out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + len), 16));
        this.pos += len;
      } else out += `\\${esc}`;
    }
    this.pos += close.length;
    return out;
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

  private skipSpace(): void {
    // Leading indentation is a syntax error for literal_eval; the callers strip values first.
    while (this.pos < this.text.length && /[ \t\n]/.test(this.text[this.pos]) && this.pos > 0) this.pos++;
  }
}
