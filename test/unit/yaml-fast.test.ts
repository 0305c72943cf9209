import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isSecret } from '../../src/secret.js';
import { setVaultSecrets } from '../../src/vault/active.js';
import { lexesAsCommonSyntax, usesCommonSyntaxOnly } from '../../src/yaml-fast/common-syntax.js';
import { hasSimpleLinesOnly } from '../../src/yaml-fast/simple-lines.js';
import { YamlSource, type FieldPath } from '../../src/yaml-source.js';
import { ROOT } from '../support/provision.js';

/**
 * Differential test of the fast YAML 1.1 reader (js-yaml, src/yaml-fast/) against `yaml`, which
 * read every inventory and vars file before: the same texts through YamlSource both ways must give
 * the same data (Secrets by their value, NaN, -0, key order, prototypes) or the same error, and
 * every position an error could name must be the same.
 */

// `printf 'known plaintext\n' | ansible-vault encrypt` (ansible-core 2.14), password "pass word$".
const VAULTED = `$ANSIBLE_VAULT;1.1;AES256
30323961633934343731386337323439633534616239363637316439336238353633613333376431
6663653332353032376466373963633666396333396663310a323661396135353063636638663330
38316339383463653333393339323032653333313966653361666630656438636262313835383633
6566383932326530640a336632356133643736663166303663376536346166336164306433366639
63363165366364303564653534303232376239353361376535366261303461663466
`;
const vaultBlock = (indent: string) => VAULTED.trimEnd().split('\n').map((l) => `${indent}${l}`).join('\n');

