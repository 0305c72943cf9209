import { isSecret, Secret } from '../secret.js';
import { describePath, type ComparisonOperator, type Expression } from './ast.js';
import { ExpressionError } from './error.js';
import { FILTERS } from './filters.js';
import { pythonMethodOf } from './python-methods.js';
import { pythonCompare, pythonEquals, pythonTruthy, typeName } from './python-values.js';
import { TESTS } from './tests.js';
import { isUndefinedValue, UndefinedValue } from './undefined-value.js';
import { hasKey, isMapping } from './mapping.js';
import { containsUnknown, isUnknown, UNKNOWN, UNKNOWN_MEMBER, UNKNOWN_TEXT, type Unknown } from './unknown.js';

/** Using an undefined value: names the missing variable for Ansible's defined/undefined rescue (condition.ts). */
export class UndefinedVariableError extends ExpressionError {
  constructor(
    readonly value: UndefinedValue,
    expression: string,
  ) {
    super(`variable "${value.path}" is not defined`, expression, value.column);
  }
}

/**
 * Evaluates a parsed condition over plain variables, with Jinja's semantics
 * and a third truth value: UNKNOWN (check mode's unknown results). `and`/`or`
 * decide without an unknown side when the other side decides.
 */
export class Evaluator {
  constructor(
    private readonly text: string,
    private readonly vars: Record<string, unknown>,
  ) {}

  /** Python's truthiness of a value, or UNKNOWN. */
  truth(value: unknown): boolean | Unknown {
    this.need(value);
    if (isUnknown(value) || value === UNKNOWN_TEXT) return UNKNOWN;
    return pythonTruthy(value);
  }

  evaluate(node: Expression): unknown {
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'name':
        return hasKey(this.vars, node.name) ? this.vars[node.name] : new UndefinedValue(node.name, node.column, node.name);
      case 'member':
        return this.member(node);
      case 'list':
        // Jinja keeps an undefined item until it is used: `[x] | length` is 1.
        return node.items.map((item) => this.evaluate(item));
      case 'dict':
        return Object.fromEntries(node.entries.map(([k, v]) => [String(this.need(this.evaluate(k))), this.needItems(this.evaluate(v))]));
      case 'not': {
        const t = this.truth(this.evaluate(node.operand));
        return isUnknown(t) ? UNKNOWN : !t;
      }
      case 'negate':
        return this.negate(this.need(this.evaluate(node.operand)), node.column);
      case 'and':
      case 'or':
        return this.logical(node.type, node.left, node.right);
      case 'compare':
        return this.compareChain(node.first, node.rest);
      case 'filter':
      case 'test':
        return this.apply(node);
    }
  }

  /** Throws the "not defined" error for an undefined value; returns any other value. */
  need<T>(value: T): T {
    if (isUndefinedValue(value)) throw new UndefinedVariableError(value, this.text);
    return value;
  }

  /** need(), and for the items of a list literal too, for what reads them (==, in, most filters). */
  needItems<T>(value: T): T {
    if (Array.isArray(value)) value.forEach((item) => this.needItems(item));
    return this.need(value);
  }

  private member(node: Expression & { type: 'member' }): unknown {
    const object = this.evaluate(node.object);
    const path = describePath(node);
    if (isUndefinedValue(object)) return new UndefinedValue(path, object.column, object.missingVariable);
    if (isUnknown(object)) return UNKNOWN_MEMBER;
    const key = this.need(this.evaluate(node.key));
    if (containsUnknown(key)) return UNKNOWN_MEMBER;
    const method = node.dot && typeof key === 'string' ? pythonMethodOf(object, key) : undefined;
    if (method) {
      throw new ExpressionError(`"${path}" is the ${method} method "${key}" in Jinja, not a value (write ${describePath(node.object)}['${key}'] for a key or item)`, this.text, node.column);
    }
    const value = readMember(object, key);
    return value === undefined ? new UndefinedValue(path, node.column) : value;
  }

  private negate(value: unknown, column: number): unknown {
    if (isUnknown(value)) return UNKNOWN;
    if (typeof value === 'number' || typeof value === 'boolean') return -Number(value);
    throw new ExpressionError(`"-" needs a number, got ${typeName(value)}`, this.text, column);
  }

  /**
   * Python's `and`/`or` give one of their operands. With an unknown left side,
   * the right side still decides when it alone settles the answer (false for
   * `and`, true for `or`); if it cannot be evaluated, the answer is unknown,
   * since at run time it might never be reached.
   */
  private logical(kind: 'and' | 'or', leftNode: Expression, rightNode: Expression): unknown {
    const left = this.evaluate(leftNode);
    const leftTruth = this.truth(left);
    const decisive = kind === 'or';
    if (leftTruth === decisive) return left;
    if (leftTruth === !decisive) return this.evaluate(rightNode);
    try {
      const right = this.evaluate(rightNode);
      return this.truth(right) === decisive ? right : UNKNOWN;
    } catch (err) {
      if (err instanceof ExpressionError) return UNKNOWN;
      throw err;
    }
  }

  /** `a < b <= c` is `a < b and b <= c`, as in Python; stops at the first false. */
  private compareChain(firstNode: Expression, rest: { op: ComparisonOperator; operand: Expression; column: number }[]): unknown {
    let left = this.evaluate(firstNode);
    let unknown = false;
    for (const { op, operand, column } of rest) {
      const right = this.evaluate(operand);
      const result = this.compare(op, this.needItems(left), this.needItems(right), column);
      if (result === false) return false;
      if (isUnknown(result)) unknown = true;
      left = right;
    }
    return unknown ? UNKNOWN : true;
  }

  private compare(op: ComparisonOperator, left: unknown, right: unknown, column: number): boolean | Unknown {
    if (op === 'in' || op === 'not in') {
      const found = membership(left, right);
      if (typeof found === 'string') throw new ExpressionError(found, this.text, column);
      return isUnknown(found) ? UNKNOWN : found === (op === 'in');
    }
    if (containsUnknown(left) || containsUnknown(right)) return UNKNOWN;
    if (op === '==') return pythonEquals(left, right);
    if (op === '!=') return !pythonEquals(left, right);
    const order = pythonCompare(left, right, op);
    if (typeof order === 'string') throw new ExpressionError(order, this.text, column);
    return { '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[op];
  }

  private apply(node: Expression & { type: 'filter' | 'test' }): unknown {
    const what = node.type === 'filter' ? FILTERS[node.name] : TESTS[node.name];
    let value = this.evaluate(node.operand);
    if (!what.takesUndefined) value = what.countsOnly ? this.need(value) : this.needItems(value);
    const args = node.args.map((arg) => (arg === undefined ? undefined : this.needItems(this.evaluate(arg))));
    const fail = (problem: string): never => {
      throw new ExpressionError(problem, this.text, node.column);
    };
    let result: unknown;
    if (!what.knowsUnknown && (containsUnknown(value) || args.some(containsUnknown))) result = UNKNOWN;
    else result = what.apply(value, args, fail);
    if (node.type === 'test' && node.negated) {
      const t = this.truth(result);
      return isUnknown(t) ? UNKNOWN : !t;
    }
    return result;
  }
}

