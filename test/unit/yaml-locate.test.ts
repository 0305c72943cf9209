import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { ANSIBLE_YAML, YamlSource, type FieldPath } from '../../src/yaml-source.js';

/** locate() finds nodes through an index of each mapping's keys: it must land where yaml's own getIn lands. */
const text = [
  'hosts:',
  '  web1: { address: 10.0.0.1, port: 22 }',
  '  web2:',
  '    address: 10.0.0.2',
  '    vars: { a: 1, "quoted key": [x, y, { deep: true }] }',
  '  3: numeric key',
  'groups:',
  '  - first',
  '  - { name: second, hosts: [web1, web2] }',
  'empty:',
  '',
].join('\n');

function viaGetIn(path: FieldPath): { line?: number; column?: number } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (!node || !('range' in node) || !node.range) continue;
    const { line, col } = lines.linePos(node.range[0]);
    return { line, column: col };
  }
  return {};
}

describe('YamlSource.locate lands where yaml getIn does', () => {
  const source = YamlSource.fromText(text, 'inv.yaml');
  it.each<[string, FieldPath]>([
    ['nothing to do: the whole document', []],
    ['a top-level key', ['hosts']],
    ['a host', ['hosts', 'web2']],
    ['a flow mapping value', ['hosts', 'web1', 'port']],
    ['nested vars', ['hosts', 'web2', 'vars', 'a']],
    ['a quoted key and a list item', ['hosts', 'web2', 'vars', 'quoted key', 1]],
    ['deep in a list', ['hosts', 'web2', 'vars', 'quoted key', 2, 'deep']],
    ['a list index given as text', ['groups', '1', 'name']],
    ['a missing key falls back to its parent', ['hosts', 'web9', 'address']],
    ['past the end of a list', ['groups', 5]],
    ['a numeric key is not the text "3"', ['hosts', '3']],
    ['an empty value', ['empty']],
    ['under a scalar', ['hosts', 'web2', 'address', 'x']],
  ])('%s', (_what, path) => {
    expect(source.locate(path)).toEqual({ file: 'inv.yaml', ...viaGetIn(path) });
  });
});

describe('ANSIBLE_YAML: JSON first, else YAML 1.1 (as Ansible\'s DataLoader), with positions either way', () => {
  it.each([
    ['nothing to do: an empty text', '', null, 'yaml'],
    ['JSON: 1e3 is a number', '{"n": 1e3, "s": "no"}', { n: 1000, s: 'no' }, 'json'],
    ['YAML 1.1: 1e3 is a string, no is false', 'n: 1e3\ns: no\n', { n: '1e3', s: false }, 'js-yaml'],
    ['YAML that starts like JSON', '{n: 1e3, s: no}', { n: '1e3', s: false }, 'js-yaml'],
  ])('%s', (_what, given, data, reader) => {
    const source = YamlSource.fromText(given, 'f.yaml', ANSIBLE_YAML);
    expect(source.data).toEqual(data);
    expect(source.reader).toBe(reader);
  });

  it('a JSON text still locates its values', () => {
    const where = YamlSource.fromText('{\n  "a": {"b": 1}\n}\n', 'f.json', ANSIBLE_YAML).locate(['a', 'b']);
    expect({ file: where.file, line: where.line, column: where.column }).toEqual({ file: 'f.json', line: 2, column: 14 });
  });
});

describe('plainScalarText: the text of a plain scalar as written', () => {
  const source = YamlSource.fromText('a: 644\nb: "644"\nc: !secret 644\nd: 0644\ne: [1_000]\n', 'f.yaml', ANSIBLE_YAML);
  it.each([
    ['plain', ['a'], '644'],
    ['quoted', ['b'], undefined],
    ['tagged', ['c'], undefined],
    ['octal', ['d'], '0644'],
    ['in a sequence', ['e', 0], '1_000'],
    ['nothing there', ['z'], undefined],
    ['a collection', ['e'], undefined],
  ] as [string, FieldPath, string | undefined][])('%s', (_what, path, text) => {
    expect(source.plainScalarText(path)).toBe(text);
  });
});