/** A value as text that shows everything equality must cover: types, Secrets' values, NaN and -0, key order, prototypes. */
function canonical(value: unknown): string {
  if (isSecret(value)) return `Secret(${JSON.stringify(value.reveal())})`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return `${typeof value}:${JSON.stringify(value)}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const proto = Object.getPrototypeOf(value) === Object.prototype ? '' : `<${Object.getPrototypeOf(value)?.constructor?.name}>`;
  return `${proto}{${Reflect.ownKeys(value).map((k) => `${String(k)}=${canonical((value as Record<string | symbol, unknown>)[k])}`).join(',')}}`;
}

interface Reading {
  source?: YamlSource;
  outcome: string;
}

function read(text: string, reader?: 'yaml'): Reading {
  try {
    const source = YamlSource.fromText(text, 'f.yaml', { yaml11: true, reader });
    return { source, outcome: canonical(source.data) };
  } catch (err) {
    return { outcome: `error: ${(err as Error).message}` };
  }
}

/** Every field path in the data, and for mappings each key too (what inventories locate). */
function paths(value: unknown, at: FieldPath = []): { path: FieldPath; key?: string }[] {
  const out: { path: FieldPath; key?: string }[] = [{ path: at }];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value && typeof value === 'object' && !isSecret(value)) {
    for (const [k, v] of Object.entries(value)) out.push({ path: at, key: k }, ...paths(v, [...at, k]));
  }
  return out;
}

const simpleLines = { taken: 0 };

/** Reads `text` both ways; returns which reader the default took. */
function compare(text: string, label: string): YamlSource['reader'] | 'error' {
  // The line check is a shortcut for the lexer's: what it takes, the lexer's check takes too.
  if (hasSimpleLinesOnly(text)) {
    simpleLines.taken++;
    expect(lexesAsCommonSyntax(text), `simple lines, not common syntax:\n${text}`).toBe(true);
  }
  const fast = read(text);
  const slow = read(text, 'yaml');
  expect(fast.outcome, `${label}\n${text}`).toBe(slow.outcome);
  if (!fast.source) return 'error';
  if (fast.source.reader === 'js-yaml') {
    for (const { path, key } of paths(fast.source.data)) {
      const a = fast.source.locate(path, key);
      const b = slow.source!.locate(path, key);
      expect({ path, key, line: a.line, column: a.column }, `${label}\n${text}`).toEqual({ path, key, line: b.line, column: b.column });
      // Printed (a report, a log) a pending location is the plain one.
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
  }
  return fast.source.reader;
}

function tally(results: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** The repository's own YAML: fixtures, playbooks, roles, scenarios, the bench's. */
function repoYaml(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) out.push({ file: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const dir of ['test', 'playbooks', 'roles', 'bench', 'tasks', 'templates', 'files', 'docs']) {
    try {
      walk(join(ROOT, dir));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

/** Every YAML 1.1 scalar form PyYAML resolves, the near misses it keeps as strings, and quoted forms. */
const SCALARS = [
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF',
  'y', 'Y', 'n', 'N', 'yEs', 'tRUE', 'oN',
  '0', '-0', '+0', '7', '-7', '+12', '0755', '-0755', '0o17', '08', '09', '0_7', '0x1F', '-0x1f', '0xFF_FF', '0b101', '-0b1_01', '1_000', '1__0',
  '190:20:30', '-1:30', '1:30', '1:60', '12:30:59', '1:2:3:4', '123456789012345678901234567890',
  '1.5', '-1.5', '.5', '1.', '-.5', '1.5e3', '1.5e+3', '6.8523015e+5', '1e3', '1.0e3', '1_0.5', '190:20:30.15', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', 'inf', 'nan',
  '~', 'null', 'Null', 'NULL', 'nULL', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '12:30', '1.2.3', '0.1.2',
  '"yes"', "'on'", '"0755"', '"1:30"', '""', "''", '"a\\tb\\u263A\\x41\\\\ \\"q\\""', "'it''s'", '"\\/"', '"\\N\\_\\L\\P"',
  'plain text', 'a:b', 'http://example.com/x?y=1', 'x # comment', 'a#b', '-a', '.dot', '@at', '`tick`', '%pct', 'a,b', 'a]b', '{{ jinja }}', '"{{ jinja }}"',
  '!secret s3cr3t', '!secret "q $ `b` @ : / # x"', '!secret', '!unsafe x', '!!str 12', '!!int "12"', '!!bool yes', '!!binary aGk=', '!!float 1', '!!null ""', '!vault x',
  '<<', '&a x', '*a', '? x', '- x',
];

/** The structures the scalars are put in: a value, a key, a sequence item, flow collections, a block sequence under a key. */
const SHAPES = [
  (s: string) => `k: ${s}\n`,
  (s: string) => `${s}: v\n`,
  (s: string) => `- ${s}\n`,
  (s: string) => `[${s}, x]\n`,
  (s: string) => `{k: ${s}, j: 1}\n`,
  (s: string) => `{${s}: 1}\n`,
  (s: string) => `top:\n  list:\n    - ${s}\n    - other\n  k: ${s}\n`,
];

const STRUCTURES = [
  '',
  '# only a comment\n',
  '---\n',
  '---\na: 1\n',
  'a: 1\n---\nb: 2\n',
  'a: 1\n...\n',
  '%YAML 1.1\n---\na: yes\n',
  '%YAML 1.2\n---\na: yes\n',
  'a: 1\nb: 2\na: 3\n',
  'a: 1\n"a": 2\n',
  '1: a\n"1": b\n',
  'yes: a\ntrue: b\n',
  '1.0: a\n1: b\n',
  '.nan: a\n.NaN: b\n',
  '~: a\n',
  ': a\n',
  'null: a\nb: 2\n',
  '"null": a\n',
  '__proto__: {polluted: 1}\nb: 2\n',
  '"__proto__": 1\n',
  'base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n',
  'a: &x 1\nb: *x\n',
  'a: &a [1, 2]\nb: [*a, *a]\n',
  'a: {<<: {x: 1}, y: 2}\n',
  'a:\n  <<:\n    x: 1\n  y: 2\n',
  '? complex\n: value\n',
  '[a, b]: c\n',
  '{a: 1}: c\n',
  'a: [1, [2, 3], {b: c}]\n',
  'a: {b: [1, 2], c: {d: e}}\n',
  'a: [1, 2,]\n',
  'a: {b: 1,}\n',
  '[a: 1, b]\n',
  '{a:b}\n',
  '{"a":1, "b":[true,null]}\n',
  'a: [\n  1,\n  2\n]\n',
  'a: {\n  b: 1\n}\n',
  'a: |\n  line 1\n  line 2\n',
  'a: |-\n  line 1\n\n',
  'a: |+\n  line 1\n\n\n',
  'a: >\n  folded\n  text\n\n  para\n',
  'a: >-\n  folded\n   more indented\n  back\n',
  'a: |2\n    two extra\n',
  'a: |\n\n  after blank\n',
  'a: | # comment\n  text\n',
  'a: |\n  text\nb: 2\n',
  'a: >\n\n',
  'a: |\n',
  'a: plain\n  continued\n  lines\n',
  'a: plain\n\n  with blank\n',
  'a: b\n  - c\n',
  'a: "double\n  folded\n\n  text"\n',
  'a: "escaped \\\n  newline"\n',
  "a: 'single\n  folded'\n",
  'a: "x"#c\n',
  'a: x #c\n',
  'a:  # comment\n  b: 1\n',
  '# c\na: 1 # c\n# c\n',
  'a:\n- 1\n- 2\n',
  'a:\n  - 1\n  -\n  - 3\n',
  '- a: 1\n  b: 2\n- c\n',
  '- - 1\n  - 2\n- - 3\n',
  'a:\n  b:\n    c:\n      d: deep\n',
  'a: b: c\n',
  'a:\n  b: 1\n c: 2\n',
  'a:\tb\n',
  'a: b\r\nc: d\r\n',
  '\uFEFFa: 1\n',
  'a: 1\n  \n',
  '"multi\n line": key\n',
  `${'k'.repeat(1100)}: long key\n`,
  `"${'k'.repeat(1100)}": long key\n`,
  'a: !secret\nb: 1\n',
  '!secret k: v\n',
  'a: !secret [1]\n',
  'a: !secret\n  b: 1\n',
  'a: !<!secret> x\n',
  'a: !vault x\n',
  `pw: !vault |\n${vaultBlock('  ')}\nplain: x\n`,
  `hosts:\n  h1:\n    pw: !vault |\n${vaultBlock('      ')}\n    port: 22\n`,
  `pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3032\n`,
  'a: "\\ud83d\\ude00 \\u00e9"\n',
  'a: "\\ud800"\n',
  'a: é ü 日本 😀\n',
  'a: "unterminated\n',
  "a: 'unterminated\n",
  'a: [1, 2\n',
  'a: {b: 1\n',
  'a: ]\n',
  '- a\nb: 1\n',
  'a: 1\n- b\n',
  '  a: 1\n b: 2\n',
  'a: @x\n',
  'a: `x`\n',
  'a: %x\n',
  'a: |x\n  y\n',
  '---\n--- \n',
  '--- a: 1\n',
  '--- |\n  text\n',
  'a: ---\n',
  'a: ...\n',
  'key with spaces: v\n',
  'k: v with : colon\n',
  'k: trailing colon:\n',
  'k: -\n',
  '-\n',
  '- \n- x\n',
  'a: 0o\nb: 0x\nc: 0b\n',
];

const VAULT_PASSWORD = Buffer.from('pass word$');

/** The vault password the texts' !vault values need, and yaml's process warnings for collection keys (the reference reads of such texts) kept out of the test's output. */
function withVaultAndQuietWarnings(): void {
  beforeAll(() => {
    setVaultSecrets([{ id: 'default', password: VAULT_PASSWORD }]);
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterAll(() => {
    setVaultSecrets([]);
    vi.restoreAllMocks();
  });
}

describe('the fast YAML 1.1 reader gives what yaml gives', () => {
  withVaultAndQuietWarnings();
  afterAll(() => {
    // The line check met many texts here (else the shortcut would go untested).
    expect(simpleLines.taken).toBeGreaterThan(200);
  });

  it('every YAML file in the repository', () => {
    const files = repoYaml();
    expect(files.length).toBeGreaterThan(50);
    const readers = files.map(({ file, text }) => compare(text, file));
    // Most of the repository's files are common YAML: the fast path is really taken, not always declined.
    expect(tally(readers)['js-yaml']).toBeGreaterThan(files.length / 2);
  });

  it('every scalar form in every shape', () => {
    const readers = SCALARS.flatMap((s) => SHAPES.map((shape) => compare(shape(s), `scalar ${s}`)));
    expect(tally(readers)['js-yaml']).toBeGreaterThan(readers.length / 3);
  });

  it('structures, tags, anchors, merge keys, block scalars, duplicates, errors', () => {
    const readers = STRUCTURES.map((text) => compare(text, 'structure'));
    const t = tally(readers);
    expect(t['js-yaml']).toBeGreaterThan(30);
    expect(t.error).toBeGreaterThan(10);
  });

  // YAML_FAST_EDITS=N YAML_FAST_SEED=S: a longer hunt by hand (200,000 edits found nothing more when this was written).
  const edits = Number(process.env.YAML_FAST_EDITS ?? 1500);
  it(`${edits} random edits of the repository's inventories and vars files and the structures above (seeded)`, () => {
    const files = [...repoYaml().filter(({ file }) => /inventor|vars|hosts/.test(file)), ...STRUCTURES.map((text, i) => ({ file: `structure ${i}`, text }))];
    expect(files.length).toBeGreaterThan(10);
    let seed = Number(process.env.YAML_FAST_SEED ?? 19);
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const inserts = [':', ': ', '-', '- ', ' ', '  ', '\n', '#', ' #', '"', "'", '&a ', '*a', '!secret ', '!x ', '[', ']', '{', '}', '|', '>', '? ', '%', '\t', '~', ',', '@', '<<: ', 'yes', '0755', '\\'];
    const readers: string[] = [];
    const editOnce = (text: string): string => {
      const at = random(text.length + 1);
      const lines = text.split('\n');
      const line = random(lines.length);
      const edit = random(4);
      const mutated =
        edit === 0 ? text.slice(0, at) + inserts[random(inserts.length)] + text.slice(at)
        : edit === 1 ? text.slice(0, at) + text.slice(at + 1 + random(3))
        : edit === 2 ? [...lines.slice(0, line + 1), lines[line], ...lines.slice(line + 1)].join('\n')
        : [...lines.slice(0, line), ` ${lines[line]}`, ...lines.slice(line + 1)].join('\n');
      return mutated;
    };
    for (let i = 0; i < edits; i++) {
      const { file, text } = files[random(files.length)];
      let mutated = editOnce(text);
      for (let more = random(3); more > 0; more--) mutated = editOnce(mutated);
      readers.push(compare(mutated, `${file}, edit ${i}`));
    }
    const t = tally(readers);
    expect(t['js-yaml']).toBeGreaterThan(edits / 5);
    expect(t.error).toBeGreaterThan(edits / 15);
  });
});

