import { ExpressionError } from './error.js';

/** One lexical unit of a condition; `column` is 1-based in the condition's text. */
export type Token =
  | { kind: 'name'; value: string; column: number }
  | { kind: 'string'; value: string; column: number }
  | { kind: 'number'; value: number; column: number }
  | { kind: 'op'; value: string; column: number }
  | { kind: 'end'; value: ''; column: number };

// Longest first, so `<=` is not read as `<` then `=`.
const OPERATORS = ['==', '!=', '<=', '>=', '//', '**', '<', '>', '(', ')', '[', ']', '{', '}', '.', ',', '|', ':', '=', '+', '-', '*', '/', '%', '~'];
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
// Jinja's number syntax: digits with `_` separators; a float needs a fraction or an exponent.
const NUMBER = /(?:\d+_)*\d+(?:\.(?:\d+_)*\d+)?(?:[eE][+-]?(?:\d+_)*\d+)?/y;
const INTEGER = /(?:\d+_)*\d+/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

/** Splits a condition into tokens, Jinja's way; the last token is always `end`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos];
    if (/\s/.test(ch)) {
      pos++;
      continue;
    }
    const column = pos + 1;
    if (ch === '{' && (text[pos + 1] === '{' || text[pos + 1] === '%')) {
      throw new ExpressionError(`a condition is a bare expression, without "${text.slice(pos, pos + 2)}" delimiters (write \`x == 1\`, not \`{{ x == 1 }}\`)`, text, column);
    }
    if (ch === "'" || ch === '"') {
      const [value, end] = readString(text, pos);
      tokens.push({ kind: 'string', value, column });
      pos = end;
      continue;
    }
    const afterDot = tokens.at(-1)?.value === '.';
    const number = matchAt(afterDot ? INTEGER : NUMBER, text, pos);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number.replaceAll('_', '')), column });
      pos += number.length;
      continue;
    }
    const name = matchAt(NAME, text, pos);
    if (name) {
      tokens.push({ kind: 'name', value: name, column });
      pos += name.length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, pos));
    if (!op) throw new ExpressionError(`unexpected character "${ch}"`, text, column);
    tokens.push({ kind: 'op', value: op, column });
    pos += op.length;
  }
  tokens.push({ kind: 'end', value: '', column: text.length + 1 });
  return tokens;
}

function matchAt(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  return re.exec(text)?.[0];
}

/** A quoted string from `start` (the quote): its value with Python's escapes decoded, and the index after it. */
function readString(text: string, start: number): [string, number] {
  const quote = text[start];
  let value = '';
  let pos = start + 1;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === quote) return [value, pos + 1];
    if (ch !== '\\') {
      value += ch;
      pos++;
      continue;
    }
    const next = text[pos + 1] ?? '';
    const hex = { x: 2, u: 4, U: 8 }[next];
    if (hex && /^[0-9a-fA-F]+$/.test(text.slice(pos + 2, pos + 2 + hex)) && text.length >= pos + 2 + hex) {
      value += String.fromCodePoint(parseInt(text.slice(pos + 2, pos + 2 + hex), 16));
      pos += 2 + hex;
    } else if (Object.hasOwn(SIMPLE_ESCAPES, next)) {
      value += SIMPLE_ESCAPES[next];
      pos += 2;
    } else {
      // Python keeps an unknown escape as it is: '\d' is backslash, d.
      value += ch;
      pos++;
    }
  }
  throw new ExpressionError(`unterminated string (a ${quote} without its closing ${quote})`, text, start + 1);
}
