/**
 * Python `re` patterns (as Ansible compiles `~regex` host patterns and fnmatch
 * globs) translated into JavaScript RegExps with the same meaning, or refused.
 *
 * The two dialects mostly agree, but not everywhere: Python's `$` also matches
 * before a final newline, `\d` `\w` `\s` `\b` are Unicode-aware, `(?P<n>...)`
 * names groups, `{,3}` is a quantifier and a lone `{` a literal, `[]a]` holds
 * `]`. Those are translated. Constructs JS has no equivalent for (scoped or
 * verbose flags, atomic groups, possessive quantifiers, conditionals, `\N{...}`,
 * octal escapes) are refused with an error rather than read differently.
 */
export class PythonRegexError extends Error {}

interface Flags {
  ignoreCase: boolean;
  dotAll: boolean;
  multiline: boolean;
  ascii: boolean;
}

const WORD = '\\p{L}\\p{N}_';
// Python's str.isspace(): the characters `\s` matches in a str pattern.
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const ASCII_SPACE = ' \\t\\n\\r\\f\\v';

/** Compiles `source` as Python's `re.compile(source).match` would use it: anchored at the start only. */
export function compilePythonRegex(source: string): RegExp {
  const { body, flags } = translate(source);
  return new RegExp(`^(?:${body})`, `u${flags.ignoreCase ? 'i' : ''}`);
}

