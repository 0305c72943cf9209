import { CST, Lexer } from 'yaml';
import { NULL } from '../inventory/yaml11.js';
import { hasSimpleLinesOnly } from './simple-lines.js';

/** The only tags the fast reader knows; any other tag (`!unsafe`, `!!str`, …) goes to `yaml`, which names it in its error. */
const FAST_TAGS = new Set(['!vault', '!secret']);
/** Block scalar headers without an explicit indentation indicator. */
const BLOCK_HEADERS = new Set(['|', '|-', '|+', '>', '>-', '>+']);
/** A quoted scalar closed on its own line (yaml's lexer hands on an unclosed one as it is). */
const SINGLE_QUOTED_LINE = /^'(?:[^'\n]|'')*'$/;
const DOUBLE_QUOTED_LINE = /^"(?:[^"\\\n]|\\[^\n])*"$/;
/** A key this long may pass yaml's 1024-character limit for implicit keys. */
const LONGEST_KEY = 500;

/**
 * Whether `text` is written only with the YAML that the fast reader (js-yaml with PyYAML's
 * schema) and `yaml` read alike: block and flow collections, plain and quoted scalars on one
 * line, block scalars, comments, `!vault`/`!secret`, one document. Everything else, and
 * everything where the two libraries part (anchors and aliases with their limit, merge keys,
 * explicit `?` keys, collections or null or tagged or multi-line keys, a flow mapping entry
 * without ":", directives, tabs, CR, a BOM, a comment not after white space), is left to `yaml`.
 * The tokens are `yaml`'s own lexer's, so a character inside a quoted string is never mistaken
 * for syntax. False is always safe: the file is then read as before. Four rules come from
 * differences test/unit/yaml-fast.test.ts found (flow keys, `--- a: 1`, multi-line and unclosed
 * quoted scalars); the others were set before, where the libraries are known to part.
 */
export function usesCommonSyntaxOnly(text: string): boolean {
  // `---#` (a marker with no space after it) is the text "---#" for yaml and PyYAML, a document
  // start for js-yaml: found by test/unit/yaml-fast.test.ts's seeded edits (structure 2, edit 337).
  if (/^(?:---|\.\.\.)\S/m.test(text)) return false;
  return hasSimpleLinesOnly(text) || lexesAsCommonSyntax(text);
}

/** The check with `yaml`'s lexer (~30 ms warm, ~170 ms cold for the fleet's 1,000-host inventory, whose lines need none). */
export function lexesAsCommonSyntax(text: string): boolean {
  if (/[\t\r\uFEFF]/.test(text)) return false;
  let scalarNext = false;
  let previous = ''; // the previous token, white space included
  let significant: { type: string; token: string; tagged: boolean } | undefined;
  let tagPending = false;
  let afterDocStart = false;
  // Open flow collections; for a mapping, whether its current entry has had its ":".
  const flows: { token: string; colon: boolean }[] = [];
  for (const token of new Lexer().lex(text)) {
    if (token === CST.DOCUMENT) continue;
    if (token === CST.SCALAR) {
      scalarNext = true;
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    if (afterDocStart && type !== 'space') {
      // `--- a: 1` is an error for yaml, a mapping for js-yaml: "---" stands alone on its line here.
      if (type !== 'newline' && type !== 'comment') return false;
      afterDocStart = false;
    }
    const flow = flows.at(-1);
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
        afterDocStart = true;
        break;
      case 'scalar':
        if (token === '<<') return false;
        // A plain scalar over several lines: where its continuation lines may start, yaml and js-yaml part.
        if (token.includes('\n') && significant?.type !== 'block-scalar-header') return false;
        break;
      case 'single-quoted-scalar':
        if (!SINGLE_QUOTED_LINE.test(token)) return false;
        break;
      case 'double-quoted-scalar':
        if (!DOUBLE_QUOTED_LINE.test(token)) return false;
        break;
      case 'seq-item-ind':
        break;
      case 'comma':
        if (flow?.token === '{' && !entryDone(flow, significant)) return false;
        if (flow) flow.colon = false;
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
        // In a flow mapping a collection is a value after ":", never a key (yaml and js-yaml name such keys differently).
        if (flow?.token === '{' && significant?.type !== 'map-value-ind') return false;
        flows.push({ token, colon: false });
        break;
      case 'flow-map-end':
        if (flow && !entryDone(flow, significant)) return false;
        flows.pop();
        break;
      case 'flow-seq-end':
        flows.pop();
        break;
      case 'map-value-ind':
        // Pairs in a flow sequence (`[a: 1]`) are left to yaml.
        if (!isSimpleKey(significant) || flow?.token === '[') return false;
        if (flow) flow.colon = true;
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

/** A flow mapping's entry ends: it had its ":" (`{a}`, a key alone, may be a null key: yaml and js-yaml name those differently), or there was none (`{}`, `{a: 1,}`). */
function entryDone(flow: { colon: boolean }, last: { type: string } | undefined): boolean {
  return flow.colon || last?.type === 'flow-map-start' || last?.type === 'comma';
}

/** A key `yaml` and js-yaml turn into the same string: one line of plain or quoted text, untagged, not null. */
function isSimpleKey(key: { type: string; token: string; tagged: boolean } | undefined): boolean {
  if (!key || key.tagged || key.token.includes('\n') || key.token.length > LONGEST_KEY) return false;
  if (key.type === 'scalar') return !NULL.test(key.token);
  return key.type === 'single-quoted-scalar' || key.type === 'double-quoted-scalar';
}
