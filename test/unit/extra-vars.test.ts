import { describe, expect, it } from 'vitest';
import { parseKv, splitArgs } from '../../src/ansible-kv.js';
import { ConfigError } from '../../src/errors.js';
import { parseExtraVars } from '../../src/extra-vars.js';
import { isSecret } from '../../src/secret.js';
import { writeProject } from '../support/provision.js';

describe('-e', () => {
  it.each([
    [[], {}], // nothing to do
    [[''], {}],
    [['a=1 b=false', 'c=1.10 d=true e=x=y f=0755'], { a: 1, b: false, c: '1.10', d: true, e: 'x=y', f: '0755' }],
    [["x='hello world'"], { x: 'hello world' }],
    [['x="a b" y=c'], { x: 'a b', y: 'c' }],
    [["x='quoted'"], { x: 'quoted' }],
    [["n='10' t=\"true\""], { n: '10', t: 'true' }], // quoted values stay strings
    [['x=a\\nb'], { x: 'a\nb' }],
    [['{"port": 8080}'], { port: 8080 }],
    [['a=1', 'a=2'], { a: 2 }], // later wins
    // Inline YAML as Ansible reads it: YAML 1.1 (yes/no are booleans, 0644 octal, 1e3 a string), JSON first (1e3 is 1000)
    [['{enable_tls: no, b: yes, m: 0644, e: 1e3, t: 1:30, y: y}'], { enable_tls: false, b: true, m: 0o644, e: '1e3', t: 90, y: 'y' }],
    [['{"e": 1e3, "f": 1.5e3, "s": "no"}'], { e: 1000, f: 1500, s: 'no' }],
  ])('%j', (items, vars) => {
    expect(parseExtraVars(items)).toEqual(vars);
  });

  it('@file.yaml is read as Ansible reads it: YAML 1.1, or JSON', () => {
    const dir = writeProject({ 'v.yaml': 'enable_tls: no\nmode: 0640\nwhen: 2001-12-14\n', 'v.json': '{"n": 1e3, "b": true}' });
    expect(parseExtraVars([`@${dir}/v.yaml`])).toEqual({ enable_tls: false, mode: 0o640, when: '2001-12-14' });
    expect(parseExtraVars([`@${dir}/v.json`])).toEqual({ n: 1000, b: true });
  });

  it('@file.yaml with !secret values, and inline JSON; later wins', () => {
    const dir = writeProject({ 's.yaml': 'pw: !secret hunter22\nport: 80\n' });
    const vars = parseExtraVars([`@${dir}/s.yaml`, '{"port": 8080}']);
    expect(isSecret(vars.pw)).toBe(true);
    expect(vars.port).toBe(8080);
  });

  it.each([
    ['novalue', /no "="/],
    ['1x=2', /not a valid variable name/],
    ["pw='s3cr3t", /cannot split/],
    ['[1, 2]', /must be a mapping/],
    ['./vars.yaml', /needs an @/],
    ['x=\\N{BULLET}', /character name/],
  ])('refuses %s without repeating its value', (item, message) => {
    expect(() => parseExtraVars([item])).toThrow(ConfigError);
    expect(() => parseExtraVars([item])).toThrow(message);
    try {
      parseExtraVars([item]);
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('splitArgs (Ansible split_args)', () => {
  it.each([
    ['', []],
    ['a=b c="foo bar"', ['a=b', 'c="foo bar"']],
    ["a='x  y'", ["a='x  y'"]],
    ['a={{ b }} c=d', ['a={{ b }}', 'c=d']],
    ['a=1\nb=2', ['a=1\n', 'b=2']],
    ['a=1 \\\nb=2', ['a=1', 'b=2']],
  ])('%j', (args, params) => {
    expect(splitArgs(args)).toEqual(params);
  });
});

describe('parseKv (Ansible parse_kv)', () => {
  it.each([
    ['x=1', [{ key: 'x', value: '1', quoted: false }], []],
    ["x='it\\'s'", [{ key: 'x', value: "it's", quoted: true }], []],
    ['x=a"b c"d', [{ key: 'x', value: 'a"b c"d', quoted: false }], []],
    ['word', [], ['word']],
  ])('%j', (args, pairs, raw) => {
    expect(parseKv(args)).toEqual({ pairs, raw });
  });
});