/** `object.key` / `object[key]` with Jinja's reading (items of lists and strings, negative indexes); undefined when missing. */
function readMember(object: unknown, key: unknown): unknown {
  if (isSecret(object)) {
    const char = readMember(object.reveal(), key);
    return typeof char === 'string' ? new Secret(char) : char;
  }
  if (typeof object === 'string' || Array.isArray(object)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) return undefined;
    const items = typeof object === 'string' ? [...object] : object;
    return items[key < 0 ? items.length + key : key];
  }
  if (isMapping(object) && (typeof key === 'string' || typeof key === 'number')) {
    return hasKey(object, String(key)) ? object[String(key)] : undefined;
  }
  return undefined;
}

/** Python's `item in container`: true, false, UNKNOWN, or a TypeError's message. */
function membership(item: unknown, container: unknown): boolean | Unknown | string {
  if (isUnknown(container)) return UNKNOWN;
  if (typeof container === 'string' || isSecret(container)) {
    if (typeof item !== 'string' && !isSecret(item) && !isUnknown(item)) return `"in" a string needs a string on its left, got ${typeName(item)}`;
    if (containsUnknown(item)) return UNKNOWN;
    const needle = isSecret(item) ? item.reveal() : (item as string);
    const text = isSecret(container) ? container.reveal() : container;
    // The known parts of a string rendered from an unknown value can still contain the needle.
    if (text.split(UNKNOWN_TEXT).some((part) => part.includes(needle))) return true;
    return text.includes(UNKNOWN_TEXT) ? UNKNOWN : false;
  }
  if (Array.isArray(container)) {
    if (containsUnknown(item)) return UNKNOWN;
    if (container.some((x) => !containsUnknown(x) && pythonEquals(x, item))) return true;
    return container.some(containsUnknown) ? UNKNOWN : false;
  }
  if (isMapping(container)) {
    if (isUnknown(item)) return UNKNOWN;
    if (Array.isArray(item) || isMapping(item)) return `"in" a mapping needs a key on its left, got ${typeName(item)} (Python's TypeError: unhashable type)`;
    const key = isSecret(item) ? item.reveal() : item;
    return (typeof key === 'string' || typeof key === 'number') && hasKey(container, String(key));
  }
  return `"in" needs a list, string or mapping on its right, got ${typeName(container)}`;
}
