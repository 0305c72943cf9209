import { redact, registerSecretValue, Secret } from './secret.js';
import { quote } from './shell.js';

/**
 * Encoders for the formats that configuration files give their characters meaning in.
 * Each is a pure function from the literal value to the text that makes the format's
 * real reader see exactly that value (test/oracle/encoders.test.ts asks those readers).
 * A value no encoding can carry to its reader is refused with an EncodingError, never
 * passed on changed.
 */
export class EncodingError extends Error {}

/** Characters every format here reads as themselves, unquoted (as Python's shlex.quote). */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

function wellFormed(value: string): string {
  if (value.includes('\0')) throw new EncodingError('the value contains a NUL byte, which no configuration file can carry');
  // A lone UTF-16 surrogate has no UTF-8 form: written out it would become U+FFFD, another value.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
    throw new EncodingError('the value contains a lone UTF-16 surrogate, which has no UTF-8 form');
  }
  return value;
}

/** One word for a POSIX shell (`sh`, bash, dash): single-quoted unless plain. */
export function shellQuote(value: string): string {
  return quote(wellFormed(value));
}

/**
 * A value in a systemd EnvironmentFile= (systemd.exec(5)). Double quotes, inside which
 * systemd, like sh, takes \" \\ \$ \` as the character itself and keeps newlines; so
 * the same line also reads right with `. FILE` in sh. Unquoted, systemd would drop
 * trailing spaces, eat backslashes and end the value at a newline.
 */
export function systemdEnvQuote(value: string): string {
  wellFormed(value);
  if (PLAIN.test(value)) return value;
  return `"${value.replace(/["\\$`]/g, '\\$&')}"`;
}

/**
 * A value in a .env file read by python-dotenv (load_dotenv, which the Python apps of
 * the guides use). Double quotes, where python-dotenv decodes \\ \" \n \r (a raw CR
 * would be read back as a newline: Python opens the file with universal newlines).
 * python-dotenv expands ${NAME} and ${NAME:-default} in every kind of value and has no
 * escape for it, so a literal "${" is written as "${:-$}{": an empty-named variable
 * with the default "$", which expands to "$" (neither systemd nor a shell can give a
 * process a variable named ""). A final backslash gets the same treatment (below).
 */
export function dotenvQuote(value: string): string {
  wellFormed(value);
  if (PLAIN.test(value)) return value;
  const escaped = value
    .replace(/[\\"\n\r]/g, (c) => DOTENV_ESCAPES[c])
    .replace(/\$\{/g, '${:-$}{')
    // python-dotenv takes any backslash before a quote for \" (it does not pair up \\), so
    // a final backslash would swallow the closing quote: it is written as ${:-\\} instead.
    .replace(/\\\\$/, '${:-\\\\}');
  return `"${escaped}"`;
}

const DOTENV_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' };

/**
 * Percent-encoding (RFC 3986, section 2.1) of everything but the unreserved characters
 * A-Z a-z 0-9 - . _ ~, as UTF-8 bytes: safe in any URL component, a user name or
 * password (user info) as much as a path segment or a query value.
 */
export function urlEncode(value: string): string {
  return encodeURIComponent(wellFormed(value)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A TOML basic string, quotes included (TOML 1.0: control characters escaped). */
export function tomlString(value: string): string {
  wellFormed(value);
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => TOML_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return `"${escaped}"`;
}

const TOML_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/** The template helpers, by name: `{{ url_encode db_password }}`. */
export const ENCODERS: Record<string, (value: string) => string> = {
  shell_quote: shellQuote,
  systemd_env_quote: systemdEnvQuote,
  dotenv_quote: dotenvQuote,
  url_encode: urlEncode,
  toml_string: tomlString,
};

/**
 * Applies an encoder and keeps a secret a secret. A Secret gives a Secret. A plain
 * string that holds a secret's value (templates see secrets revealed) gives a string
 * whose encoded form is registered as secret too: `p%40ss` or `"p\"ss"` no longer
 * contains the raw value, so without this the output's redaction would miss it.
 */
export function encodeKeepingSecret(encode: (value: string) => string, value: string | Secret): string | Secret {
  if (value instanceof Secret) return new Secret(encode(value.reveal()));
  const encoded = encode(value);
  if (redact(value) !== value) registerSecretValue(encoded);
  return encoded;
}
