/**
 * Ansible's key=value strings (lib/ansible/parsing/splitter.py: split_args,
 * parse_kv; quoting.py: unquote), as `-e "a=1 b='x y'"` reads them: split on
 * spaces (and newlines) except inside quotes or Jinja2 blocks, backslash
 * escapes decoded as Python's unicode-escape does (`\n`, `\t`, `\\`, `\'`,
 * `\x41`, `\u00e9`...), the key cut at the first unescaped `=`, and one pair
 * of matching quotes around the value removed.
 */
export class KvError extends Error {}

export interface KvPair {
  key: string;
  value: string;
  /** The value was written in quotes: provision then keeps it a string. */
  quoted: boolean;
}

export interface ParsedKv {
  pairs: KvPair[];
  /** Words without `=` (Ansible's `_raw_params`). */
  raw: string[];
}

export function parseKv(args: string): ParsedKv {
  const pairs: KvPair[] = [];
  const raw: string[] = [];
  for (const token of splitArgs(args)) {
    const x = decodeEscapes(token);
    const pos = firstUnescapedEquals(x);
    if (pos < 0) {
      raw.push(x.includes('=') ? x.replaceAll('\\=', '=') : token);
      continue;
    }
    const value = x.slice(pos + 1).trim();
    pairs.push({ key: x.slice(0, pos).trim(), value: unquote(value), quoted: isQuoted(value) });
  }
  return { pairs, raw };
}

/** parse_kv's search: from index 1, the first `=` not preceded by a backslash. */
function firstUnescapedEquals(x: string): number {
  for (let pos = x.indexOf('=', 1); pos >= 0; pos = x.indexOf('=', pos + 1)) if (x[pos - 1] !== '\\') return pos;
  return -1;
}

function isQuoted(data: string): boolean {
  return data.length > 1 && data[0] === data[data.length - 1] && (data[0] === '"' || data[0] === "'") && data[data.length - 2] !== '\\';
}

function unquote(data: string): string {
  return isQuoted(data) ? data.slice(1, -1) : data;
}

const ESCAPE = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\N\{[^}]+\}|\\[\\'"abfnrtv]/g;
const SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function decodeEscapes(s: string): string {
  return s.replace(ESCAPE, (m) => {
    if (m[1] === 'N') throw new KvError(`the escape ${m} (a Unicode character name) is not supported; write the character or \\u`);
    if (m.length === 2) return SIMPLE[m[1]];
    const code = parseInt(m.slice(2), 16);
    if (code > 0x10ffff) throw new KvError(`the escape ${m} is not a Unicode character`);
    return String.fromCodePoint(code);
  });
}

/** _get_quote_state: the quote still open after `token`, given the one open before it. */
function quoteState(token: string, quote: string | null): string | null {
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if ((c === '"' || c === "'") && (i === 0 || token[i - 1] !== '\\')) {
      if (quote) {
        if (c === quote) quote = null;
      } else quote = c;
    }
  }
  return quote;
}

function blockDepth(token: string, depth: number, open: string, close: string): number {
  const opened = token.split(open).length - 1;
  const closed = token.split(close).length - 1;
  return opened === closed ? depth : Math.max(0, depth + opened - closed);
}

/** split_args, step for step (its quirks included: only spaces separate, not tabs). */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const last = (): number => {
    if (params.length === 0) throw new KvError('unable to parse the argument string (it starts with spaces or a line break)');
    return params.length - 1;
  };
  const items = args.split('\n');
  let quote: string | null = null;
  let insideQuotes = false;
  let printDepth = 0;
  let blockDepth_ = 0;
  let commentDepth = 0;
  items.forEach((item, itemIndex) => {
    const tokens = item.split(' ');
    let lineContinuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        params[last()] += ' ';
        return;
      }
      if (token === '\\' && !insideQuotes) {
        lineContinuation = true;
        return;
      }
      const wasInsideQuotes = insideQuotes;
      quote = quoteState(token, quote);
      insideQuotes = quote !== null;
      let appended = false;
      const inBlock = () => printDepth || blockDepth_ || commentDepth;
      if (insideQuotes && !wasInsideQuotes && !inBlock()) {
        params.push(token);
        appended = true;
      } else if (inBlock() || insideQuotes || wasInsideQuotes) {
        if (idx === 0 && wasInsideQuotes) params[last()] += token;
        else if (tokens.length > 1) params[last()] += (idx > 0 ? ' ' : '') + token;
        else params[last()] += `\n${token}`;
        appended = true;
      }
      const before = [printDepth, blockDepth_, commentDepth];
      printDepth = blockDepth(token, printDepth, '{{', '}}');
      if (printDepth !== before[0] && !appended) {
        params.push(token);
        appended = true;
      }
      blockDepth_ = blockDepth(token, blockDepth_, '{%', '%}');
      if (blockDepth_ !== before[1] && !appended) {
        params.push(token);
        appended = true;
      }
      commentDepth = blockDepth(token, commentDepth, '{#', '#}');
      if (commentDepth !== before[2] && !appended) {
        params.push(token);
        appended = true;
      }
      if (!inBlock() && !insideQuotes && !appended && token !== '') params.push(token);
    });
    if (items.length > 1 && itemIndex !== items.length - 1 && !lineContinuation) params[last()] += '\n';
  });
  if (printDepth || blockDepth_ || commentDepth || insideQuotes) throw new KvError('unbalanced quotes or jinja2 block');
  return params;
}
