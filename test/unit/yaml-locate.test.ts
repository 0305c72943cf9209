import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { YamlSource, type FieldPath } from '../../src/yaml-source.js';

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