/** A random document from the shapes above, nested: block mappings and sequences, flow collections, block scalars, comments. */
function randomDocument(random: (n: number) => number, depth = 0, indent = ''): string {
  const scalar = () => SCALARS[random(SCALARS.length)];
  const key = () => (random(4) ? `k${random(5)}` : scalar());
  const value = (): string => {
    const r = random(depth > 2 ? 3 : 8);
    if (r < 3) return ` ${scalar()}`;
    if (r === 3) return ` [${Array.from({ length: random(3) }, scalar).join(', ')}]`;
    if (r === 4) return ` {${Array.from({ length: random(3) }, () => `${key()}: ${scalar()}`).join(', ')}}`;
    if (r === 5) return ` ${['|', '|-', '>', '>+'][random(4)]}\n${indent}  text ${scalar()}\n${random(2) ? '\n' : ''}${indent}  more`;
    return `${random(3) ? '' : ' # c'}\n${randomDocument(random, depth + 1, indent + (random(5) ? '  ' : ' '))}`;
  };
  const lines: string[] = [];
  const count = 1 + random(3);
  const seq = random(3) === 0;
  for (let i = 0; i < count; i++) lines.push(seq ? `${indent}-${value()}` : `${indent}${key()}:${value()}`);
  return lines.join('\n');
}

