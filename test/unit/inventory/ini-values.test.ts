import { describe, expect, it } from 'vitest';
import { pythonLiteralOrText } from '../../../src/inventory/python-literal.js';
import { splitShellWords } from '../../../src/shell-words.js';

const shellWords = (line: string): string[] => splitShellWords(line, { comments: true });

describe("INI values: Python's literal_eval, or the text", () => {
  it.each([
    ['', ''],
    ['plain text', 'plain text'],
    ['5', 5],
    ['-3', -3],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['0x1F', 31],
    ['0o10', 8],
    ['1_000', 1000],
    ['010', '010'],
    ['True', true],
    ['true', 'true'],
    ['yes', 'yes'],
    ['None', null],
    ['"5"', '5'],
    ["'a\\tb'", 'a\tb'],
    ['[1, "two", None]', [1, 'two', null]],
    ['(1, 2)', [1, 2]],
    ['(5)', 5],
    ["{'k': [1]}", { k: [1] }],
    ['{1, 2}', '{1, 2}'],
    [' 5', ' 5'],
    ['$HOME@host:/p', '$HOME@host:/p'],
  ])('%j → %j', (text, value) => {
    expect(pythonLiteralOrText(text)).toEqual(value);
  });
});

describe('host lines split as shlex.split(comments=True)', () => {
  it.each([
    ['', []],
    ['h a=1 b=2', ['h', 'a=1', 'b=2']],
    ['h x="a b" y=\'c d\'', ['h', 'x=a b', 'y=c d']],
    ['h x=a\\ b', ['h', 'x=a b']],
    ['h x="a\\"b"', ['h', 'x=a"b']],
    ['h x=a#comment y=2', ['h', 'x=a']],
    ['h x="a#b"', ['h', 'x=a#b']],
    ['h x=""', ['h', 'x=']],
  ])('%j', (line, words) => {
    expect(shellWords(line)).toEqual(words);
  });

  it('refuses an unclosed quote', () => {
    expect(() => shellWords('h x="open')).toThrow(/closing quotation/);
  });
});
