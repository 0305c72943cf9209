import { describe, expect, it } from 'vitest';
import { lexLine } from '../../src/ssh/config/lex.js';
import { hostLineMatches, matchPatternList } from '../../src/ssh/config/patterns.js';
import { expandTokens } from '../../src/ssh/config/expand.js';

describe('lexLine splits as OpenSSH', () => {
  const cases: [string, { keyword: string; args: string[] } | undefined][] = [
    ['', undefined],
    ['   # only a comment', undefined],
    ['Host a b', { keyword: 'host', args: ['a', 'b'] }],
    ['  USER=deploy', { keyword: 'user', args: ['deploy'] }],
    ['Port = 22 # trailing', { keyword: 'port', args: ['22'] }],
    ['IdentityFile "~/a b" \'c d\' e\\ f', { keyword: 'identityfile', args: ['~/a b', 'c d', 'e f'] }],
    ['User a#b', { keyword: 'user', args: ['a#b'] }],
    ['User "q\\"$`@:/ x"', { keyword: 'user', args: ['q"$`@:/ x'] }],
  ];
  for (const [line, want] of cases) {
    it(JSON.stringify(line), () => {
      const got = lexLine(line);
      expect(got && { keyword: got.keyword, args: got.args }).toEqual(want);
    });
  }
  it('an unterminated quote is an error', () => expect(() => lexLine('User "abc')).toThrow(/invalid quotes/));
});

describe('patterns', () => {
  it('Host lines: case-sensitive, a negated match wins', () => {
    expect(hostLineMatches(['web*'], 'Web1')).toBe(false);
    expect(hostLineMatches(['*', '!db'], 'db')).toBe(false);
    expect(hostLineMatches(['!db', 'd?'], 'dx')).toBe(true);
    expect(hostLineMatches([], 'x')).toBe(false);
  });
  it('lists', () => {
    expect(matchPatternList('root', 'admin,!root', false)).toBe(-1);
    expect(matchPatternList('bob', 'admin,b*', false)).toBe(1);
    expect(matchPatternList('x', 'a', false)).toBe(0);
  });
});

describe('expandTokens', () => {
  it('nothing to expand', () => expect(expandTokens('/plain/path', {}, true)).toBe('/plain/path'));
  it('tokens, %%, ${VAR}', () => {
    process.env.PROVISION_T_VAR = 'v a$l';
    expect(expandTokens('%h-%%-${PROVISION_T_VAR}', { h: 'host' }, true)).toBe('host-%-v a$l');
  });
  it('errors as ssh', () => {
    expect(() => expandTokens('%z', { h: 'x' }, false)).toThrow(/unknown key %z/);
    expect(() => expandTokens('${PROVISION_NO_SUCH}', {}, true)).toThrow(/has no value/);
    expect(() => expandTokens('${OPEN', {}, true)).toThrow(/missing closing/);
  });
});
