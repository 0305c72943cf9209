import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { fnmatchTranslate, globToRegExp } from '../../src/fnmatch.js';
import { splitHostPattern } from '../../src/host-pattern-split.js';
import { hostPatternProblem, matchHosts, splitSubscript } from '../../src/host-patterns.js';
import { parseInventory } from '../../src/inventory.js';
import { compilePythonRegex } from '../../src/python-regex.js';
import { YamlSource } from '../../src/yaml-source.js';

// provision's own inventory format: `all` lists every host, groups in definition order.
const own = parseInventory(
  YamlSource.fromText(
    `hosts:
  web1: {}
  web2: {}
  db1: {}
  lone: {}
groups:
  web: { hosts: [web1, web2] }
  prod: { children: [web], hosts: [db1] }
`,
    'hosts.yaml',
  ),
);

describe('matchHosts', () => {
  it.each([
    ['all', ['web1', 'web2', 'db1', 'lone']],
    ['*', ['web1', 'web2', 'db1', 'lone']],
    ['web', ['web1', 'web2']],
    ['prod', ['db1', 'web1', 'web2']], // the group's own hosts, then its children's
    ['prod:!web', ['db1']],
    ['web:!web2', ['web1']],
    ['web*', ['web1', 'web2']],
    ['prod:&web', ['web1', 'web2']],
    ['db1,web2', ['db1', 'web2']], // the order of the terms, as Ansible runs them
    ['!db1', ['web1', 'web2', 'lone']],
    ['ungrouped', ['lone']],
    ['web[1]', ['web2']],
    ['web[-1]', ['web2']],
    ['prod[1:]', ['web1', 'web2']],
    ['prod[0:1]', ['db1', 'web1']],
    ['~w.b', ['web1', 'web2']], // groups first (web), then hosts
    ['~eb', []], // re.match: anchored at the start
    ['w[!e]*', []],
    ['nothing*', []], // nothing to do: a glob that matches nothing selects nobody
  ])('%s', (pattern, hosts) => {
    expect(matchHosts(own, pattern)).toEqual(hosts);
  });

  it.each([
    ['web[2]', /no host at index 2/],
    ['~web(', /invalid regular expression/],
    ['web]', /unbalanced/],
    ['web[:1]', /glob character class/],
    ['web[0-1]', /removed/],
    [',', /empty/],
  ])('refuses %s with a ConfigError naming it', (pattern, message) => {
    expect(() => matchHosts(own, pattern)).toThrow(ConfigError);
    expect(() => matchHosts(own, pattern)).toThrow(message);
    expect(() => matchHosts(own, pattern)).toThrow(pattern.replace(/\[.*/, ''));
  });
});

describe('hostPatternProblem', () => {
  it.each([
    ['web:prod', undefined],
    ['web*:nope*', undefined],
    ['wbe', 'no host or group named "wbe" in hosts.yaml'],
    ['web:!wbe[0]', 'no host or group named "wbe" in hosts.yaml'],
    ['localhost', 'no host or group named "localhost" in hosts.yaml (provision has no implicit localhost: add it to the inventory)'],
    ['web[5]', 'host pattern "web[5]": no host at index 5 (the pattern before the subscript matches 2)'],
  ])('%s', (pattern, problem) => {
    expect(hostPatternProblem(own, pattern)).toBe(problem);
  });
});

describe('splitHostPattern', () => {
  it.each([
    ['web', ['web']],
    ['a,b[1], c[2:3] , d', ['a', 'b[1]', 'c[2:3]', 'd']],
    ['web:&db:!x', ['web', '&db', '!x']],
    ['web[0:1]', ['web[0:1]']], // a range: one address, not split
    ['web db', ['web', 'db']],
    ['fe80::1', ['fe80::1']], // IPv6
    ['host:22', ['host:22']], // host:port reads as one address
    ['a:b,c', ['a:b', 'c']], // with a comma, colons are not separators
    ['web[0]:db[1:]', ['web[0]', 'db[1:]']],
  ])('%s', (pattern, terms) => {
    expect(splitHostPattern(pattern)).toEqual({ terms, dropped: '' });
  });
  it('reports the brackets Ansible would drop', () => {
    expect(splitHostPattern('~[').dropped).toBe('[');
  });
});

describe('splitSubscript', () => {
  it.each([
    ['web', { expr: 'web' }],
    ['web[3]', { expr: 'web', subscript: { start: 3, end: null } }],
    ['web[-2]', { expr: 'web', subscript: { start: -2, end: null } }],
    ['web[1:4]', { expr: 'web', subscript: { start: 1, end: 4 } }],
    ['web[2:]', { expr: 'web', subscript: { start: 2, end: -1 } }],
    ['web*[0]', { expr: 'web*', subscript: { start: 0, end: null } }],
    ['~web[0]', { expr: '~web[0]' }], // a regex keeps its brackets
    ['web[ab]', { expr: 'web[ab]' }], // a glob class
  ])('%s', (term, split) => {
    expect(splitSubscript(term)).toEqual(split);
  });
});

describe('fnmatch (Python 3.11 fnmatch.translate)', () => {
  it.each([
    ['web*', '(?s)web.*\\Z'],
    ['a*b*c', '(?s)a(?:.*?b).*c\\Z'],
    ['[!a-c]?', '(?s)[^a-c].\\Z'],
    ['[', '(?s)\\[\\Z'],
    ['a.b', '(?s)a\\.b\\Z'],
  ])('translates %s', (glob, regex) => {
    expect(fnmatchTranslate(glob)).toBe(regex);
  });
  it.each([
    ['web[12]', 'web1', true],
    ['web[12]', 'web3', false],
    ['web[!12]', 'web3', true],
    ['[]a]x', ']x', true],
    ['web?', 'web10', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'aXexample.com', false],
    ['[z-a]', 'm', false], // an empty range matches nothing
  ])('%s matches %s: %s', (glob, name, matches) => {
    expect(globToRegExp(glob).test(name)).toBe(matches);
  });
});

describe('Python regexes in JavaScript', () => {
  it.each([
    ['web\\d+', 'web12', true],
    ['web', 'myweb', false], // re.match: anchored at the start
    ['web', 'web-1', true], // ...but not at the end
    ['web$', 'web\n', true], // Python's $ also matches before a final newline
    ['(?P<n>a)(?P=n)', 'aa', true],
    ['a{,2}b', 'aab', true],
    ['a{x', 'a{x', true], // a brace that is no quantifier is a literal
    ['[]a]+$', ']a]', true],
    ['(?i)WEB', 'web', true],
    ['\\w+$', 'wébé', true], // \w is Unicode in Python
    ['(?a)\\w+$', 'wébé', false],
    ['.', '\n', false],
    ['(?s).', '\n', true],
    ['a(?#comment)b', 'ab', true],
  ])('%s on %j: %s', (regex, name, matches) => {
    expect(compilePythonRegex(regex).test(name)).toBe(matches);
  });
  it.each(['(?x)a b', 'a(?i)b', '(?>a)', 'a*+', '(?(1)a|b)', '\\N{DASH}', '\\0', '\\q', 'a{2,1}', '(a', 'a)', '[a'])('refuses %s', (regex) => {
    expect(() => compilePythonRegex(regex)).toThrow();
  });
});
