import type { Signs } from './jinja.js';

/**
 * What to write in handlebars instead of a Jinja construct: a concrete
 * translation with the user's own names where the construct is simple, the
 * general handlebars form where it is not, and "none" where provision's
 * templates have no counterpart.
 */
export type Hint = { what: string; way: string } | { what: string; none: string };

export const HELPERS =
  'default, eq, ne, not, join, json, env, secret_env, shell_quote, systemd_env_quote, dotenv_quote, url_encode, toml_string, #if, #unless, #each, #with';
const BEFOREHAND = 'write the value as it should appear (in vars:, the inventory or -e)';
const LITERAL_PERCENT = 'to install a file that holds Jinja as text, use `copy`, which renders nothing';

/** A Jinja operand (a dotted name or a literal) in handlebars argument form, or undefined when it is anything else. */
function operand(jinja: string): string | undefined {
  const s = jinja.trim();
  if (/^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*$/.test(s)) {
    return ({ True: 'true', False: 'false', None: 'null', true: 'true', false: 'false', none: 'null' } as Record<string, string>)[s] ?? s;
  }
  if (/^-?\d+(?:\.\d+)?$/.test(s)) return s;
  const str = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(s);
  if (str) return JSON.stringify((str[1] ?? str[2]).replace(/\\(.)/g, '$1'));
  return undefined;
}

/** An operand written as template text: `{{name}}` for a name, the literal's own text for a literal. */
function asText(jinja: string): string | undefined {
  const o = operand(jinja);
  if (o === undefined) return undefined;
  return o.startsWith('"') ? (JSON.parse(o) as string) : /^[A-Za-z_]/.test(o) ? `{{${o}}}` : o;
}

