import { describe, expect, it } from 'vitest';
import { containsUnknown, evaluateCondition, ExpressionError, expressionNames, isUnknown, parseExpression, UNKNOWN, UNKNOWN_TEXT } from '../../src/expr/index.js';
import { defineLazy } from '../../src/lazy-vars.js';
import { Secret } from '../../src/secret.js';

/** What the oracle (test/oracle/conditions.test.ts) cannot show: check mode's UNKNOWN, secrets, messages, names. */

const U = 'UNKNOWN';
const answer = (v: boolean | unknown): boolean | string => (isUnknown(v) ? U : (v as boolean));

describe('nothing to do', () => {
  it.each([
    [true, true],
    [false, false],
    [[], true],
    ['', true],
    ['true', true],
  ] as const)('%j → %s', (expr, expected) => {
    expect(evaluateCondition(expr as string | boolean | string[], {})).toBe(expected);
  });
});

describe('UNKNOWN: three-valued logic for what check mode cannot know', () => {
  const vars = {
    t: true,
    f: false,
    u: UNKNOWN,
    // a registered command that check mode did not run: nothing about it is known
    whole: UNKNOWN,
    // a command check mode planned: it would change, its output is not known
    planned: { changed: true, failed: false, skipped: false, rc: 0, stdout: UNKNOWN, stdout_lines: UNKNOWN },
    maybe_changed: { changed: UNKNOWN, failed: false },
    loop: { results: [{ changed: false }, { changed: UNKNOWN }] },
    rendered: `prefix ${UNKNOWN_TEXT} suffix`,
    list: ['a', UNKNOWN],
  };
  it.each([
    ['f and u', false],
    ['u and f', false],
    ['t or u', true],
    ['u or t', true],
    ['u and t', U],
    ['t and u', U],
    ['f or u', U],
    ['not u', U],
    ['u', U],
    ['u == "a"', U],
    ['u != 1', U],
    ['u < 3', U],
    ['1 < u < 0', U],
    ['1 > 2 > u', false], // Python's chain stops at the first false comparison
    ['u < 1 < 0', false],
    ['3 < u < 1', U], // impossible, but deciding that is beyond a condition's evaluator
    ['u is defined', true],
    ['u | bool', U],
    ['u | lower == "a"', U],
    ['planned is changed', true],
    ['planned is not changed', false],
    ['planned is failed', false],
    ['planned.rc == 0', true],
    ['planned.stdout == "x"', U],
    ['"ok" in planned.stdout', U],
    ['planned is changed and planned.stdout == "x"', U],
    ['planned is not changed and planned.stdout == "x"', false],
    ['planned is changed or planned.stdout == "x"', true],
    ['whole is changed', U],
    ['whole is not failed', U],
    ['whole.stdout is defined', U],
    ['whole.rc | default(0) == 0', U],
    ['u | default(0) == 0', U],
    ['maybe_changed is changed', U],
    ['maybe_changed is failed', false],
    ['loop is changed', U],
    ['"prefix" in rendered', true],
    ['"zzz" in rendered', U],
    ['rendered', true], // a non-empty string whatever the unknown part holds
    ['"a" in list', true],
    ['"b" in list', U],
    ['list | length == 2', true],
    ['rendered | length > 0', U],
    ['u and missing', U], // at run time it may fail or be false: not known
    ['f and u.x', false],
    [['u', 'f'], false],
    [['u', 't'], U],
    [['f', 'u'], false],
    [['u', 'missing'], U],
  ] as const)('%j → %s', (expr, expected) => {
    expect(answer(evaluateCondition(expr as string | string[], vars))).toBe(expected);
  });

  it('a known missing variable is still an error beside an unknown', () => {
    expect(() => evaluateCondition('t and missing', vars)).toThrow(/variable "missing" is not defined/);
    expect(() => evaluateCondition(['t', 'missing', 'u'], vars)).toThrow(ExpressionError);
  });

  it('UNKNOWN is one frozen value that prints as its marker; containsUnknown looks deep', () => {
    expect(Object.isFrozen(UNKNOWN)).toBe(true);
    expect(String(UNKNOWN)).toBe(UNKNOWN_TEXT);
    expect(`${UNKNOWN}`).toBe(UNKNOWN_TEXT);
    expect(isUnknown(UNKNOWN)).toBe(true);
    expect(isUnknown(UNKNOWN_TEXT)).toBe(false);
    const deep: [unknown, boolean][] = [
      [{ a: [1, { b: UNKNOWN }] }, true],
      [`x ${UNKNOWN_TEXT}`, true],
      [{ a: [1, { b: 'known' }] }, false],
      [[], false],
      [null, false],
    ];
    for (const [value, expected] of deep) expect(containsUnknown(value)).toBe(expected);
  });
});

