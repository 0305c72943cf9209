import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseArgs, plainKey } from '../../src/args-parse-memo.js';
import { Secret } from '../../src/secret.js';

describe('plainKey: equal keys only for equal plain data', () => {
  it.each<[string, unknown, boolean]>([
    ['nothing to do: an empty object', {}, true],
    ['strings, numbers, booleans, null, lists', { a: 'x', n: 1.5, b: false, z: null, l: [1, 'two'] }, true],
    ['a troublesome string', { s: `it's "$HOME" \`x\` @ : / # ` }, true],
    ['a Secret', { password: new Secret('s3cr3t') }, false],
    ['a Secret deep in a list', { users: [{ name: 'a', password: new Secret('p') }] }, false],
    ['undefined inside (JSON would drop it)', { a: undefined }, false],
    ['NaN (JSON would print null)', { n: NaN }, false],
    ['a Date', { d: new Date(0) }, false],
    ['a function', { f: () => 1 }, false],
  ])('%s', (_what, value, memoisable) => {
    expect(plainKey(value) !== undefined).toBe(memoisable);
  });

  it('two different secrets never share a key, and equal data always does', () => {
    expect(plainKey({ p: new Secret('a') })).toBeUndefined();
    expect(plainKey({ a: 1, b: [2] })).toBe(plainKey({ a: 1, b: [2] }));
    expect(plainKey({ a: 1 })).not.toBe(plainKey({ a: '1' }));
  });
});

describe('parseArgs', () => {
  const schema = z.object({ name: z.string(), mode: z.string().default('0644') }).strict();

  it('the same result as safeParse, remembered for equal plain values', () => {
    const a = parseArgs(schema, { name: 'x' });
    expect(a).toEqual(schema.safeParse({ name: 'x' }));
    expect(parseArgs(schema, { name: 'x' })).toBe(a);
    expect(parseArgs(schema, { name: 'y' }).data).toEqual({ name: 'y', mode: '0644' });
  });

  it('failures and values holding a Secret are checked every time', () => {
    const bad = parseArgs(schema, { name: 1 });
    expect(bad.success).toBe(false);
    expect(parseArgs(schema, { name: 1 })).not.toBe(bad);
    const withSecret = z.object({ p: z.instanceof(Secret) });
    const one = parseArgs(withSecret, { p: new Secret('a') });
    const two = parseArgs(withSecret, { p: new Secret('b') });
    expect(one.success && two.success).toBe(true);
    expect((two.data as { p: Secret }).p).not.toBe((one.data as { p: Secret }).p);
  });
});