/** Splits `masked` (same length as `text`) at top-level occurrences of `sep`, returning the pieces of `text`. */
function splitAt(text: string, masked: string, sep: RegExp): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && sep.test(c)) {
      pieces.push(text.slice(start, i));
      start = i + 1;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** Jinja filters with a provision helper: the handlebars expression for a subject and arguments (operands). */
const FILTERS: Record<string, (subject: string, args: string[]) => string | undefined> = {
  default: (x, a) => (a.length <= 1 || a[1] === 'true' ? `default ${x} ${a[0] ?? '""'}` : undefined),
  join: (x, a) => (a.length <= 1 ? `join ${x} ${a[0] ?? '""'}` : undefined),
  to_json: (x, a) => (a.length === 0 ? `json ${x}` : undefined),
  quote: (x, a) => (a.length === 0 ? `shell_quote ${x}` : undefined),
  urlencode: (x, a) => (a.length === 0 ? `url_encode ${x}` : undefined),
  // A missing variable is already an error in provision. (`string` has no counterpart: Jinja
  // writes a list as Python's repr, handlebars as a,b.)
  mandatory: (x) => x,
};
FILTERS.d = FILTERS.default;
FILTERS.tojson = FILTERS.to_json;
FILTERS.to_nice_json = FILTERS.to_json;

const GENERAL_FORM: Record<string, string> = {
  default: '`{{default VALUE "fallback"}}`',
  join: '`{{join LIST ","}}`',
  to_json: '`{{json VALUE}}`',
  quote: '`{{shell_quote VALUE}}`',
  urlencode: '`{{url_encode VALUE}}`',
};

/** `x | default('') | join(',')` as `join (default x "") ","`, or what stops the translation. */
export function filterChain(text: string, masked: string): { expression: string } | { filter: string; known: boolean } {
  const [subjectText, ...filters] = splitAt(text, masked, /\|/);
  const maskedFilters = splitAt(masked, masked, /\|/).slice(1);
  let expression = operand(subjectText);
  let isCall = false; // a helper call needs parentheses to be another helper's argument
  for (const [k, f] of filters.entries()) {
    const m = /^\s*([A-Za-z_]\w*)\s*(?:\(([\s\S]*)\))?\s*$/.exec(f);
    const name = m?.[1] ?? f.trim();
    const make = m ? FILTERS[name] : undefined;
    if (!make) return { filter: name, known: false };
    const inner = m![2];
    const maskedInner = inner === undefined ? '' : maskedFilters[k].slice(maskedFilters[k].indexOf('(') + 1, maskedFilters[k].lastIndexOf(')'));
    const args = inner === undefined || inner.trim() === '' ? [] : splitAt(inner, maskedInner, /,/).map(operand);
    const made: string | undefined = expression === undefined || args.includes(undefined) ? undefined : make(isCall ? `(${expression})` : expression, args as string[]);
    if (made === undefined) return { filter: name, known: true };
    isCall ||= made !== expression;
    expression = made;
  }
  return { expression: expression! };
}

function filterHint(text: string, masked: string): Hint {
  if (/\(\s*omit\s*\)/.test(masked)) return { what: '`omit`', none: 'provision has no `omit`: leave the field out of the task, or give the variable a value in `defaults:`' };
  const chain = filterChain(text, masked);
  if ('expression' in chain) return { what: 'a filter', way: `\`{{${chain.expression}}}\`${/\bjson\b/.test(chain.expression) ? ' (compact JSON: the same value as to_json, without its spaces after `,` and `:`)' : ''}` };
  const canonical = chain.filter === 'd' ? 'default' : chain.filter === 'tojson' || chain.filter === 'to_nice_json' ? 'to_json' : chain.filter;
  if (chain.known && GENERAL_FORM[canonical]) return { what: `the filter \`${chain.filter}\``, way: GENERAL_FORM[canonical] };
  return { what: `the filter \`${chain.filter}\``, none: `provision has no helper for it (its helpers: ${HELPERS}); ${BEFOREHAND}` };
}

/** A condition as the argument of handlebars' #if: a name, or a helper call for `==`, `!=`, `not`. */
function condition(jinja: string): string | undefined {
  const s = jinja.trim();
  const simple = operand(s);
  if (simple !== undefined) return simple;
  const cmp = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(s);
  if (cmp) {
    const [a, b] = [operand(cmp[1]), operand(cmp[3])];
    return a !== undefined && b !== undefined ? `(${cmp[2] === '==' ? 'eq' : 'ne'} ${a} ${b})` : undefined;
  }
  const not = /^not\s+(.+)$/.exec(s);
  const inner = not ? condition(not[1]) : undefined;
  return inner !== undefined ? `(not ${inner})` : undefined;
}

/** A hint for a mustache whose masked expression has Jinja signs; undefined when it has none. */
export function jinjaExpressionHint(text: string, masked: string, signs: Signs): Hint | undefined {
  if (signs.filter !== undefined) return filterHint(text, masked);
  if (signs.inlineIf !== undefined) {
    const m = /^(.+?)\s+if\s+(.+?)(?:\s+else\s+(.+))?$/.exec(text.trim());
    const [a, c, b] = m ? [asText(m[1]), condition(m[2]), m[3] === undefined ? '' : asText(m[3])] : [];
    if (a !== undefined && c !== undefined && b !== undefined) return { what: 'an inline if', way: `\`{{#if ${c}}}${a}{{else}}${b}{{/if}}\``.replace('{{else}}{{/if}}', '{{/if}}') };
    return { what: 'an inline if', way: '`{{#if CONDITION}}A{{else}}B{{/if}}`' };
  }
  if (signs.concat !== undefined) {
    const parts = splitAt(text, masked, /~/).map(asText);
    return { what: 'the `~` operator', way: parts.includes(undefined) ? 'the parts side by side, `{{a}}{{b}}`' : `\`${parts.join('')}\`` };
  }
  if (signs.call !== undefined) return callHint(text);
  if (signs.subscript !== undefined) return subscriptHint(text);
  if (signs.comparison !== undefined) {
    const c = condition(withoutBlockKeyword(text));
    if (c !== undefined) return { what: 'a comparison', way: `\`{{#if ${c}}}...{{/if}}\`` };
    return { what: 'a comparison', none: `handlebars compares with \`(eq a b)\` and \`(ne a b)\` only; an ordering belongs in a task's \`when:\`, or ${BEFOREHAND}` };
  }
  if (signs.logic !== undefined) return logicHint(text);
  if (signs.arithmetic !== undefined) return { what: 'arithmetic', none: `handlebars computes nothing; ${BEFOREHAND}` };
  if (signs.comma !== undefined) return { what: 'a Jinja expression', none: `handlebars takes helper arguments separated by spaces, \`{{helper a b}}\` (helpers: ${HELPERS})` };
  return undefined;
}

function callHint(text: string): Hint {
  const m = /^\s*([\w.]+)\s*\(([\s\S]*)\)\s*$/.exec(text);
  const name = m?.[1] ?? '';
  const args = m ? m[2].split(',').map((a) => operand(a)) : [];
  if (['lookup', 'query', 'q'].includes(name)) {
    if (args[0] === '"env"' && args.length === 2 && args[1]?.startsWith('"')) return { what: 'a lookup', way: `\`{{env ${args[1]}}}\` (\`{{secret_env ${args[1]}}}\` for a password)` };
    return { what: 'a lookup', none: `provision's templates read the controller's environment (\`{{env "NAME"}}\`, \`{{secret_env "NAME"}}\`) and nothing else: ${BEFOREHAND} (a file's content: \`copy\` with \`src:\`)` };
  }
  if (name.includes('.')) return { what: 'a method call', none: `handlebars calls no methods; ${BEFOREHAND}` };
  if (m && HELPERS.split(', ').includes(name) && !args.includes(undefined)) return { what: 'a call with parentheses', way: `\`{{${[name, ...args].join(' ')}}}\`` };
  return { what: 'a function call', none: `handlebars calls helpers without parentheses, \`{{helper a b}}\`, and has no \`${name}\` (helpers: ${HELPERS}); ${BEFOREHAND}` };
}

function subscriptHint(text: string): Hint {
  const m = /^\s*([A-Za-z_][\w.]*)((?:\[[^\]]+\])+)\s*$/.exec(text);
  if (!m) return { what: 'a subscript', way: '`{{list.[0]}}` or `{{map.key}}`' };
  const keys = [...m[2].matchAll(/\[([^\]]+)\]/g)].map((s) => operand(s[1]));
  // Handlebars indexes by fixed keys only: a key held in a variable has no strict form there.
  if (keys.some((k) => k === undefined || /^[A-Za-z_]/.test(k))) {
    const own = /^hostvars\[\s*inventory_hostname\s*\]/.test(text.trim()) ? "; the host's own variables are plain names (`{{x}}` for `hostvars[inventory_hostname]['x']`)" : '';
    return { what: 'a subscript by a variable', none: `handlebars indexes by fixed keys only (\`{{map.key}}\`, \`{{list.[0]}}\`)${own}` };
  }
  const segments = keys.map((k) => {
    const key = k!.startsWith('"') ? (JSON.parse(k!) as string) : k!;
    return /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `.[${key}]`;
  });
  return { what: 'a subscript', way: `\`{{${m[1]}${segments.join('')}}}\`` };
}

