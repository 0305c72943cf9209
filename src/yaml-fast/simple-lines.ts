/**
 * The shape of a generated inventory (bench/fleet's, most tools' output): each line a key, a
 * `key: value` or a `- value` at some indentation, values plain words or one-line JSON strings.
 * Such text needs no lexer to know it is common syntax (common-syntax.ts): one regular
 * expression per line. Anything else, even a comment, is left to the lexer's check.
 */
const KEY = String.raw`(?!(?:null|Null|NULL):)[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}`;
const PLAIN_CHAR = String.raw`[A-Za-z0-9_./~+=@,\-]`;
/** A plain scalar of words: no indicator first, `:` only inside a word, no `#`, quote, bracket or tag. */
const PLAIN = String.raw`(?:[A-Za-z0-9_./~+]|-(?=${PLAIN_CHAR}))(?:${PLAIN_CHAR}|:(?=${PLAIN_CHAR}))*(?: +(?:${PLAIN_CHAR}|:(?=${PLAIN_CHAR}))+)*`;
/** JSON.stringify's strings: its escapes only, no control character, no lone surrogate escape. */
const JSON_STRING = String.raw`"(?:[^"\\\x00-\x1f\x7f]|\\["\\bfnrt]|\\u(?![dD][89abAB])[0-9a-fA-F]{4})*"`;
const VALUE = `(?:${PLAIN}|${JSON_STRING})`;
/** indent, `- ` prefixes, then a key with or without value, or a value after a prefix, or nothing. */
const LINE = new RegExp(String.raw`( *)((?:- +)*)(?:(${KEY}):(?: +(${VALUE}))?|(${VALUE}))? *(?:\n|$)`, 'y');

export function hasSimpleLinesOnly(text: string): boolean {
  let at = text.startsWith('---\n') ? 4 : 0;
  // A line holding a whole scalar ends it: a deeper line after it would continue that scalar (yaml and js-yaml part there).
  let deepest = Infinity;
  while (at < text.length) {
    LINE.lastIndex = at;
    const m = LINE.exec(text);
    if (!m || LINE.lastIndex === at) return false;
    at = LINE.lastIndex;
    const [, indent, prefixes, key, keyValue, itemValue] = m;
    if (!key && !itemValue && !prefixes) continue; // a blank line
    if (indent.length > deepest) return false;
    if (itemValue !== undefined && !prefixes) return false; // a value alone on its line
    if (keyValue !== undefined) deepest = indent.length + prefixes.length;
    else if (itemValue !== undefined) deepest = indent.length + prefixes.lastIndexOf('-');
    else deepest = Infinity; // `key:` or `- `: a block may follow
  }
  return true;
}
