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
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  const values = [...knownSecretValues].sort((a, b) => b.length - a.length);
  for (const value of values) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  return out;
}

/**
 * Deep-copies plain data, turning every Secret into the mask (for reports).
 * Each string is masked before it becomes JSON: JSON escapes a quote or a
 * backslash inside a secret (`\"`), and the escaped form is not the value redact() looks for.
 */
export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v)))) as T;
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
