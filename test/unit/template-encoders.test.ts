import { describe, expect, it } from 'vitest';
import { MASK, redact, Secret } from '../../src/secret.js';
import { renderTemplate, renderValue, TemplateError } from '../../src/template.js';

describe('encoder helpers in templates', () => {
  it.each([
    ['shell_quote', "{{ shell_quote x }}", "it's", "'it'\\''s'"],
    ['systemd_env_quote', 'PGPASSWORD={{ systemd_env_quote x }}', 'a"$b', 'PGPASSWORD="a\\"\\$b"'],
    ['dotenv_quote', 'PASSWORD={{ dotenv_quote x }}', 'a b', 'PASSWORD="a b"'],
    ['url_encode', 'postgresql://u:{{ url_encode x }}@h/db', 'p@ss', 'postgresql://u:p%40ss@h/db'],
    ['toml_string', 'name = {{ toml_string x }}', 'a"b', 'name = "a\\"b"'],
    ['a number is encoded as its digits', 'port={{ shell_quote x }}', 5432, 'port=5432'],
    ['nothing to do: no helper, value as is', 'x={{ x }}', 'a b', 'x=a b'],
  ])('%s', (_label, template, x, expected) => {
    expect(renderTemplate(template, { x })).toBe(expected);
  });

  it('a secret is encoded from its real value and the encoded form is masked in output', () => {
    const out = renderTemplate('DATABASE_URL=postgresql://u:{{ url_encode pw }}@h/db\n', { pw: new Secret('tpl p@ss/1') });
    expect(out).toBe('DATABASE_URL=postgresql://u:tpl%20p%40ss%2F1@h/db\n');
    expect(redact(out)).toBe(`DATABASE_URL=postgresql://u:${MASK}@h/db\n`);
  });

  it('in a playbook value too', () => {
    const out = renderValue('{{ dotenv_quote pw }}', { pw: new Secret('tpl "quoted" 2') });
    expect(redact(String(out))).toBe(MASK);
  });

  it.each([
    ['no value', '{{ url_encode }}', /url_encode: takes exactly one value .*got 0/],
    ['two values', '{{ shell_quote a b }}', /shell_quote: takes exactly one value .*got 2/],
    ['a list', '{{ toml_string list }}', /toml_string: needs a string or a number, got a list/],
    ['a mapping', '{{ dotenv_quote map }}', /dotenv_quote: needs a string or a number, got a mapping/],
    ['a missing variable', '{{ shell_quote nope }}', /shell_quote: its value is not defined/],
    ['NUL', '{{ systemd_env_quote nul }}', /systemd_env_quote: the value contains a NUL byte/],
  ])('error, with the line: %s', (_label, template, message) => {
    const vars = { a: 'a', b: 'b', list: ['x'], map: { k: 'v' }, nul: 'a\0b' };
    let error: unknown;
    try {
      renderTemplate(`line one\n${template}`, vars);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).message).toMatch(message);
    expect((error as TemplateError).line).toBe(2);
  });
});
