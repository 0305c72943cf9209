import { inspect } from 'node:util';

export const MASK = '********';

/**
 * A value that must never be shown. It prints as ******** through every path a
 * value can take to output (String(), template literals, JSON, util.inspect),
 * so a forgotten log line masks it instead of leaking it. Only `reveal()` gives
 * the real value, and only the runner calls it, to put the value on stdin.
 */
export class Secret {
  readonly #value: string;
  /**
   * `register: false` for a value derived from secrets that are registered
   * already (a template that read one): its secret parts are masked in output,
   * the rest of the text stays readable.
   */
  constructor(value: string, options: { register?: boolean } = {}) {
    this.#value = value;
    if (options.register !== false) registerSecretValue(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [inspect.custom](): string {
    return MASK;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/**
 * Every secret value ever created in this process. Output sinks pass their text
 * through `redact()`, so a secret that reached a string by another road (a
 * rendered template, a diff of an .env file, a remote error message) is still
 * masked. Short values are not registered: masking "a" would garble output.
 */
const knownSecretValues = new Set<string>();
const MIN_REDACTED_LENGTH = 4;

export function registerSecretValue(value: string): void {
  if (value.length >= MIN_REDACTED_LENGTH) knownSecretValues.add(value);
  // A diff shows a multi-line secret line by line (a vaulted key or certificate): mask each line too.
  if (/[\r\n]/.test(value)) for (const line of value.split(/\r\n|\r|\n/)) if (line.trim().length >= MIN_REDACTED_LENGTH) knownSecretValues.add(line);
  longestFirst = undefined;
}

/**
 * The known values, longest first (so a secret that contains another is masked whole); sorted
 * again only after a new value is registered: every line of output and every string of a report
 * passes through redact(), 200,000 strings for a report of 1,000 hosts.
 */
let longestFirst: string[] | undefined;

export function redact(text: string): string {
  let out = text;
  longestFirst ??= [...knownSecretValues].sort((a, b) => b.length - a.length);
  for (const value of longestFirst) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  return out;
}

/**
 * Deep-copies plain data as JSON would (toJSON honoured, so every Secret becomes the mask;
 * undefined, functions and symbols dropped from objects and null in arrays; non-finite numbers
 * null), masking every string and every key on the way. Each string is masked before it could
 * become JSON: JSON escapes a quote or a backslash inside a secret (`\"`), and the escaped form is
 * not the value redact() looks for. A walk, not a JSON round trip: a report of 1,000 hosts is 12 MB
 * of JSON, which was written, masked and parsed again only to be written once more.
 */
export function redactDeep<T>(value: T): T {
  return copyRedacted(value, '') as T;
}

function copyRedacted(given: unknown, key: string): unknown {
  let value = given;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(k: string): unknown }).toJSON(key);
  switch (typeof value) {
    case 'string':
      return redact(value);
    case 'number':
      return Number.isFinite(value) ? value + 0 : null; // -0 is written 0
    case 'boolean':
      return value;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((v, i) => copyRedacted(v, String(i)) ?? null);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const v = copyRedacted((value as Record<string, unknown>)[k], k);
        if (v !== undefined) out[redact(k)] = v;
      }
      return out;
    }
    default:
      return undefined; // undefined, a function, a symbol
  }
}

/**
 * Text to show for a value that may be derived from secrets (a task name, a
 * message rendered from one): the secrets in it masked, the rest readable.
 * When masking finds nothing to mask (a secret under 4 characters is never
 * masked inside other text), the whole value is masked.
 */
export function shownText(value: string | Secret): string {
  if (!isSecret(value)) return redact(value);
  const text = redact(value.reveal());
  return text === value.reveal() ? MASK : text;
}
