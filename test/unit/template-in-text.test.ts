import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { renderTemplate, renderValue, TemplateError } from '../../src/template.js';

/**
 * A list or mapping written into text: JavaScript would write `a,b` or `[object Object]`,
 * Ansible Python's `['a', 'b']` or `{'k': 'v'}`. provision stops with an error naming the
 * variable and the way to write it, instead of either.
 */
const vars = { lst: ['a', 'b'], d: { k: 'v', inner: { x: 1 } }, name: 'web', n: 3, flag: true, pw: new Secret('p@ss "x"'), people: [{ name: 'ann' }] };

describe('lists and mappings written into text', () => {
  it.each([
    ['a list', 'items: {{ lst }}', /\{\{ lst \}\} is a list .*write \{\{ join lst ", " \}\} or \{\{ json lst \}\}/],
    ['a mapping', 'cfg={{ d }}', /\{\{ d \}\} is a mapping .*write \{\{ json d \}\} or its fields \(\{\{ d\.KEY \}\}\)/],
    ['a nested mapping, named by its path', 'x={{ d.inner }}', /\{\{ d\.inner \}\} is a mapping/],
    ['an item of a list that is a mapping', '{{#each people}}{{ this }}{{/each}}', /is a mapping/],
    ['the first one in the text is named', '{{ lst }} {{ d }}', /\{\{ lst \}\} is a list/],
    ['through default', '{{ default d "none" }}!', /\{\{ d \}\} is a mapping/],
  ])('%s is an error', (_label, text, message) => {
    expect(() => renderTemplate(text, vars)).toThrow(TemplateError);
    expect(() => renderTemplate(text, vars)).toThrow(message);
    expect(() => renderValue(text, vars)).toThrow(message);
  });

  it.each([
    ['nothing to do: text with strings and numbers', 'host {{ name }} has {{ n }} cpus', 'host web has 3 cpus'],
    ['a boolean', 'enabled={{ flag }}', 'enabled=true'],
    ['join', 'items: {{ join lst ", " }}', 'items: a, b'],
    ['json of a list', '{{ json lst }}', '["a","b"]'],
    ['json of a mapping', '{{ json d }}', '{"k":"v","inner":{"x":1}}'],
    ['a field of a mapping', '{{ d.k }}/{{ d.inner.x }}', 'v/1'],
    ['each over a list and a mapping', '{{#each lst}}[{{ this }}]{{/each}}{{#each d}}{{#if (eq @key "k")}}{{ @key }}={{ this }}{{/if}}{{/each}}', '[a][b]k=v'],
    ['if on a list and a mapping', '{{#if lst}}L{{/if}}{{#if d}}M{{/if}}', 'LM'],
    ['a field of a list item', '{{#each people}}{{ name }}{{/each}}', 'ann'],
    ['a secret, revealed for the consumer', 'pw={{ pw }}', 'pw=p@ss "x"'],
  ])('%s renders', (_label, text, expected) => {
    expect(renderTemplate(text, vars)).toBe(expected);
  });

  it('a value that is exactly one variable keeps its type: a list stays a list, a mapping a mapping', () => {
    expect(renderValue('{{ lst }}', vars)).toEqual(['a', 'b']);
    expect(renderValue('{{ d }}', vars)).toEqual(vars.d);
  });

  it('a missing variable still says so (handlebars stringifies its context for that message)', () => {
    expect(() => renderTemplate('{{ d.missing }}', vars)).toThrow(/variable "missing" is not defined|variable "d.missing" is not defined/);
  });
});
