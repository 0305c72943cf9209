import { jinjaExpressionHint, statementHint, type Hint } from './jinja-hints.js';

/**
 * Finds the first Jinja construct in a template (a playbook value or a template
 * file), which provision's handlebars would otherwise reject with a puzzling
 * parse error or, worse, write to the host as it is (`{% if %}` is plain text
 * to handlebars). Valid handlebars is never reported: mustaches are read as
 * handlebars reads them (string literals, `[segment]` literals, block params
 * `as |x|`, comments, raw blocks, `\{{` escapes), and only what handlebars has
 * no meaning for is a Jinja sign.
 */
export interface JinjaProblem {
  message: string;
  /** 1-based, of the construct's first character. */
  line: number;
  column: number;
}

const PREFIX = "provision's templates are handlebars, not Jinja: ";

export function jinjaProblem(text: string): JinjaProblem | undefined {
  if (!text.includes('{')) return undefined;
  const found = firstConstruct(text);
  if (!found) return undefined;
  const { line, column } = position(text, found.at);
  return { message: PREFIX + describe(found.snippet, found.hint), line, column };
}

interface Found {
  at: number;
  snippet: string;
  hint: Hint;
}

function firstConstruct(text: string): Found | undefined {
  let i = 0;
  while (i < text.length) {
    const next = text.indexOf('{', i);
    if (next < 0) return undefined;
    i = next;
    if (text[i - 1] === '\\' && text.startsWith('{{', i)) {
      i += 2; // \{{ is handlebars' escape: the braces are written as text.
      continue;
    }
    if (text.startsWith('{{{{', i)) {
      // A raw block: its content is text to handlebars.
      const close = text.indexOf('{{{{/', i + 4);
      const end = close < 0 ? -1 : text.indexOf('}}}}', close);
      if (end < 0) return undefined;
      i = end + 4;
      continue;
    }
    if (text.startsWith('{{!', i)) {
      const long = text.startsWith('{{!--', i);
      const end = text.indexOf(long ? '--}}' : '}}', i + 3);
      if (end < 0) return undefined;
      i = end + (long ? 4 : 2);
      continue;
    }
    if (text.startsWith('{{', i)) {
      const end = mustacheEnd(text, i + 2);
      if (end < 0) return undefined; // unclosed: handlebars' own parse error says where.
      const hint = mustacheHint(text.slice(i, end));
      if (hint) return { at: i, snippet: text.slice(i, end), hint };
      i = end;
      continue;
    }
    if (text.startsWith('{%', i)) {
      const end = text.indexOf('%}', i + 2);
      if (end >= 0) return { at: i, snippet: text.slice(i, end + 2), hint: statementHint(text.slice(i + 2, end)) };
    }
    // `${#array[@]}` in a shell script is no Jinja comment.
    if (text.startsWith('{#', i) && text[i - 1] !== '$') {
      const end = text.indexOf('#}', i + 2);
      if (end >= 0) return { at: i, snippet: text.slice(i, end + 2), hint: { way: '`{{!-- ... --}}`', what: 'a comment' } };
    }
    i += 1;
  }
  return undefined;
}

/** The index just past a mustache's closing braces, reading string literals as handlebars does; -1 when unclosed. */
function mustacheEnd(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}' && text[i + 1] === '}') return text[i + 2] === '}' ? i + 3 : i + 2;
  }
  return -1;
}

