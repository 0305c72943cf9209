/** The parsed form of a condition: plain data, one node kind per construct of the language. */
export type Expression =
  | { type: 'literal'; value: unknown }
  | { type: 'name'; name: string; column: number }
  | { type: 'member'; object: Expression; key: Expression; column: number; dot: boolean }
  | { type: 'list'; items: Expression[] }
  | { type: 'dict'; entries: [Expression, Expression][] }
  | { type: 'not'; operand: Expression }
  | { type: 'negate'; operand: Expression; column: number }
  | { type: 'and' | 'or'; left: Expression; right: Expression }
  | { type: 'compare'; first: Expression; rest: Comparison[] }
  | { type: 'filter'; operand: Expression; name: string; args: (Expression | undefined)[]; column: number }
  | { type: 'test'; operand: Expression; name: string; negated: boolean; args: (Expression | undefined)[]; column: number };

export interface Comparison {
  op: ComparisonOperator;
  operand: Expression;
  column: number;
}

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

/** How a node reads in a message: `a.b[0]` for members, the name for names. */
export function describePath(node: Expression): string {
  if (node.type === 'name') return node.name;
  if (node.type === 'member') {
    const key = node.key.type === 'literal' ? node.key.value : undefined;
    if (typeof key === 'string' && /^[A-Za-z_]\w*$/.test(key)) return `${describePath(node.object)}.${key}`;
    if (typeof key === 'string' || typeof key === 'number') return `${describePath(node.object)}[${JSON.stringify(key)}]`;
    return `${describePath(node.object)}[...]`;
  }
  return 'value';
}
