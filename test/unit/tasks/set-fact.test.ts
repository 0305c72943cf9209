import { describe, expect, it } from 'vitest';
import { Secret, isSecret } from '../../../src/secret.js';
import { factValues, setFact } from '../../../tasks/set-fact.js';

/** set_fact's arguments: what it sets (with Ansible's string-to-boolean rule), which names it defines before the run, and what it refuses. */

const TROUBLE = `p"a'ss $HOME \`id\` @:/# x`;

describe('set_fact values', () => {
  it.each([
    // [what, arguments, variables set]
    ['nothing to do: only cacheable sets nothing (and is refused by the schema, below)', { cacheable: true }, {}],
    ['a string as it is', { a: 'hello' }, { a: 'hello' }],
    ['yes/no/true/false in any case become booleans, as Ansible without jinja2_native', { a: 'yes', b: 'No', c: 'TRUE', d: 'false' }, { a: true, b: false, c: true, d: false }],
    ['other words that Ansible reads as booleans elsewhere stay strings', { a: 'on', b: '1', c: 'y', d: 'off' }, { a: 'on', b: '1', c: 'y', d: 'off' }],
    ['numbers, lists, mappings, booleans and null keep their type', { n: 42, l: [1, 'two'], m: { k: 'v' }, b: false, z: null }, { n: 42, l: [1, 'two'], m: { k: 'v' }, b: false, z: null }],
    ['a nested "yes" stays a string (Ansible converts top-level values only)', { l: ['yes'], m: { k: 'no' } }, { l: ['yes'], m: { k: 'no' } }],
    ['cacheable is not a variable', { a: 1, cacheable: 'yes' }, { a: 1 }],
  ])('%s', (_what, args, expected) => {
    expect(factValues(args)).toEqual(expected);
  });

  it('a secret stays a secret, even when its text is "yes"', () => {
    const values = factValues({ pw: new Secret(TROUBLE), flag: new Secret('yes') });
    expect(isSecret(values.pw) && values.pw.reveal()).toBe(TROUBLE);
    expect(isSecret(values.flag)).toBe(true);
  });

  it('control reports the names it set, never the values, and returns them as facts', () => {
    const args = setFact.schema.parse({ db_password: new Secret(TROUBLE), port: 5432 });
    const outcome = setFact.control!(args, {});
    expect(outcome).toMatchObject({ failed: false, message: 'set db_password, port' });
    expect(outcome.message).not.toContain(TROUBLE);
    expect(outcome.facts?.port).toBe(5432);
  });
});

describe('set_fact names known before the run', () => {
  it.each([
    ['nothing to do: no arguments', undefined, []],
    ['a mapping: its names', { a: 1, b: '{{ x }}' }, ['a', 'b']],
    ['cacheable is no name', { a: 1, cacheable: true }, ['a']],
    ['an invalid or templated name is left to the schema error', { 'a-b': 1, '{{ n }}': 2, ok: 3 }, ['ok']],
    ['the name=value string form names nothing (the schema refuses it)', 'a=1', []],
  ])('%s', (_what, raw, names) => {
    expect(setFact.defines!(raw)).toEqual(names);
  });
});

describe('set_fact arguments refused, with what to do', () => {
  const problem = (raw: unknown): string => {
    const r = setFact.schema.safeParse(raw);
    return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it.each([
    ['no variables', {}, /No key\/value pairs provided/],
    ['only cacheable', { cacheable: false }, /No key\/value pairs provided/],
    ['the name=value form', 'a=1 b=2', /mapping of variable names.*name=value/],
    ['a name Ansible refuses', { 'my-var': 1 }, /^my-var: The variable name 'my-var' is not valid/],
    ['a templated name', { '{{ n }}_x': 1 }, /templated variable name is not read/],
    ['cacheable that is no boolean', { a: 1, cacheable: 'maybe' }, /^cacheable: cacheable takes a boolean/],
    ['a connection variable: another user mid-run', { ansible_user: 'deploy' }, /^ansible_user: ansible_user is a connection variable.*inventory.*-e/],
    ['a connection variable: sudo from the next task on', { ansible_become: true }, /^ansible_become: .*connection variable/],
    ['a connection variable: another port', { ansible_port: 2222 }, /connection variable/],
  ])('%s', (_what, raw, message) => {
    expect(problem(raw)).toMatch(message);
  });

  it('nothing to do: valid arguments have no problem', () => {
    expect(problem({ a: 1, b: [1], cacheable: 'yes' })).toBe('');
  });
});
