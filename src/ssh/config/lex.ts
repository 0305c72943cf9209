/**
 * One ssh_config line split as OpenSSH splits it (readconf.c with misc.c's
 * strdelim and argv_split): the keyword ends at whitespace, a quote or one
 * `=`; the arguments are split on spaces and tabs, "double" and 'single'
 * quotes group, a backslash escapes a quote, a backslash or (unquoted) a
 * space, and `#` at the start of an argument ends the line.
 */
export interface LexedLine {
  /** Lowercased: keywords are case-insensitive. */
  keyword: string;
  /** As written, for messages. */
  keywordAsWritten: string;
  /** The text after the keyword (ProxyCommand and ProxyJump take it whole). */
  rest: string;
  args: string[];
}

export class LexError extends Error {}

const WHITESPACE = ' \t\r\n';

/** undefined for a blank or comment line. */
export function lexLine(raw: string): LexedLine | undefined {
  const line = raw.replace(/[ \t\r\n\f]+$/, '');
  let i = 0;
  while (i < line.length && WHITESPACE.includes(line[i])) i++;
  if (i >= line.length || line[i] === '#') return undefined;
  const start = i;
  while (i < line.length && !`${WHITESPACE}"=`.includes(line[i])) i++;
  const keywordAsWritten = line.slice(start, i);
  if (line[i] === '"') throw new LexError('a quote in the keyword');
  // One `=` may separate keyword and value, with whitespace around it.
  let sawEquals = line[i] === '=';
  i++;
  while (i < line.length && WHITESPACE.includes(line[i])) i++;
  if (!sawEquals && line[i] === '=') {
    sawEquals = true;
    i++;
    while (i < line.length && WHITESPACE.includes(line[i])) i++;
  }
  const rest = i < line.length ? line.slice(i) : '';
  return { keyword: keywordAsWritten.toLowerCase(), keywordAsWritten, rest, args: splitArgs(rest) };
}

/** argv_split with terminate_on_comment. */
export function splitArgs(s: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') {
        const next = s[i + 1];
        if (next === "'" || next === '"' || next === '\\' || (!quote && next === ' ')) arg += s[++i];
        else arg += c;
      } else if (!quote && (c === ' ' || c === '\t')) break;
      else if (!quote && (c === '"' || c === "'")) quote = c;
      else if (quote && c === quote) quote = '';
      else arg += c;
    }
    if (quote) throw new LexError('invalid quotes');
    args.push(arg);
  }
  return args;
}
