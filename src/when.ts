import { lookup } from './template.js';

/**
 * A `when:` condition, in the small subset of Ansible's expressions that
 * playbooks use: names (dotted), `not`, `and`, `or`, parentheses, `==`, `!=`,
 * `in`, `is defined`, `is not defined`, and string/number/boolean literals.
 */
export function evaluateWhen(expression: string | boolean, vars: Record<string, unknown>): boolean {
  if (typeof expression === 'boolean') return expression;
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`unexpected end of condition "${expression}"`);
    return t;
  };
  const orExpr = (): unknown => {
    let left = andExpr();
    while (peek() === 'or') {
      next();
      const right = andExpr();
      left = truthy(left) || truthy(right);
    }
    return left;
  };
  const andExpr = (): unknown => {
    let left = notExpr();
    while (peek() === 'and') {
      next();
      const right = notExpr();
      left = truthy(left) && truthy(right);
    }
    return left;
  };
  const notExpr = (): unknown => {
    if (peek() === 'not') {
      next();
      return !truthy(notExpr());
    }
    return comparison();
  };
  const comparison = (): unknown => {
    if (isName(peek()) && tokens[pos + 1] === 'is') {
      const name = next();
      next();
      let negate = false;
      if (peek() === 'not') {
        next();
        negate = true;
      }
      const test = next();
      if (test !== 'defined') throw new Error(`unknown test "is ${test}" (only "is defined" is supported)`);
      const defined = isDefined(vars, name);
      return negate ? !defined : defined;
    }
    const left = primary();
    const op = peek();
    if (op === '==' || op === '!=' || op === 'in') {
      next();
      const right = primary();
      if (op === '==') return looseEqual(left, right);
      if (op === '!=') return !looseEqual(left, right);
      if (Array.isArray(right)) return right.some((r) => looseEqual(left, r));
      if (typeof right === 'string') return right.includes(String(left));
      throw new Error('"in" needs a list or a string on its right');
    }
    return left;
  };
  const primary = (): unknown => {
    const t = next();
    if (t === '(') {
      const v = orExpr();
      if (next() !== ')') throw new Error(`missing ")" in condition "${expression}"`);
      return v;
    }
    if (/^(['"]).*\1$/s.test(t)) return t.slice(1, -1);
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    if (t === 'true' || t === 'True') return true;
    if (t === 'false' || t === 'False') return false;
    if (isName(t)) return lookup(vars, t);
    throw new Error(`unexpected "${t}" in condition "${expression}"`);
  };
  const result = orExpr();
  if (pos < tokens.length) throw new Error(`unexpected "${tokens[pos]}" in condition "${expression}"`);
  return truthy(result);
}

function tokenize(text: string): string[] {
  const re = /\s*(==|!=|\(|\)|'[^']*'|"[^"]*"|[A-Za-z_][\w.-]*|-?\d+(?:\.\d+)?|\S)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] === undefined) break;
    out.push(m[1]);
    if (re.lastIndex >= text.trimEnd().length) break;
  }
  return out;
}

function isName(t: string | undefined): t is string {
  return t !== undefined && /^[A-Za-z_][\w.-]*$/.test(t) && !['and', 'or', 'not', 'in', 'is', 'true', 'false', 'True', 'False'].includes(t);
}

function isDefined(vars: Record<string, unknown>, name: string): boolean {
  try {
    lookup(vars, name);
    return true;
  } catch {
    return false;
  }
}

export function truthy(v: unknown): boolean {
  if (typeof v === 'string') return !['', 'false', 'no', 'off', '0'].includes(v.toLowerCase());
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b;
}
