import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MASK, redact, redactDeep, Secret } from '../../src/secret.js';

describe('Secret', () => {
  const s = new Secret('hunter2-very-secret');

  it('prints as the mask through every road to output', () => {
    expect(String(s)).toBe(MASK);
    expect(`${s}`).toBe(MASK);
    expect(JSON.stringify({ password: s })).toBe(`{"password":"${MASK}"}`);
    expect(inspect({ s })).not.toContain('hunter2');
    expect(s.reveal()).toBe('hunter2-very-secret');
  });

  it('redacts the value where it reached a plain string', () => {
    expect(redact('DATABASE_URL=postgres://pa:hunter2-very-secret@localhost/pa')).toBe(`DATABASE_URL=postgres://pa:${MASK}@localhost/pa`);
    expect(redactDeep({ diff: ['+PASSWORD=hunter2-very-secret'] })).toEqual({ diff: [`+PASSWORD=${MASK}`] });
  });

  it('redactDeep masks a secret that JSON escapes (a double quote, a backslash)', () => {
    const quoted = `p'a"s$s\`w@r:d/#x y\\z`;
    new Secret(quoted);
    expect(redactDeep({ message: `link -> /srv/${quoted}`, nested: [{ v: quoted }] })).toEqual({ message: `link -> /srv/${MASK}`, nested: [{ v: MASK }] });
    expect(redactDeep({ nothing: 'to mask' })).toEqual({ nothing: 'to mask' });
  });
});
