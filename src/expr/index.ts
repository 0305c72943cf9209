// TEMPORARY shim (replaced by the expr branch): the interface the engine codes against.
import { evaluateWhen } from '../when.js';

export class Unknown {
  private readonly unknownInCheckMode = true;
  toString(): string {
    return UNKNOWN_TEXT;
  }
}
export const UNKNOWN_TEXT = '\u0000(unknown in check mode)\u0000';
export const UNKNOWN: Unknown = new Unknown();
Object.freeze(UNKNOWN);
export function isUnknown(v: unknown): v is Unknown {
  return v instanceof Unknown;
}
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (typeof v === 'string') return v.includes(UNKNOWN_TEXT);
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).some(containsUnknown);
  return false;
}
export class ExpressionError extends Error {
  column?: number;
}
export type Expression = unknown;
export function parseExpression(text: string): Expression {
  return text;
}
export function expressionNames(text: string | boolean): string[] {
  if (typeof text === 'boolean') return [];
  const out = new Set<string>();
  for (const m of text.replace(/'[^']*'|"[^"]*"/g, '').matchAll(/[A-Za-z_]\w*/g)) {
    if (!['and', 'or', 'not', 'in', 'is', 'true', 'false', 'True', 'False', 'defined', 'undefined', 'none', 'None', 'succeeded', 'failed', 'changed', 'skipped'].includes(m[0])) out.add(m[0]);
  }
  return [...out];
}
export function evaluateCondition(expr: string | boolean | (string | boolean)[], vars: Record<string, unknown>): boolean | Unknown {
  const list = Array.isArray(expr) ? expr : [expr];
  for (const e of list) {
    const names = typeof e === 'string' ? expressionNames(e) : [];
    if (names.some((n) => n in vars && containsUnknown(vars[n]))) return UNKNOWN;
    try {
      if (!evaluateWhen(e, vars)) return false;
    } catch (err) {
      const x = new ExpressionError((err as Error).message);
      throw x;
    }
  }
  return true;
}