describe('secrets compare by value and never reach a message', () => {
  const value = `p@ss:w/rd #1 $HOME \`id\` "dq" it's`;
  const vars = { pw: new Secret(value), n: 1 };
  const literal = JSON.stringify(value);
  it.each([
    [`pw == ${literal}`, true],
    [`pw != ${literal}`, false],
    [`${literal} == pw`, true],
    ['pw == "other"', false],
    ['"`id`" in pw', true],
    [`pw in [${literal}]`, true],
    [`pw | upper == ${JSON.stringify(value.toUpperCase())}`, true],
    [`pw | length == ${value.length}`, true],
    ['pw is string', true],
    ['pw', true],
  ] as const)('%s → %s', (expr, expected) => {
    expect(evaluateCondition(expr, vars)).toBe(expected);
  });

  it.each(['pw < 1', 'pw | length > "a"', '1 in pw', 'pw is failed', 'pw.nope == 1', '-pw', 'pw and missing', 'pw > [1]', '[pw] < 1', '[1, pw] in pw'])(
    '%s fails without the value',
    (expr) => {
      let message = '';
      try {
        evaluateCondition(expr, vars);
      } catch (err) {
        expect(err).toBeInstanceOf(ExpressionError);
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      for (const part of ['p@ss', 'w/rd', '$HOME', '`id`', 'dq', "it's"]) expect(message).not.toContain(part);
    },
  );
});

describe('variables as the engine gives them', () => {
  it('reads lazy getters once, and inherited scopes', () => {
    let renders = 0;
    const base: Record<string, unknown> = { from_play: 'p' };
    const vars = Object.create(base) as Record<string, unknown>;
    defineLazy(vars, 'url', () => (renders++, 'https://example.org'));
    expect(evaluateCondition('url == "https://example.org" and from_play == "p"', vars)).toBe(true);
    expect(evaluateCondition('"example" in url', vars)).toBe(true);
    expect(renders).toBe(1);
    // Object's own members are not variables
    expect(evaluateCondition('toString is defined or constructor is defined or hasOwnProperty is defined', vars)).toBe(false);
    expect(() => parseExpression('x | constructor')).toThrow(/unknown filter "constructor"/);
    expect(() => parseExpression('x is toString')).toThrow(/unknown test "toString"/);
  });

  it('a scope layered over a mapping is a mapping; a class instance is not', () => {
    const result = Object.create({ changed: true, rc: 0 }) as Record<string, unknown>;
    result.stdout = 'ok';
    const vars = { result, when: new Date(0) };
    expect(evaluateCondition(['result is changed', 'result is mapping', 'result | length == 3', '"rc" in result'], vars)).toBe(true);
    expect(evaluateCondition('when is mapping', vars)).toBe(false);
  });
});

describe('errors name the expression, what is wrong and the column', () => {
  const vars = { a: 1, d: { k: 'v' } };
  it.each([
    ['x ==', /the condition ends too early \(in "x ==" at column 5\)/],
    ['a ==  b', /variable "b" is not defined \(in "a ==  b" at column 7\)/],
    ['d.missing.x == 1', /variable "d\.missing\.x" is not defined .* at column 3/],
    ['a | nope', /unknown filter "nope" .* at column 5/],
    ['a is nope', /unknown test "nope" .* at column 6/],
    ['(a', /missing "\)" for the "\(" at column 1 .* at column 3/],
    ['a + 1', /operator "\+" is not supported .* at column 3/],
    ['"x', /unterminated string .* at column 1/],
    ['a $ 1', /unexpected character "\$" .* at column 3/],
    ['a < "s"', /"<" cannot compare int with str .* at column 3/],
    ['{{ a }}', /without "\{\{" delimiters .* at column 1/],
    ['a | int(1, 2, 3)', /filter "int" takes at most 2 argument/],
    ['a | default(nope=1)', /filter "default" has no argument "nope"/],
    ['a.upper()', /calling functions or methods is not supported .* at column 8/],
    ['a is failed', /the "failed" test expects a registered result \(a mapping\), got int .* at column 6/],
    ['1 in a', /"in" needs a list, string or mapping on its right, got int/],
    ['d.keys', /"d\.keys" is the dict method "keys" in Jinja, not a value \(write d\['keys'\] .* at column 3/],
  ])('%s', (expr, message) => {
    let error: unknown;
    try {
      evaluateCondition(expr, vars);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as Error).message).toMatch(message);
    expect((error as ExpressionError).column).toBeGreaterThan(0);
  });

  it('parses without evaluating, once per text', () => {
    expect(parseExpression('missing == 1')).toBe(parseExpression('missing == 1'));
    expect(() => parseExpression('a |')).toThrow(ExpressionError);
    expect(() => parseExpression('')).toThrow(/empty/);
  });
});

describe('expressionNames', () => {
  it.each([
    ['a.b[0] == c', ['a', 'c']],
    ['x is defined and x == "a"', ['x']],
    ['d[k] | default(z)', ['d', 'k', 'z']],
    ['x | int(base=b) > 1', ['x', 'b']],
    ['"a" in list and not (r is changed)', ['list', 'r']],
    ['true', []],
    [true, []],
    ['', []],
  ] as const)('%j → %j', (expr, names) => {
    expect(expressionNames(expr)).toEqual(names);
  });
});