/** `x == 1` of `{{#if x == 1}}`: the condition a Jinja habit put inside a handlebars block. */
function withoutBlockKeyword(text: string): string {
  return text.replace(/^\s*(?:if|unless)\s+/, '');
}

function logicHint(text: string): Hint {
  const s = withoutBlockKeyword(text).trim();
  if (/\bis\s+(not\s+)?(defined|undefined|none)\b/.test(s)) {
    return { what: 'a test', none: 'a missing variable is an error in provision, never an empty string: `{{default x ""}}` gives a fallback; `when: x is defined` skips a task' };
  }
  const and = /^(.+?)\s+and\s+(.+)$/.exec(s);
  const [a, b] = and ? [condition(and[1]), condition(and[2])] : [];
  if (a !== undefined && b !== undefined) return { what: '`and`', way: `nested blocks, \`{{#if ${a}}}{{#if ${b}}}...{{/if}}{{/if}}\`` };
  const not = condition(s);
  if (not !== undefined) return { what: '`not`', way: `\`{{#if ${not}}}...{{/if}}\` (or \`{{#unless x}}\`)` };
  return { what: 'a Jinja condition', none: `handlebars has no \`and\`, \`or\`, \`in\` or tests: nest \`{{#if}}\` blocks, or put the condition in a task's \`when:\`` };
}

/** A hint for a statement `{% inner %}` (without its delimiters). */
export function statementHint(inner: string): Hint {
  const s = inner.replace(/^[-+]/, '').replace(/[-+]$/, '').trim();
  const keyword = s.split(/\s+/)[0];
  const arg = s.slice(keyword.length).trim();
  const statement = `the \`${keyword}\` statement`;
  switch (keyword) {
    case 'if':
    case 'elif': {
      const c = condition(arg) ?? 'CONDITION';
      const note = c === 'CONDITION' ? ` (#if takes one value or a helper: \`(eq a b)\`, \`(ne a b)\`, \`(not a)\`; nest blocks for \`and\`)` : '';
      return { what: statement, way: keyword === 'if' ? `\`{{#if ${c}}}...{{else}}...{{/if}}\`${note}` : `\`{{else if ${c}}}\`${note}` };
    }
    case 'else':
      return { what: statement, way: '`{{else}}`' };
    case 'endif':
      return { what: statement, way: '`{{/if}}`' };
    case 'endfor':
      return { what: statement, way: '`{{/each}}`' };
    case 'for': {
      const m = /^(\w+)\s+in\s+([\w.]+)$/.exec(arg);
      if (m) return { what: statement, way: `\`{{#each ${m[2]} as |${m[1]}|}}...{{${m[1]}}}...{{/each}}\` (or \`{{#each ${m[2]}}}...{{this}}...{{/each}}\`)` };
      const items = /^(\w+)\s*,\s*(\w+)\s+in\s+([\w.]+)\.items\(\)$/.exec(arg);
      if (items) return { what: statement, way: `\`{{#each ${items[3]}}}{{@key}}: {{this}}{{/each}}\`` };
      return { what: statement, way: '`{{#each LIST as |item|}}...{{item}}...{{/each}}` (`{{@index}}`, `{{@key}}` inside)' };
    }
    case 'with':
      return { what: statement, way: `\`{{#with ${operand(arg) ?? 'VALUE'}}}...{{/with}}\`` };
    case 'raw':
    case 'endraw':
      return { what: statement, way: '`\\{{` (a backslash before `{{` writes the braces as text)' };
    case 'set':
      return { what: statement, none: 'handlebars has no assignment: put the value in `vars:` (of the play or the task)' };
    case 'include':
    case 'import':
    case 'from':
    case 'extends':
    case 'block':
    case 'macro':
    case 'call':
      return { what: statement, none: `provision's templates have no includes, inheritance or macros: one template per file, variables from vars:; ${LITERAL_PERCENT}` };
    default:
      return { what: keyword ? statement : 'a Jinja statement', none: `handlebars has no statements (\`{% %}\`); its blocks are ${HELPERS}; ${LITERAL_PERCENT}` };
  }
}
