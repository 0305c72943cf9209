import type { ComparisonOperator, Expression } from './ast.js';
import { ExpressionError } from './error.js';
import { FILTERS } from './filters.js';
import { TESTS } from './tests.js';
import { tokenize, type Token } from './tokens.js';

const LITERAL_NAMES: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };
const ARITHMETIC = ['+', '-', '*', '/', '//', '%', '**', '~'];
const cache = new Map<string, Expression>();

/**
 * Parses a condition without evaluating it (validation before the run):
 * Jinja's grammar and precedence (or < and < not < comparisons < filters and
 * tests), with unknown filters, tests and unsupported operators refused here.
 */
export function parseExpression(text: string): Expression {
  let tree = cache.get(text);
  if (!tree) {
    tree = new Parser(text).parseAll();
    cache.set(text, tree);
  }
  return tree;
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parseAll(): Expression {
    if (this.peek().kind === 'end') this.fail('the condition is empty', this.peek());
    const tree = this.parseOr();
    const rest = this.peek();
    if (this.isName(rest, 'if')) this.fail('inline if-expressions (a if b else c) are not supported in conditions (write (b and a) or (not b and c))', rest);
    if (rest.kind !== 'end') this.unexpected(rest);
    return tree;
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.acceptName('or')) left = { type: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parseNot();
    while (this.acceptName('and')) left = { type: 'and', left, right: this.parseNot() };
    return left;
  }

  private parseNot(): Expression {
    if (this.isName(this.peek(), 'not') && !this.isName(this.tokens[this.pos + 1], 'in')) {
      this.pos++;
      return { type: 'not', operand: this.parseNot() };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expression {
    const first = this.parseOperand();
    const rest: { op: ComparisonOperator; operand: Expression; column: number }[] = [];
    for (;;) {
      const t = this.peek();
      let op: ComparisonOperator | undefined;
      if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) op = t.value as ComparisonOperator;
      else if (this.isName(t, 'in')) op = 'in';
      else if (this.isName(t, 'not') && this.isName(this.tokens[this.pos + 1], 'in')) op = 'not in';
      if (!op) break;
      this.pos += op === 'not in' ? 2 : 1;
      rest.push({ op, operand: this.parseOperand(), column: t.column });
    }
    return rest.length ? { type: 'compare', first, rest } : first;
  }

  /** A unary expression; arithmetic after it is refused with its name (Jinja would accept it). */
  private parseOperand(): Expression {
    const operand = this.parseUnary();
    const t = this.peek();
    if (t.kind === 'op' && ARITHMETIC.includes(t.value)) {
      this.fail(`the operator "${t.value}" is not supported in conditions (supported: and, or, not, ==, !=, <, <=, >, >=, in, not in, is, |)`, t);
    }
    return operand;
  }

  private parseUnary(): Expression {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.pos++;
      const operand = this.parsePostfix(this.parsePrimary());
      const node: Expression = t.value === '-' ? { type: 'negate', operand, column: t.column } : operand;
      return this.parseFiltersAndTests(node);
    }
    return this.parseFiltersAndTests(this.parsePostfix(this.parsePrimary()));
  }

  private parsePrimary(): Expression {
    const t = this.next();
    if (t.kind === 'string') {
      let value = t.value;
      // Adjacent strings are one string, as in Python: 'a' 'b'.
      while (this.peek().kind === 'string') value += this.next().value;
      return { type: 'literal', value };
    }
    if (t.kind === 'number') return { type: 'literal', value: t.value };
    if (t.kind === 'name') {
      if (Object.hasOwn(LITERAL_NAMES, t.value)) return { type: 'literal', value: LITERAL_NAMES[t.value] };
      if (['and', 'or', 'not', 'in', 'is', 'if', 'else'].includes(t.value)) this.unexpected(t);
      return { type: 'name', name: t.value, column: t.column };
    }
    if (t.kind === 'op' && t.value === '(') {
      const inner = this.parseOr();
      if (this.peek().value === ',') this.fail('tuples are not supported in conditions (use a list: [a, b])', this.peek());
      this.expect(')', t);
      return inner;
    }
    if (t.kind === 'op' && t.value === '[') return { type: 'list', items: this.parseSequence(']', () => this.parseOr()) };
    if (t.kind === 'op' && t.value === '{') {
      const entries = this.parseSequence('}', (): [Expression, Expression] => {
        const key = this.parseOr();
        this.expect(':');
        return [key, this.parseOr()];
      });
      return { type: 'dict', entries };
    }
    return this.unexpected(t);
  }

  /** Items up to `close`, comma-separated, a trailing comma allowed (the opening token is read). */
  private parseSequence<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    while (!this.acceptOp(close)) {
      items.push(item());
      if (!this.acceptOp(',')) {
        this.expect(close);
        break;
      }
    }
    return items;
  }

  private parsePostfix(node: Expression): Expression {
    for (;;) {
      const t = this.peek();
      if (this.acceptOp('.')) {
        const key = this.next();
        if (key.kind !== 'name' && key.kind !== 'number') this.fail('a name or index must follow "."', key);
        node = { type: 'member', object: node, key: { type: 'literal', value: key.value }, column: key.column, dot: true };
      } else if (this.acceptOp('[')) {
        const key = this.parseOr();
        if (this.peek().value === ':') this.fail('slices are not supported in conditions', this.peek());
        this.expect(']', t);
        node = { type: 'member', object: node, key, column: t.column, dot: false };
      } else if (t.kind === 'op' && t.value === '(') {
        this.fail('calling functions or methods is not supported in conditions (use a filter or a test)', t);
      } else {
        return node;
      }
    }
  }

  private parseFiltersAndTests(node: Expression): Expression {
    for (;;) {
      if (this.acceptOp('|')) {
        const name = this.next();
        if (name.kind !== 'name') this.fail('a filter name must follow "|"', name);
        const filter = Object.hasOwn(FILTERS, name.value) ? FILTERS[name.value] : undefined;
        if (!filter) this.fail(`unknown filter "${name.value}" (conditions support: ${Object.keys(FILTERS).join(', ')})`, name);
        const args = this.peek().value === '(' && this.peek().kind === 'op' ? this.parseArguments(filter.params, `filter "${name.value}"`) : [];
        node = { type: 'filter', operand: node, name: name.value, args, column: name.column };
      } else if (this.acceptName('is')) {
        const negated = this.acceptName('not');
        const name = this.next();
        if (name.kind !== 'name') this.fail('a test name must follow "is"', name);
        const test = Object.hasOwn(TESTS, name.value) ? TESTS[name.value] : undefined;
        if (!test) this.fail(`unknown test "${name.value}" (conditions support: ${Object.keys(TESTS).join(', ')})`, name);
        const args = this.peek().value === '(' && this.peek().kind === 'op' ? this.parseArguments(test.params, `test "${name.value}"`) : [];
        node = { type: 'test', operand: node, name: name.value, negated, args, column: name.column };
      } else {
        return node;
      }
    }
  }

  /** `(a, b, name=c)`, placed by the parameter names; too many or unknown names are errors. */
  private parseArguments(params: string[], what: string): (Expression | undefined)[] {
    this.next();
    const args: (Expression | undefined)[] = [];
    const items = this.parseSequence(')', () => {
      const t = this.peek();
      const keyword = t.kind === 'name' && this.tokens[this.pos + 1]?.value === '=' && this.tokens[this.pos + 1].kind === 'op' ? t.value : undefined;
      if (keyword) this.pos += 2;
      return { keyword, value: this.parseOr(), at: t };
    });
    let positional = 0;
    for (const { keyword, value, at } of items) {
      const index = keyword === undefined ? positional++ : params.indexOf(keyword);
      if (keyword !== undefined && index < 0) this.fail(`${what} has no argument "${keyword}" (it takes: ${params.join(', ') || 'none'})`, at);
      if (index >= params.length) this.fail(`${what} takes ${params.length ? `at most ${params.length} argument(s): ${params.join(', ')}` : 'no arguments'}`, at);
      args[index] = value;
    }
    return args;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private isName(t: Token | undefined, name: string): boolean {
    return t?.kind === 'name' && t.value === name;
  }

  private acceptName(name: string): boolean {
    if (!this.isName(this.peek(), name)) return false;
    this.pos++;
    return true;
  }

  private acceptOp(op: string): boolean {
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== op) return false;
    this.pos++;
    return true;
  }

  private expect(op: string, opening?: Token): void {
    if (this.acceptOp(op)) return;
    const t = this.peek();
    if (t.kind === 'end') this.fail(`missing "${op}"${opening ? ` for the "${opening.value}" at column ${opening.column}` : ''}`, t);
    this.unexpected(t);
  }

  private unexpected(t: Token): never {
    if (t.kind === 'end') return this.fail('the condition ends too early', t);
    return this.fail(`unexpected ${t.kind === 'string' ? 'string' : `"${t.value}"`}`, t);
  }

  private fail(problem: string, at: Token): never {
    throw new ExpressionError(problem, this.text, at.column);
  }
}
