import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jinjaProblem } from '../../src/ansible-compat.js';
import { renderTemplate } from '../../src/template.js';

/**
 * The handlebars way that a Jinja error message shows renders what Ansible
 * renders: each Jinja template goes through ansible-core 2.14's own Templar
 * (with Ansible's filters) and the message's handlebars through provision's
 * renderTemplate, with the same variables, values with troublesome characters.
 */
const python = readFileSync(execFileSync('which', ['ansible'], { encoding: 'utf8' }).trim(), 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];
const TROUBLE = `it's "q" $HOME \`id\` p@ss: a/b #x`;
const ENV_NAME = 'PROVISION_ORACLE_JINJA';
const env = { ...process.env, [ENV_NAME]: TROUBLE };

/** Renders each [template, vars] with Ansible's Templar. */
function ansible(cases: [string, Record<string, unknown>][]): string[] {
  const script = `import json, sys
from ansible.template import Templar
from ansible.parsing.dataloader import DataLoader
out = []
for text, variables in json.loads(sys.argv[1]):
    out.append(str(Templar(loader=DataLoader(), variables=variables).template(text)))
print(json.dumps(out))`;
  return JSON.parse(execFileSync(python, ['-c', script, JSON.stringify(cases)], { env, encoding: 'utf8' }));
}

/** The concrete handlebars in a message: `... is `HBS` in handlebars`. */
function handlebarsWay(jinja: string): string {
  const message = jinjaProblem(jinja)?.message ?? '';
  const way = /\) is `([\s\S]+?)`(?: \([^)]*\))? in handlebars$/.exec(message)?.[1];
  if (!way || way.includes('...')) throw new Error(`no concrete translation in: ${message}`);
  return way;
}

/** What sh makes of a word (the quote filter and shell_quote write different text for the same word). */
const shellWord = (word: string): string => execFileSync('sh', ['-c', `printf %s ${word}`], { encoding: 'utf8' });

const vars = { port: 8080, name: TROUBLE, names: ['a b', TROUBLE, 'c'], enabled: true, disabled: false, servers: [TROUBLE, 'b'], db: { name: TROUBLE, 'my-db': 'x' }, ansible_facts: { default_ipv4: { address: '10.0.0.1' } }, a: 'A', b: TROUBLE, origins: ['https://a.example', TROUBLE], env: 'prod' };

describe('a Jinja expression and the handlebars way its message shows render the same', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['default, variable set', "{{ port | default('80') }}", vars],
    ['default, variable missing', "{{ missing | default('80') }}", vars],
    // Ansible doubles backslashes inside expressions, so a Jinja string cannot escape its quote: no ' in this one.
    ['d, missing, troublesome fallback', `{{ missing | d('${TROUBLE.replace(/'/g, '')}') }}`, vars],
    ['join', "{{ names | join(', ') }}", vars],
    ['join after default', "{{ names | default('') | join('/') }}", vars],
    ['concatenation', "{{ a ~ '-' ~ b }}", vars],
    ['inline if, true', "{{ 'on' if enabled else 'off' }}", vars],
    ['inline if, false', "{{ 'on' if disabled else 'off' }}", vars],
    ['index', '{{ servers[0] }}', vars],
    ['key', "{{ db['name'] }}", vars],
    ['key that is no identifier', "{{ db['my-db'] }}", vars],
    ['nested keys', "{{ ansible_facts['default_ipv4']['address'] }}", vars],
    ['env lookup', `{{ lookup('env', '${ENV_NAME}') }}`, vars],
    ['urlencode (no / in the value: there the two differ, see the README)', '{{ a | urlencode }}{{ port | urlencode }}', vars],
  ];
  const expected = ansible(cases.map(([, jinja, v]) => [jinja, v]));

  it.each(cases.map((c, i) => [...c, i] as const))('%s', (_what, jinja, v, i) => {
    const hbs = jinja.includes('}}{{') ? jinja.split('}}{{').map((part, k, all) => handlebarsWay(`${k ? '{{' : ''}${part}${k < all.length - 1 ? '}}' : ''}`)).join('') : handlebarsWay(jinja);
    process.env[ENV_NAME] = TROUBLE;
    expect(renderTemplate(hbs, v)).toBe(expected[i]);
  });

  it('to_json: the same JSON value (provision writes it compact, as the message says)', () => {
    const [out] = ansible([['{{ origins | to_json }}', vars]]);
    const hbs = handlebarsWay('{{ origins | to_json }}');
    expect(JSON.parse(renderTemplate(hbs, vars))).toEqual(JSON.parse(out));
    expect(jinjaProblem('{{ origins | to_json }}')?.message).toMatch(/compact JSON/);
  });

  it("default of an empty string: the README's deliberate difference (provision's default takes it as missing)", () => {
    const [out] = ansible([["{{ empty | default('y') }}", { empty: '' }]]);
    expect(out).toBe('');
    expect(renderTemplate(handlebarsWay("{{ empty | default('y') }}"), { empty: '' })).toBe('y');
  });

  it('urlencode of a /: the README\'s deliberate difference (url_encode encodes it)', () => {
    const [out] = ansible([['{{ p | urlencode }}', { p: 'a/b' }]]);
    expect(out).toBe('a/b');
    expect(renderTemplate(handlebarsWay('{{ p | urlencode }}'), { p: 'a/b' })).toBe('a%2Fb');
  });

  it('quote: sh reads the same word', () => {
    const [out] = ansible([['{{ name | quote }}', vars]]);
    expect(shellWord(renderTemplate(handlebarsWay('{{ name | quote }}'), vars))).toBe(shellWord(out));
    expect(shellWord(out)).toBe(TROUBLE);
  });
});

