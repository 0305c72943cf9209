import { CST, Lexer } from 'yaml';
import { NULL } from '../inventory/yaml11.js';

/** The only tags the fast reader knows; any other tag (`!unsafe`, `!!str`, …) goes to `yaml`, which names it in its error. */
const FAST_TAGS = new Set(['!vault', '!secret']);
/** Block scalar headers without an explicit indentation indicator. */
const BLOCK_HEADERS = new Set(['|', '|-', '|+', '>', '>-', '>+']);
/** A key this long may pass yaml's 1024-character limit for implicit keys. */
const LONGEST_KEY = 500;

/**
 * Whether `text` is written only with the YAML that the fast reader (js-yaml with PyYAML's
 * schema) and `yaml` read alike: block and flow collections, plain, quoted and block scalars,
 * comments, `!vault`/`!secret`, one document. Everything else, and everything where the two
 * libraries part (anchors and aliases with their limit, merge keys, explicit `?` keys,
 * collections or null or tagged or multi-line keys, directives, tabs, CR, a BOM, a comment
 * not after white space), is left to `yaml`. The tokens are `yaml`'s own lexer's, so a
 * character inside a quoted string is never mistaken for syntax. False is always safe: the
 * file is then read as before.
 */
export function usesCommonSyntaxOnly(text: string): boolean {
  if (/[\t\r\uFEFF]/.test(text)) return false;
  let scalarNext = false;
  let previous = ''; // the previous token, white space included
  let significant: { type: string; token: string; tagged: boolean } | undefined;
  let tagPending = false;
  const flows: string[] = [];
  for (const token of new Lexer().lex(text)) {
    if (token === CST.DOCUMENT) continue;
    if (token === CST.SCALAR) {
      scalarNext = true;
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    switch (type) {
      case 'space':
      case 'newline':
        previous = token;
        continue;
      case 'comment':
        if (previous !== '' && CST.tokenType(previous) !== 'space' && CST.tokenType(previous) !== 'newline') return false;
        previous = token;
        continue;
      case 'doc-start':
        if (significant) return false;
        break;
      case 'scalar':
        if (token === '<<') return false;
        break;
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'seq-item-ind':
      case 'comma':
        break;
      case 'block-scalar-header':
        if (!BLOCK_HEADERS.has(token)) return false;
        break;
      case 'tag':
        if (!FAST_TAGS.has(token)) return false;
        tagPending = true;
        previous = token;
        continue;
      case 'flow-map-start':
      case 'flow-seq-start':
        flows.push(token);
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        flows.pop();
        break;
      case 'map-value-ind':
        if (!isSimpleKey(significant) || flows.at(-1) === '[') return false;
        break;
      default:
        // anchors, aliases, explicit keys, directives, document ends, BOM, flow errors
        return false;
    }
    const isScalar = type === 'scalar' || type === 'single-quoted-scalar' || type === 'double-quoted-scalar';
    significant = { type, token, tagged: isScalar && tagPending };
    if (isScalar || type !== 'block-scalar-header') tagPending = false;
    previous = token;
  }
  return true;
}

/** A key `yaml` and js-yaml turn into the same string: one line of plain or quoted text, untagged, not null. */
function isSimpleKey(key: { type: string; token: string; tagged: boolean } | undefined): boolean {
  if (!key || key.tagged || key.token.includes('\n') || key.token.length > LONGEST_KEY) return false;
  if (key.type === 'scalar') return !NULL.test(key.token);
  return key.type === 'single-quoted-scalar' || key.type === 'double-quoted-scalar';
}
