import { describe, expect, it } from 'vitest';
import { dotenvQuote, encodeKeepingSecret, EncodingError, shellQuote, systemdEnvQuote, tomlString, urlEncode } from '../../src/encoders.js';
import { MASK, redact, Secret } from '../../src/secret.js';

// What each encoder writes. Whether the real readers (sh, systemd, python-dotenv, libpq,
// tomllib) read it back as the value is test/oracle/encoders.test.ts's job.
describe.each([
  [
    'shellQuote',
    shellQuote,
    [
      ['nothing to do: a plain word stays bare', 'pa-user/x.y:z@h', 'pa-user/x.y:z@h'],
      ['empty', '', "''"],
      ['space and $', 'a $HOME', "'a $HOME'"],
      ['single quote', "it's", "'it'\\''s'"],
    ],
  ],
  [
    'systemdEnvQuote',
    systemdEnvQuote,
    [
      ['nothing to do: a plain word stays bare', 'localhost:5432', 'localhost:5432'],
      ['empty', '', '""'],
      ['quote, backslash, $ and backtick are escaped', 'a"b\\c$d`e', '"a\\"b\\\\c\\$d\\`e"'],
      ["single quote and # need only the quotes", "it's #1", '"it\'s #1"'],
      ['newline stays literal inside the quotes', 'a\nb', '"a\nb"'],
    ],
  ],
  [
    'dotenvQuote',
    dotenvQuote,
    [
      ['nothing to do: a plain word stays bare', 'analytics_user', 'analytics_user'],
      ['empty', '', '""'],
      ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
      ['newline and carriage return as escapes', 'a\nb\rc', '"a\\nb\\rc"'],
      ['${ cannot expand', 'x${HOME}y', '"x${:-$}{HOME}y"'],
      ['a lone $ is left alone', 'a$b', '"a$b"'],
      ['a final backslash cannot end the quotes', 'a\\', '"a${:-\\\\}"'],
    ],
  ],
  [
    'urlEncode',
    urlEncode,
    [
      ['nothing to do: unreserved characters', 'Az09-._~', 'Az09-._~'],
      ['empty', '', ''],
      ['user-info and path delimiters', 'a:b@c/d?e#f', 'a%3Ab%40c%2Fd%3Fe%23f'],
      ["sub-delims encodeURIComponent leaves", "!'()*", '%21%27%28%29%2A'],
      ['percent and space', '% ', '%25%20'],
      ['non-ASCII as UTF-8 bytes', 'é', '%C3%A9'],
    ],
  ],
  [
    'tomlString',
    tomlString,
    [
      ['nothing to do but quote', 'plain', '"plain"'],
      ['empty', '', '""'],
      ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
      ['control characters', '\t\n\r\b\f\u0001\u007f', '"\\t\\n\\r\\b\\f\\u0001\\u007F"'],
      ["single quote, $ and non-ASCII stay", "it's $x é", '"it\'s $x é"'],
    ],
  ],
] as const)('%s', (_name, encode, cases) => {
  it.each(cases as readonly (readonly [string, string, string])[])('%s', (_label, value, expected) => {
    expect(encode(value)).toBe(expected);
  });

  it('refuses what no file can carry: NUL and a lone surrogate', () => {
    expect(() => encode('a\0b')).toThrow(EncodingError);
    expect(() => encode('a\uD800b')).toThrow(/surrogate/);
  });
});

describe('encodeKeepingSecret', () => {
  it('gives a Secret for a Secret, masked in output', () => {
    const out = encodeKeepingSecret(urlEncode, new Secret('p@ss:w/rd unit-1'));
    expect(out).toBeInstanceOf(Secret);
    expect(String(out)).toBe(MASK);
    expect((out as Secret).reveal()).toBe('p%40ss%3Aw%2Frd%20unit-1');
    expect(redact('url=postgresql://u:p%40ss%3Aw%2Frd%20unit-1@h/db')).toBe(`url=postgresql://u:${MASK}@h/db`);
  });

  it('registers the encoded form of a revealed secret, so redaction still finds it', () => {
    new Secret('it\'s "quoted" unit-2');
    const encoded = encodeKeepingSecret(dotenvQuote, 'it\'s "quoted" unit-2') as string;
    expect(encoded).toBe('"it\'s \\"quoted\\" unit-2"');
    expect(redact(`PASSWORD=${encoded}`)).toBe(`PASSWORD=${MASK}`);
  });

  it('nothing to do for a plain value: not registered', () => {
    expect(encodeKeepingSecret(shellQuote, 'not secret unit-3')).toBe("'not secret unit-3'");
    expect(redact("x='not secret unit-3'")).toBe("x='not secret unit-3'");
  });
});