describe("the README's statement translations render as Ansible renders", () => {
  // [Jinja, handlebars as the README table and the message show it, with the bodies filled in]
  const pairs: [string, string, string][] = [
    ['if/else', '{% if enabled %}tls{% else %}plain{% endif %}', '{{#if enabled}}tls{{else}}plain{{/if}}'],
    ['if false', '{% if disabled %}tls{% else %}plain{% endif %}', '{{#if disabled}}tls{{else}}plain{{/if}}'],
    ['elif', '{% if disabled %}1{% elif enabled %}2{% endif %}', '{{#if disabled}}1{{else if enabled}}2{{/if}}'],
    ['==', "{% if env == 'prod' %}p{% endif %}", '{{#if (eq env "prod")}}p{{/if}}'],
    ['!=', "{% if env != 'prod' %}p{% else %}q{% endif %}", '{{#if (ne env "prod")}}p{{else}}q{{/if}}'],
    ['not', '{% if not disabled %}n{% endif %}', '{{#if (not disabled)}}n{{/if}}'],
    ['for', '{% for u in names %}[{{ u }}]{% endfor %}', '{{#each names as |u|}}[{{u}}]{{/each}}'],
    ['for with this', '{% for u in names %}[{{ u }}]{% endfor %}', '{{#each names}}[{{this}}]{{/each}}'],
    ['for over items()', '{% for k, v in db.items() %}{{ k }}: {{ v }}{% endfor %}', '{{#each db}}{{@key}}: {{this}}{{/each}}'],
    ['comment', 'a{# why #}b', 'a{{!-- why --}}b'],
    ['whitespace control', 'a  {{- name -}}  b', 'a  {{~name~}}  b'],
  ];
  const expected = ansible(pairs.map(([, jinja]) => [jinja, vars]));

  it.each(pairs.map((p, i) => [...p, i] as const))('%s', (_what, jinja, hbs, i) => {
    // The message for the Jinja shows the handlebars form used here.
    const opening = /^[^{]*(\{\{[#!~]?(?:if|each|--)?[^}]*?)(?:\s|\}\}|\.\.\.)/.exec(hbs.replace(/\{\{else[^}]*\}\}.*/, ''))?.[1] ?? '';
    expect(jinjaProblem(jinja)?.message).toContain(opening.split(' ')[0]);
    expect(renderTemplate(hbs, vars)).toBe(expected[i]);
  });
});