describe('random documents (seeded)', () => {
  withVaultAndQuietWarnings();

  const count = Number(process.env.YAML_FAST_DOCS ?? 1500);
  it(`${count} documents read alike`, () => {
    let seed = Number(process.env.YAML_FAST_SEED ?? 11);
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const readers = Array.from({ length: count }, (_, i) => compare(`${randomDocument(random)}\n`, `document ${i}`));
    const t = tally(readers);
    expect(t['js-yaml']).toBeGreaterThan(count / 10);
    expect(t.error).toBeGreaterThan(count / 20);
  });
});

describe('hasSimpleLinesOnly', () => {
  it.each([
    ['nothing to read', '', true],
    ['keys, plain words and JSON strings', '---\nhosts:\n  a-1.x:\n    port: 22\n    key: "/p/k \\"q\\" \\u00e9"\n    url: http://h:8/x?\n', false],
    ['keys, plain words and JSON strings, no query', 'hosts:\n  a-1.x:\n    port: 22\n    key: "/p/k \\"q\\" \\u00e9"\n    url: http://h:8/x\n', true],
    ['sequences', 'a:\n- 1\n- b: 2\n  c: 3\n- - x\n  - y\n', true],
    ['a deeper line after a whole value (a continuation)', 'a: b\n  c: d\n', false],
    ['a deeper line after an item', '- a\n  b: c\n', false],
    ['a value alone', 'a:\n  b\n', false],
    ['a comment', 'a: 1 # c\n', false],
    ['a null key', 'null: 1\n', false],
    ['a single-quoted value', "a: 'x'\n", false],
    ['a lone surrogate escape', 'a: "\\ud800"\n', false],
  ])('%s', (_label, text, expected) => {
    expect(hasSimpleLinesOnly(text)).toBe(expected);
  });
});

