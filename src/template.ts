import Handlebars from 'handlebars';
import { jinjaProblem } from './ansible-compat.js';
import { encodeKeepingSecret, ENCODERS, EncodingError } from './encoders.js';
import { isUnknown, UNKNOWN_TEXT } from './expr/index.js';
import { isSecret, registerSecretValue, Secret } from './secret.js';

/**
 * Handlebars, configured the way a provisioning tool needs it: no HTML escaping
 * (we render config files, not web pages) and strict, so a missing variable is
 * an error and never an empty string.
 */
const hb = Handlebars.create();

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

hb.registerHelper('env', (name: unknown, ...rest: unknown[]) => {
  // {{ env "NAME" }} reads the controller's environment; an optional second
  // argument is the default. A missing variable without default is an error.
  const fallback = rest.length > 1 ? rest[0] : undefined;
  const value = process.env[String(name)];
  if (value !== undefined) return value;
  if (fallback !== undefined) return fallback;
  throw new TemplateError(`environment variable ${String(name)} is not set`);
});
hb.registerHelper('secret_env', (name: unknown) => {
  // {{ secret_env "NAME" }}: like env, and the value is masked in all output from then on
  // (a password read from the environment into an .env file must not show in its diff).
  const value = process.env[String(name)];
  if (value === undefined) throw new TemplateError(`environment variable ${String(name)} is not set`);
  registerSecretValue(value);
  if (rendering) rendering.readSecret = true;
  return value;
});
hb.registerHelper('default', (value: unknown, fallback: unknown) => (value === undefined || value === null || value === '' ? fallback : value));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
hb.registerHelper('not', (a: unknown) => !a);
hb.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : list));
hb.registerHelper('json', (value: unknown) => JSON.stringify(value));

// Encoders for the formats of configuration files: {{ dotenv_quote db_password }}.
for (const [name, encode] of Object.entries(ENCODERS)) {
  hb.registerHelper(name, (...args: unknown[]) => {
    const options = args.pop() as { loc?: { start: { line: number; column: number } } };
    const at = options.loc?.start;
    const fail = (why: string) => new TemplateError(`${name}: ${why}`, at?.line, at ? at.column + 1 : undefined);
    if (args.length !== 1) throw fail(`takes exactly one value ({{ ${name} VALUE }}), got ${args.length}`);
    const value = args[0];
    // Handlebars does not check a helper's arguments in strict mode: a missing variable arrives as undefined.
    if (value === undefined) throw fail('its value is not defined (a missing variable?)');
    if (typeof value !== 'string' && typeof value !== 'number') throw fail(`needs a string or a number, got ${describeValue(value)}`);
    try {
      return encodeKeepingSecret(encode, String(value));
    } catch (err) {
      if (err instanceof EncodingError) throw fail(err.message);
      throw err;
    }
  });
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function compile(text: string): HandlebarsTemplateDelegate {
  let fn = compiled.get(text);
  if (!fn) {
    rejectJinja(text);
    fn = hb.compile(text, { strict: true, noEscape: true });
    compiled.set(text, fn);
  }
  return fn;
}

/** What one render saw: whether it read a secret (a variable holding one, or `secret_env`). */
interface Rendering {
  readSecret: boolean;
  /** The first list or mapping stringified: the error if the marker reached the text. */
  inText?: TemplateError;
}

/** What a list or mapping turns into when stringified during a render (see revealAll). */
const IN_TEXT = '\u0000provision:list-or-mapping-in-text\u0000';

/** The render in progress (rendering is synchronous; helpers such as secret_env report to it). */
let rendering: Rendering | undefined;

/** Renders a template. Secrets in `vars` render as their real value (the output is redacted elsewhere). */
export function renderTemplate(text: string, vars: Record<string, unknown>): string {
  return renderTracking(text, vars).text;
}

/**
 * Renders a template and tells whether it read a secret. Reading is enough, even
 * under `{{#if}}` or through an encoder: what was derived from a secret is
 * treated as one, since no test on the output can tell (an encoded or short
 * secret does not appear in it verbatim).
 */
function renderTracking(text: string, vars: Record<string, unknown>): { text: string; readSecret: boolean } {
  const outer = rendering;
  const mine: Rendering = { readSecret: false };
  rendering = mine;
  try {
    const out = compile(text)(revealAll(vars, mine, ''), { allowProtoPropertiesByDefault: false });
    if (mine.inText && out.includes(IN_TEXT)) throw mine.inText;
    return { text: out, readSecret: mine.readSecret };
  } catch (err) {
    throw toTemplateError(err);
  } finally {
    rendering = outer;
  }
}

const WHOLE_EXPRESSION = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}$/;

/**
 * Renders one string value from a playbook. A string that is exactly one
 * variable (`"{{ packages }}"`) keeps the variable's own type — a list stays a
 * list, a number a number, a secret a secret — as Ansible's native types do.
 * Any other value that read a secret is a Secret too (`"/srv/{{ vaulted }}"`):
 * a task's schema then decides whether that argument may hold one, and none
 * that becomes a command word on the host does (src/secret-arguments.ts).
 */
