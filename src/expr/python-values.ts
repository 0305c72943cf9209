import { isSecret } from '../secret.js';
import { hasKey, isMapping, mappingKeys } from './mapping.js';

/**
 * Python's meaning of plain data, which Jinja (and so Ansible) inherits:
 * truthiness, ==, ordering, str(). Secrets take part by their revealed value;
 * callers keep them out of messages (typeName says "str", never the value).
 * Unknown values are handled by the caller before these are reached.
 */

/** Python's bool(): empty string, list, dict, 0 and None are false. */
export function pythonTruthy(v: unknown): boolean {
  if (isSecret(v)) return v.reveal() !== '';
  if (v === null || v === undefined) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return mappingKeys(v).length > 0;
  return Boolean(v);
}

/** Python's ==: True == 1, 1 == 1.0, but 1 != "1"; lists and dicts compared deeply. */
export function pythonEquals(a: unknown, b: unknown): boolean {
  a = reveal(a);
  b = reveal(b);
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pythonEquals(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const keys = mappingKeys(a);
    return keys.length === mappingKeys(b).length && keys.every((k) => hasKey(b, k) && pythonEquals(a[k], b[k]));
  }
  return a === b;
}

/** Python's ordering: numbers with numbers, strings with strings, lists item by item; anything else is a TypeError, returned as its message. */
export function pythonCompare(a: unknown, b: unknown, op: string): number | string {
  a = reveal(a);
  b = reveal(b);
  if (isNumeric(a) && isNumeric(b)) return Math.sign(Number(a) - Number(b));
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (pythonEquals(a[i], b[i])) continue;
      return pythonCompare(a[i], b[i], op);
    }
    return Math.sign(a.length - b.length);
  }
  return `"${op}" cannot compare ${typeName(a)} with ${typeName(b)} (Python's TypeError: '${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}')`;
}

/** Python's type name of a value, for messages. */
export function typeName(v: unknown): string {
  if (isSecret(v) || typeof v === 'string') return 'str';
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  return typeof v;
}

/** Python's str(): True, None, ['a', 1], {'k': 'v'}. */
export function pythonStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isSecret(v)) return v.reveal();
  return pythonRepr(v);
}

function pythonRepr(v: unknown): string {
  if (typeof v === 'string' || isSecret(v)) return quoteRepr(isSecret(v) ? v.reveal() : v);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pythonNumber(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  if (isMapping(v)) return `{${mappingKeys(v).map((k) => `${quoteRepr(k)}: ${pythonRepr(v[k])}`).join(', ')}}`;
  return String(v);
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

function quoteRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

function reveal(v: unknown): unknown {
  return isSecret(v) ? v.reveal() : v;
}

/** bool is a subclass of int in Python. */
function isNumeric(v: unknown): v is number | boolean {
  return typeof v === 'number' || typeof v === 'boolean';
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(x.length - y.length);
}
