import { describe, expect, it } from 'vitest';
import { pythonLiteralOrText, UnsupportedLiteral } from '../../../src/inventory/python-literal.js';
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
    // Python 3.11's literal_eval strips leading spaces and tabs (ansible-core 2.14 on Debian 12).
    [' 5', 5],
    // Found by test/oracle/inventory-fuzz.test.ts: Python source rules literal_eval applies.
    ['5 # comment', 5],
    ['"x" # c', 'x'],
    ["'a' 'b'", 'ab'],
    ["'a' b'x'", "'a' b'x'"],
    ["r'\\d+'", '\\d+'],
    ["r'a\\'b'", "a\\'b"],
    ["u'x'", 'x'],
    ["b'x'", 'x'],
    ["rb'\\x'", '\\x'],
    ["f'x'", "f'x'"],
    ["'\\101\\x41\\u00e9\\U0001F600'", 'AAé😀'],
    ["'\\q'", '\\q'],
    ['--5', '--5'],
    ['- 5', -5],
    ['#x', '#x'],
    ['5 ;', '5 ;'],
    ['$HOME@host:/p', '$HOME@host:/p'],
  ])('%j → %j', (text, value) => {
    expect(pythonLiteralOrText(text)).toEqual(value);
  });

  it.each([["'\\N{BULLET}'"], ["b'\\xe9'"]])('refuses %j: Python reads it, provision cannot reproduce it', (text) => {
    expect(() => pythonLiteralOrText(text)).toThrow(UnsupportedLiteral);
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