export function renderValue(value: string, vars: Record<string, unknown>): unknown {
  if (!value.includes('{{')) {
    // `{% if x %}` alone has no mustache, but must not reach a host as text either.
    rejectJinja(value);
    return value;
  }
  const whole = WHOLE_EXPRESSION.exec(value);
  if (whole) return lookup(vars, whole[1]);
  const out = renderTracking(value, vars);
  // A value check mode cannot know stays text, so the task is reported as unknown (it is never planned).
  return out.readSecret && !out.text.includes(UNKNOWN_TEXT) ? new Secret(out.text, { register: false }) : out.text;
}

export function lookup(vars: Record<string, unknown>, dotted: string): unknown {
  let current: unknown = vars;
  for (const part of dotted.split('.')) {
    // A result check mode cannot know: so is every part of it.
    if (isUnknown(current)) return current;
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, part)) {
      throw new TemplateError(`variable "${dotted}" is not defined`);
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * A view of the variables in which secrets read as their real value. Lazy (a
 * Proxy), because variables include every host's `hostvars`: copying them for
 * each render would make 10,000 hosts cost 10,000² work.
 */
function revealAll(value: unknown, seen: Rendering, name: string): any {
  if (isSecret(value)) {
    seen.readSecret = true;
    return value.reveal();
  }
  if (isUnknown(value)) return unknownView;
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value as object, {
    get: (target, key, receiver) => {
      // Written into text, a list or mapping would be JavaScript's `a,b` or `[object Object]`, where
      // Ansible writes Python's `['a', 'b']` and `{'k': 'v'}`: neither is what a user means, and
      // silently different from Ansible, so it is an error that names the way to write it.
      // It becomes a marker the rendered text is checked for (handlebars' own messages stringify
      // the context too: "x" not defined in [object Object]), so only a value written out fails.
      if (key === Symbol.toPrimitive) return () => { seen.inText ??= inText(target, name); return IN_TEXT; };
      const child = Reflect.get(target, key, receiver);
      // The path is only ever shown for a list or mapping: no string built for the scalars most reads return.
      const path = child !== null && typeof child === 'object' && typeof key === 'string' ? (name ? `${name}.${key}` : key) : name;
      return revealAll(child, seen, path);
    },
  });
}

function inText(value: object, name: string): TemplateError {
  const what = Array.isArray(value) ? 'a list' : 'a mapping';
  const shown = name ? `{{ ${name} }}` : 'a value';
  const how = Array.isArray(value) ? `{{ join ${name || 'LIST'} ", " }} or {{ json ${name || 'LIST'} }}` : `{{ json ${name || 'MAPPING'} }} or its fields ({{ ${name || 'MAPPING'}.KEY }})`;
  return new TemplateError(`${shown} is ${what} and cannot be written into text as it is (Ansible would write Python's form of it): write ${how}`);
}

/** An unknown value inside a template: every part of it is unknown, and it prints as a marker that containsUnknown finds in the output. */
const unknownView: any = new Proxy({}, {
  has: () => true,
  get: (_t, key) => (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf' ? () => UNKNOWN_TEXT : unknownView),
});

/** Jinja (Ansible's template language) in a template is an error that shows the handlebars way, never text written to a host. */
function rejectJinja(text: string): void {
  const problem = jinjaProblem(text);
  if (problem) throw new TemplateError(problem.message, problem.line, problem.column);
}

function toTemplateError(err: unknown): TemplateError {
  if (err instanceof TemplateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const notDefined = /^"([^"]+)" not defined in .*? - (\d+):(\d+)/.exec(message);
  if (notDefined) return new TemplateError(`variable "${notDefined[1]}" is not defined`, Number(notDefined[2]), Number(notDefined[3]) + 1);
  const parse = /^Parse error on line (\d+):\n[\s\S]*?\n(Expecting [\s\S]*)$/.exec(message);
  if (parse) return new TemplateError(`template syntax error: ${parse[2].split('\n')[0]}`, Number(parse[1]));
  const line = /line (\d+)/.exec(message);
  return new TemplateError(`template error: ${message.split('\n')[0]}`, line ? Number(line[1]) : undefined);
}

export { Secret };

const namesCache = new Map<string, string[]>();

/**
 * The variables a template reads (the first part of each path: `{{ out.stdout }}`
 * reads `out`), for deciding whether a value can be rendered before the run or
 * depends on what the run finds (registered results, host facts). A template
 * that does not parse reads nothing here; rendering it reports the error.
 */
export function templateNames(text: string): string[] {
  if (!text.includes('{{')) return [];
  let names = namesCache.get(text);
  if (names) return names;
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; data?: boolean; parts?: string[]; original?: string };
    if (n.type === 'PathExpression') {
      if (!n.data && n.parts?.length && n.original !== 'this' && !(n.parts[0] in hb.helpers)) found.add(n.parts[0]);
      return;
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object') visit(v);
  };
  try {
    visit(hb.parse(text));
  } catch {
    // Reported when rendered.
  }
  names = [...found];
  namesCache.set(text, names);
  return names;
}

/** Every variable name read by the templates in a value (strings inside lists and mappings). */
export function valueNames(value: unknown): string[] {
  if (typeof value === 'string') return templateNames(value);
  if (Array.isArray(value)) return value.flatMap(valueNames);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).flatMap(valueNames);
  return [];
}