/** Characters that cannot be part of a handlebars identifier (its lexer's ID rule). */
const NOT_ID = /[\s!"#%&'()*+,./;<=>@[\\\]^`{|}~]/;
const isIdChar = (c: string | undefined) => c !== undefined && !NOT_ID.test(c);

/** A hint when a mustache (`{{ ... }}` with its braces) is Jinja, else undefined. */
function mustacheHint(mustache: string): Hint | undefined {
  let body = mustache.replace(/^\{\{\{?/, '').replace(/\}?\}\}$/, '');
  if (/^-\s/.test(body) || /\s-$/.test(body)) {
    const inner = body.replace(/^-\s/, '').replace(/\s-$/, '').trim();
    return { way: `\`{{${/^-\s/.test(body) ? '~' : ''}${inner}${/\s-$/.test(body) ? '~' : ''}}}\``, what: "Jinja's whitespace control `{{-` / `-}}`" };
  }
  body = body.replace(/^~/, '').replace(/~$/, '');
  const sigil = /^\s*(?:#>|#\*|[#/^>&*])?/.exec(body)![0];
  const masked = mask(body).slice(sigil.length);
  const original = body.slice(sigil.length);
  return jinjaExpressionHint(original, masked, analyse(masked, sigil.trim()));
}

/**
 * `body` with the content of string literals, `[segment]` literals and block
 * params (`as |x y|`) replaced by spaces-free filler of the same length, so
 * that what remains is handlebars syntax or a Jinja sign, never user text.
 */
function mask(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < body.length && body[j] !== c) j += body[j] === '\\' ? 2 : 1;
      out += c + 's'.repeat(Math.max(0, Math.min(j, body.length) - i - 1)) + (j < body.length ? c : '');
      i = j;
    } else if (c === '[' && !isIdChar(body[i - 1]) && body[i - 1] !== ']' && body[i - 1] !== ')') {
      const j = body.indexOf(']', i);
      if (j < 0) return out + body.slice(i);
      out += '[' + 's'.repeat(j - i - 1) + ']';
      i = j;
    } else out += c;
  }
  return out.replace(/\bas\s+\|[^|]*\|/g, (m) => 's'.repeat(m.length));
}

/** The Jinja signs of a masked expression, first one first; empty when it is handlebars. */
export interface Signs {
  filter?: number;
  concat?: number;
  inlineIf?: number;
  call?: number;
  subscript?: number;
  comparison?: number;
  logic?: number;
  arithmetic?: number;
  comma?: number;
}

function analyse(masked: string, sigil: string): Signs {
  const signs: Signs = {};
  const at = (re: RegExp): number | undefined => {
    const m = re.exec(masked);
    return m ? m.index : undefined;
  };
  signs.filter = at(/\|/);
  signs.concat = at(/~/);
  signs.call = at(/[^\s!"#%&'()*+,./;<=>@[\\\]^`{|}~]\(/);
  signs.subscript = at(/[^\s!"#%&'(*+,./;<=>@[\\^`{|}~]\[/);
  signs.comparison = at(/==|!=|<|>/);
  signs.arithmetic = at(/(?:^|\s)[-+*/%](?:\s|$)|\*\*|\/\/|%/);
  signs.comma = at(/,/);
  // Words Jinja uses as operators; in handlebars a word is a helper or a parameter.
  const words = [...masked.matchAll(/[^\s!"#%&'()*+,./;<=>@[\\\]^`{|}~]+/g)];
  const firstWord = words[0]?.[0];
  for (const w of words) {
    const before = masked.slice(0, w.index).trimEnd();
    const leads = before === '' || before.endsWith('(');
    if (leads) continue;
    if ((w[0] === 'if' || w[0] === 'else') && !sigil && firstWord !== 'else') signs.inlineIf ??= w.index;
    if (['and', 'or', 'not', 'is', 'in'].includes(w[0])) signs.logic ??= w.index;
  }
  for (const k of Object.keys(signs) as (keyof Signs)[]) if (signs[k] === undefined) delete signs[k];
  return signs;
}

function describe(snippet: string, hint: Hint): string {
  const shown = snippet.length > 70 ? `${snippet.slice(0, 67)}...` : snippet;
  if ('way' in hint) return `\`${shown}\` (${hint.what}) is ${hint.way} in handlebars`;
  return `\`${shown}\` (${hint.what}): ${hint.none}`;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
