import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { lateNames } from '../../src/vars/late.js';
import { bindLevels, copyVars, plainLevel, type VarLevel } from '../../src/vars/levels.js';

/** A level whose errors say which level and key, so a test can check where a failure is reported. */
function level(name: string, values: Record<string, unknown>): VarLevel {
  return { values, error: (key, _path, message) => new ConfigError(`${message} (in ${name}.${key})`) };
}

describe('bindLevels: levels, lowest first, rendered lazily against the result', () => {
  const cases: { name: string; levels: VarLevel[]; base?: Record<string, unknown>; expect: Record<string, unknown> }[] = [
    { name: 'nothing to do: no levels is the base', levels: [], base: { a: 1 }, expect: { a: 1 } },
    { name: 'a later level replaces a value whole', levels: [level('low', { a: { x: 1 } }), level('high', { a: { y: 2 } })], expect: { a: { y: 2 } } },
    { name: 'a low value reads a name a higher level defines', levels: [level('low', { url: 'https://{{ domain }}/' }), level('high', { domain: 'example.org' })], expect: { url: 'https://example.org/', domain: 'example.org' } },
    { name: 'a value reading its own name means the level below', levels: [level('low', { port: 80 }), level('high', { port: '{{ port }}0' })], expect: { port: '800' } },
    { name: 'one expression keeps its type', levels: [level('l', { list: '{{ items }}', items: ['a', 'b'] })], expect: { list: ['a', 'b'], items: ['a', 'b'] } },
    { name: 'a plain level (registered output) is never rendered', levels: [plainLevel({ out: { stdout: '{{ not_a_template }}' } })], expect: { out: { stdout: '{{ not_a_template }}' } } },
    { name: 'the base is read too (facts)', levels: [level('play', { root: '/srv/{{ ansible_hostname }}' })], base: { ansible_hostname: 'web1' }, expect: { root: '/srv/web1' } },
  ];
  it.each(cases)('$name', ({ levels, base, expect: want }) => {
    expect({ ...bindLevels(levels, base ?? {}) }).toEqual({ ...(base ?? {}), ...want });
  });

  it('the same levels over another base render with that base: nothing leaks between them', () => {
    const levels = [level('play', { greeting: '{{ result.stdout }} world' })];
    expect(bindLevels(levels, { result: { stdout: 'hello' } }).greeting).toBe('hello world');
    expect(bindLevels(levels, { result: { stdout: 'bye' } }).greeting).toBe('bye world');
  });

  it('a value that cannot render throws its own level\'s error, for whoever reads it, and is tried again on the next read', () => {
    const vars = bindLevels([level('group_vars', { release: '{{ ansible_distribution_release }}' }), level('play', { path: '/srv/{{ release }}' })], {});
    expect(() => vars.path).toThrow(/ansible_distribution_release.*not defined.*\(in group_vars\.release\)/);
    Object.defineProperty(vars, 'ansible_distribution_release', { value: 'bookworm', enumerable: true });
    expect(vars.path).toBe('/srv/bookworm');
  });

  it('copyVars keeps lazy values lazy: a value that cannot render yet does not stop the copy', () => {
    const vars = bindLevels([level('play', { later: '{{ result.stdout }}', now: 'x' })], {});
    const copy = copyVars(vars, { item: 1 });
    expect(copy.now).toBe('x');
    expect(copy.item).toBe(1);
    expect(() => copy.later).toThrow(ConfigError);
  });
});

describe('lateNames: which variables wait for the run', () => {
  const runtime = new Set(['ansible_hostname', 'result']);
  const cases: { name: string; levels: VarLevel[]; late: string[] }[] = [
    { name: 'nothing to do: plain values and templates of plain values', levels: [level('l', { a: 1, b: '{{ a }}', c: 'x{{ inventory_hostname }}' })], late: [] },
    { name: 'a fact, directly', levels: [level('l', { root: '/srv/{{ ansible_hostname }}' })], late: ['root'] },
    { name: 'a registered result, in a list', levels: [level('l', { lines: ['{{ result.stdout }}'] })], late: ['lines'] },
    { name: 'a chain a -> b -> fact, across levels', levels: [level('group_vars', { b: '{{ ansible_hostname }}' }), level('play', { a: '{{ b }}-a' })], late: ['a', 'b'] },
    { name: 'a higher plain value hides a late one below', levels: [level('low', { b: '{{ result.rc }}' }), level('high', { b: 'fixed' }), level('play', { a: '{{ b }}' })], late: [] },
    { name: 'a value reading its own name reads the level below', levels: [level('low', { b: '{{ result.rc }}' }), level('high', { b: '{{ b }}!' })], late: ['b'] },
    { name: 'a loop of references ends', levels: [level('l', { a: '{{ b }}', b: '{{ a }}' })], late: [] },
    { name: 'a plain level is never late (its text is not a template)', levels: [plainLevel({ out: '{{ result }}' })], late: [] },
  ];
  it.each(cases)('$name', ({ levels, late }) => {
    expect([...lateNames(levels, runtime)].sort()).toEqual(late);
  });
});