describe('usesCommonSyntaxOnly', () => {
  it.each([
    ['nothing to read', '', true],
    ['a block mapping with plain and quoted scalars', 'a: 1\nb: "x"\nc: \'y\'\n', true],
    ['!vault and !secret', 'a: !secret x\nb: !vault |\n  text\n', true],
    ['an anchor', 'a: &x 1\n', false],
    ['an alias', 'a: *x\n', false],
    ['a merge key', '<<: {a: 1}\n', false],
    ['an explicit key', '? a\n: b\n', false],
    ['another tag', 'a: !unsafe x\n', false],
    ['a directive', '%YAML 1.1\n---\na: 1\n', false],
    ['a second document', 'a: 1\n---\nb: 2\n', false],
    ['a flow collection as key', '[a]: 1\n', false],
    ['a flow collection as a flow key', '{[a]: 1}\n', false],
    ['a flow mapping entry without ":"', '{a, b: 1}\n', false],
    ['flow collections as values', 'a: {b: [1, {c: d}], e: {}}\n', true],
    ['"---" with content on its line', '--- a: 1\n', false],
    ['the fleet\'s shape, without the lexer', '---\nhosts:\n  pv-b1:\n    port: 22\n    private_key: "/k"\n    vars:\n      sandbox: true\n', true],
    ['a null key', '~: 1\n', false],
    ['a tab', 'a:\tb\n', false],
    ['a comment not after white space', 'a: "x"#c\n', false],
    ['"*" and "&" inside quotes are not syntax', 'a: "*x &y"\n', true],
  ])('%s', (_label, text, expected) => {
    expect(usesCommonSyntaxOnly(text)).toBe(expected);
  });
});
