import { describe, expect, it } from 'vitest';
import { evaluateCondition as evaluateWhen } from '../../src/expr/index.js';

const vars = { use_tls: true, self_signed: false, env: 'prod', port: 8502, list: ['a', 'b'], nested: { on: 'yes' }, empty: '' };

describe('when', () => {
  it.each([
    ['use_tls', true],
    ['not use_tls', false],
    ['self_signed', false],
    ['not self_signed and use_tls', true],
    ['self_signed or env == "prod"', true],
    ["env != 'prod'", false],
    ['port == 8502', true],
    ['"a" in list', true],
    ['"c" in list', false],
    ['nested.on', true],
    ['empty', false],
    ['missing is defined', false],
    ['missing is not defined', true],
    ['(self_signed or use_tls) and not (env == "dev")', true],
  ])('%s → %s', (expr, expected) => {
    expect(evaluateWhen(expr, vars)).toBe(expected);
  });

  it('a missing variable is an error, not false', () => {
    expect(() => evaluateWhen('missing', vars)).toThrow(/variable "missing" is not defined/);
  });

  it('rejects what it does not understand', () => {
    expect(() => evaluateWhen('use_tls +', vars)).toThrow();
  });
});
