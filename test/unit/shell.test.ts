import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cmd, quote, raw } from '../../src/shell.js';

/** Runs `printf '%s\n' WORDS` in a real /bin/sh and returns what the shell saw. */
function shellSees(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`]).toString();
  return out.split('\0').slice(0, -1);
}

describe('quote', () => {
  it.each([
    ['plain', 'nginx'],
    ['empty', ''],
    ['space', 'Nginx Full'],
    ['single quote', "it's"],
    ['metacharacters', 'a; rm -rf / && echo $HOME `id` $(id) | cat > x < y'],
    ['newline', 'line1\nline2'],
    ['glob', '*.conf ?'],
    ['leading dash', '-rf'],
    ['backslashes', '\\n\\\\'],
    ['unicode', 'grüße ✓'],
  ])('%s: the shell sees the literal value', (_label, value) => {
    expect(shellSees(quote(value))).toEqual([value]);
  });

  it('rejects NUL, which no shell word can carry', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });

  it('survives generated hostile strings (fuzz)', () => {
    const alphabet = ['a', ' ', "'", '"', '\\', '$', '`', ';', '&', '|', '\n', '*', '(', ')', '{', '}', '<', '>', '!', '#', '~', '-', '=', '%', 'é'];
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const words: string[] = [];
    for (let i = 0; i < 300; i++) {
      const len = 1 + rand(12);
      words.push(Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join(''));
    }
    expect(shellSees(words.map(quote).join(' '))).toEqual(words);
  });
});

describe('cmd', () => {
  it('quotes each word and keeps trusted raw syntax as is', () => {
    expect(cmd('apt-get', 'install', '-y', '--', 'nginx', "x'; reboot")).toBe(`apt-get install -y -- nginx 'x'\\''; reboot'`);
    expect(cmd('cd', '/opt/my app', raw('&&'), 'ls')).toBe(`cd '/opt/my app' && ls`);
  });
});