function translate(source: string): { body: string; flags: Flags } {
  const flags: Flags = { ignoreCase: false, dotAll: false, multiline: false, ascii: false };
  let i = 0;
  // Global inline flags must come first (Python 3.11 refuses them elsewhere).
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(source.slice(i)); m; m = /^\(\?([aiLmsux]+)\)/.exec(source.slice(i))) {
    for (const f of m[1]) {
      if (f === 'i') flags.ignoreCase = true;
      else if (f === 's') flags.dotAll = true;
      else if (f === 'm') flags.multiline = true;
      else if (f === 'a') flags.ascii = true;
      else if (f === 'u') continue;
      else throw new PythonRegexError(`the inline flag (?${f}) is not supported`);
    }
    i += m[0].length;
  }
  let out = '';
  let groups = 0;
  let depth = 0;
  let canRepeat = false;
  const fail = (what: string): never => {
    throw new PythonRegexError(`${what} (at position ${i})`);
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const { js, length, repeatable } = escape(source, i, flags, false);
      out += js;
      i += length;
      canRepeat = repeatable;
    } else if (c === '[') {
      const { js, length } = characterClass(source, i, flags);
      out += js;
      i += length;
      canRepeat = true;
    } else if (c === '(') {
      const rest = source.slice(i);
      let m: RegExpExecArray | null;
      if (rest.startsWith('(?:') || rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
        const open = /^\(\?(?::|=|!|<=|<!)/.exec(rest)![0];
        out += open;
        i += open.length;
      } else if ((m = /^\(\?P<([A-Za-z_]\w*)>/.exec(rest))) {
        out += `(?<${m[1]}>`;
        i += m[0].length;
        groups++;
      } else if ((m = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest))) {
        out += `\\k<${m[1]}>`;
        i += m[0].length;
        canRepeat = true;
        continue;
      } else if ((m = /^\(\?#[^)]*\)/.exec(rest))) {
        i += m[0].length;
        continue;
      } else if (rest.startsWith('(?')) {
        fail(`the group "${rest.slice(0, 4)}..." has no JavaScript equivalent`);
      } else {
        out += '(';
        i++;
        groups++;
      }
      depth++;
      canRepeat = false;
      continue;
    } else if (c === ')') {
      if (depth === 0) fail('unbalanced parenthesis');
      depth--;
      out += ')';
      i++;
      canRepeat = true;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      const quantifier = c === '{' ? braceQuantifier(source, i) : { js: c, length: 1 };
      if (!quantifier) {
        out += '\\{';
        i++;
        canRepeat = true;
        continue;
      }
      if (!canRepeat) fail('nothing to repeat');
      out += quantifier.js;
      i += quantifier.length;
      if (source[i] === '?') {
        out += '?';
        i++;
      } else if (source[i] === '+') fail('possessive quantifiers have no JavaScript equivalent');
      if (source[i] === '*' || source[i] === '+' || source[i] === '{' && braceQuantifier(source, i)) fail('multiple repeat');
      canRepeat = false;
    } else if (c === '.') {
      out += flags.dotAll ? '[\\s\\S]' : '[^\\n]';
      i++;
      canRepeat = true;
    } else if (c === '^') {
      out += flags.multiline ? '(?:(?<![\\s\\S])|(?<=\\n))' : '(?<![\\s\\S])';
      i++;
      canRepeat = false;
    } else if (c === '$') {
      out += flags.multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
      i++;
      canRepeat = false;
    } else if (c === '|') {
      out += '|';
      i++;
      canRepeat = false;
    } else {
      out += literal(c.codePointAt(0)!);
      i += c.length;
      canRepeat = true;
    }
  }
  if (depth !== 0) throw new PythonRegexError('missing ), unterminated subpattern');
  void groups;
  return { body: out, flags };
}

/** `{m,n}` as Python reads it, or null when the brace is a literal. */
function braceQuantifier(source: string, i: number): { js: string; length: number } | null {
  const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(source.slice(i));
  if (!m || (m[1] === '' && !m[2])) return null;
  const lo = m[1] || '0';
  const hi = m[2] ? m[3] : m[1];
  if (hi !== '' && Number(hi) < Number(lo)) throw new PythonRegexError(`min repeat greater than max repeat in "${m[0]}"`);
  return { js: `{${lo}${m[2] ? `,${hi}` : ''}}`, length: m[0].length };
}

/** One backslash escape, outside or inside a character class. */
function escape(source: string, i: number, flags: Flags, inClass: boolean): { js: string; length: number; repeatable: boolean; isClass?: boolean; code?: number } {
  const next = source[i + 1];
  if (next === undefined) throw new PythonRegexError('bad escape (end of pattern)');
  const chr = (code: number, length: number) => ({ js: literal(code), length, repeatable: true, code });
  const cls = (js: string) => ({ js, length: 2, repeatable: true, isClass: true });
  switch (next) {
    case 'd': return cls(flags.ascii ? (inClass ? '0-9' : '[0-9]') : (inClass ? '\\p{Nd}' : '\\p{Nd}'));
    case 'D': return cls(flags.ascii ? (inClass ? refuse('\\D inside a character class') : '[^0-9]') : '\\P{Nd}');
    case 'w': return cls(flags.ascii ? (inClass ? 'A-Za-z0-9_' : '[A-Za-z0-9_]') : (inClass ? WORD : `[${WORD}]`));
    case 'W': return cls(inClass ? refuse('\\W inside a character class') : flags.ascii ? '[^A-Za-z0-9_]' : `[^${WORD}]`);
    case 's': return cls(inClass ? (flags.ascii ? ASCII_SPACE : SPACE) : `[${flags.ascii ? ASCII_SPACE : SPACE}]`);
    case 'S': return cls(inClass ? refuse('\\S inside a character class') : `[^${flags.ascii ? ASCII_SPACE : SPACE}]`);
    case 'b': {
      if (inClass) return chr(8, 2);
      const w = flags.ascii ? '[A-Za-z0-9_]' : `[${WORD}]`;
      return { js: `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`, length: 2, repeatable: false };
    }
    case 'B': {
      if (inClass) throw new PythonRegexError('bad escape \\B');
      const w = flags.ascii ? '[A-Za-z0-9_]' : `[${WORD}]`;
      return { js: `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`, length: 2, repeatable: false };
    }
    case 'A': if (inClass) throw new PythonRegexError('bad escape \\A'); return { js: '(?<![\\s\\S])', length: 2, repeatable: false };
    case 'Z': if (inClass) throw new PythonRegexError('bad escape \\Z'); return { js: '(?![\\s\\S])', length: 2, repeatable: false };
    case 'a': return chr(7, 2);
    case 'f': return chr(12, 2);
    case 'n': return chr(10, 2);
    case 'r': return chr(13, 2);
    case 't': return chr(9, 2);
    case 'v': return chr(11, 2);
    case 'x': case 'u': case 'U': {
      const digits = { x: 2, u: 4, U: 8 }[next];
      const hex = source.slice(i + 2, i + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) throw new PythonRegexError(`incomplete escape \\${next}${hex}`);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new PythonRegexError(`bad escape \\${next}${hex}`);
      return chr(code, 2 + digits);
    }
  }
  if (/[0-9]/.test(next)) {
    const m = /^[1-9][0-9]?/.exec(source.slice(i + 1));
    if (inClass || !m || next === '0' || /^[0-7]{3}/.test(source.slice(i + 1))) throw new PythonRegexError(`octal escapes such as \\${next} are not supported`);
    return { js: `\\${m[0]}`, length: 1 + m[0].length, repeatable: true };
  }
  if (/[A-Za-z]/.test(next)) throw new PythonRegexError(`bad escape \\${next}`);
  return chr(source.codePointAt(i + 1)!, 1 + String.fromCodePoint(source.codePointAt(i + 1)!).length);
}

function refuse(what: string): never {
  throw new PythonRegexError(`${what} has no JavaScript equivalent`);
}

/** A Python character class `[...]` starting at i. */
function characterClass(source: string, i: number, flags: Flags): { js: string; length: number } {
  let j = i + 1;
  let out = '[';
  if (source[j] === '^') {
    out += '^';
    j++;
  }
  let first = true;
  // The previous item, when it was one character (a range may start there).
  let previous: number | undefined;
  let previousWasClass = false;
  let pendingRange = false;
  for (;;) {
    if (j >= source.length) throw new PythonRegexError(`unterminated character set at position ${i}`);
    const c = source[j];
    if (c === ']' && !first) break;
    first = false;
    let code: number | undefined;
    let js: string;
    if (c === '\\') {
      const e = escape(source, j, flags, true);
      js = e.js;
      j += e.length;
      code = e.code;
      previousWasClass = !!e.isClass;
      if (e.isClass && pendingRange) throw new PythonRegexError(`bad character range at position ${j}`);
    } else if (c === '-' && previousWasClass && source[j + 1] !== ']') {
      throw new PythonRegexError(`bad character range at position ${j}`);
    } else if (c === '-' && previous !== undefined && !pendingRange && source[j + 1] !== ']' && j + 1 < source.length) {
      out += '-';
      pendingRange = true;
      j++;
      continue;
    } else {
      code = source.codePointAt(j)!;
      previousWasClass = false;
      js = literal(code);
      j += String.fromCodePoint(code).length;
    }
    if (pendingRange) {
      if (code === undefined || previous === undefined || code < previous) throw new PythonRegexError(`bad character range at position ${j}`);
      pendingRange = false;
      previous = undefined;
    } else previous = code;
    out += js;
  }
  out += ']';
  if (out === '[]') return { js: '(?!)', length: j + 1 - i };
  return { js: out, length: j + 1 - i };
}

/** One character as a JS literal that means only itself, in or out of a class. */
function literal(code: number): string {
  if ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f) return String.fromCodePoint(code);
  return `\\u{${code.toString(16)}}`;
}
