import type { Expression } from './ast.js';
import { parseExpression } from './parse.js';

/**
 * The top-level variables a condition reads, in order of appearance
 * (`a.b[0] == c` reads a and c), so the engine can tell whether it depends on
 * run-time values. A boolean reads none.
 */
export function expressionNames(text: string | boolean): string[] {
  if (typeof text === 'boolean' || text === '') return [];
  const names = new Set<string>();
  collect(parseExpression(text), names);
  return [...names];
}

function collect(node: Expression, names: Set<string>): void {
  switch (node.type) {
    case 'literal':
      return;
    case 'name':
      names.add(node.name);
      return;
    case 'member':
      collect(node.object, names);
      collect(node.key, names);
      return;
    case 'list':
      node.items.forEach((item) => collect(item, names));
      return;
    case 'dict':
      node.entries.forEach(([k, v]) => (collect(k, names), collect(v, names)));
      return;
    case 'not':
    case 'negate':
      collect(node.operand, names);
      return;
    case 'and':
    case 'or':
      collect(node.left, names);
      collect(node.right, names);
      return;
    case 'compare':
      collect(node.first, names);
      node.rest.forEach((c) => collect(c.operand, names));
      return;
    case 'filter':
    case 'test':
      collect(node.operand, names);
      node.args.forEach((arg) => arg && collect(arg, names));
      return;
  }
}
