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

  it('redactDeep gives what JSON would give, masked: toJSON, dropped and nulled values, keys, order', () => {
    const secret = new Secret('k3y"with\\slash and $pace');
    const value = {
      host: 'web1',
      when: new Date(Date.UTC(2026, 11, 2)),
      gone: undefined,
      fn: () => 1,
      list: [1, undefined, () => 2, Number.NaN, Infinity, -0, 'x'],
      nested: { password: secret, text: `url=postgres://u:${secret.reveal()}@db/x`, n: null, ok: true },
      buffer: Buffer.from('ab'),
    };
    const viaJson = JSON.parse(redact(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? redact(v) : v)))) as unknown;
    const copied = redactDeep(value);
    expect(copied).toEqual(viaJson);
    expect(JSON.stringify(copied)).toBe(JSON.stringify(viaJson));
    expect(JSON.stringify(copied)).not.toContain('slash and');
  });

  it('redactDeep masks a secret in a key, even one JSON escapes (the JSON round trip it replaced did not)', () => {
    const secret = new Secret('k3y"with\\slash and $pace');
    expect(redactDeep({ [`key ${secret.reveal()}`]: 'value' })).toEqual({ [`key ${MASK}`]: 'value' });
  });

  it('redactDeep of data with no secret in it is an equal copy (nothing to do)', () => {
    const value = { a: [1, 'two', { three: 3 }], b: 'plain' };
    const copied = redactDeep(value);
    expect(copied).toEqual(value);
    expect(copied).not.toBe(value);
  });
});
