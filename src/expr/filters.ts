import { isSecret, Secret } from '../secret.js';
import { pythonStr, pythonTruthy, typeName } from './python-values.js';
import { isUndefinedValue } from './undefined-value.js';
import { isMapping, mappingKeys } from './mapping.js';
import { isUnknown, UNKNOWN, UNKNOWN_MEMBER, UNKNOWN_TEXT } from './unknown.js';

/**
 * The filters a condition may use (`x | int > 2`), with Jinja's and Ansible's
 * meanings. `params` are the argument names (for `default(x, boolean=true)`);
 * `fail` raises an ExpressionError at the filter. A filter sees UNKNOWN only
 * when it says it copes (`knowsUnknown`); otherwise its result is UNKNOWN.
 */
export interface Filter {
  /** Whether it only counts a list's items, so an undefined item is fine (`[x] | length`). */
  countsOnly?: boolean;
  params: string[];
  /** Whether it may receive an undefined value (only `default` does). */
  takesUndefined?: boolean;
  knowsUnknown?: boolean;
  apply(value: unknown, args: unknown[], fail: (problem: string) => never): unknown;
}

const defaultFilter: Filter = {
  params: ['default_value', 'boolean'],
  takesUndefined: true,
  knowsUnknown: true,
  apply(value, [fallback = '', boolean = false]) {
    if (isUndefinedValue(value)) return fallback;
    // A field of an unknown result may or may not exist.
    if (value === UNKNOWN_MEMBER) return UNKNOWN;
    if (!pythonTruthy(boolean)) return value;
    if (isUnknown(value) || value === UNKNOWN_TEXT) return UNKNOWN;
    return pythonTruthy(value) ? value : fallback;
  },
};

/** A string filter keeps a secret secret: its result is a secret too. */
function stringFilter(transform: (s: string) => string): Filter {
  return {
    params: [],
    apply: (value) => (isSecret(value) ? new Secret(transform(value.reveal())) : transform(pythonStr(value))),
  };
}

export const FILTERS: Record<string, Filter> = {
  default: defaultFilter,
  d: defaultFilter,
  bool: {
    params: [],
    // Ansible's to_bool: only yes/on/1/true (any case) and 1 are true; None stays None.
    apply(value) {
      if (value === null || typeof value === 'boolean') return value;
      const v = isSecret(value) ? value.reveal() : value;
      const normal = typeof v === 'string' ? v.toLowerCase() : v;
      return ['yes', 'on', '1', 'true', 1, true].includes(normal as string);
    },
  },
  length: {
    params: [],
    knowsUnknown: true,
    countsOnly: true,
    apply(value, _args, fail) {
      if (isUnknown(value)) return UNKNOWN;
      const v = isSecret(value) ? value.reveal() : value;
      if (typeof v === 'string') return v.includes(UNKNOWN_TEXT) ? UNKNOWN : [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isMapping(v)) return mappingKeys(v).length;
      return fail(`"length" needs a string, list or mapping, got ${typeName(v)} (Python's TypeError: object of type '${typeName(v)}' has no len())`);
    },
  },
  int: {
    params: ['default', 'base'],
    apply: (value, [fallback = 0, base = 10]) => toInt(isSecret(value) ? value.reveal() : value, fallback, Number(base)),
  },
  float: {
    params: ['default'],
    apply: (value, [fallback = 0]) => toFloat(isSecret(value) ? value.reveal() : value) ?? fallback,
  },
  lower: stringFilter((s) => s.toLowerCase()),
  upper: stringFilter((s) => s.toUpperCase()),
  trim: stringFilter((s) => s.replace(/^\s+|\s+$/gu, '')),
  string: {
    params: [],
    apply: (value) => (isSecret(value) ? value : pythonStr(value)),
  },
};

// Jinja's other name for length.
FILTERS.count = FILTERS.length;

/** Jinja's int filter: int(value), else int(float(value)), else the default. */
function toInt(value: unknown, fallback: unknown, base: number): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : fallback;
  if (typeof value === 'string') {
    const text = value.trim().replaceAll('_', '');
    const digits = base === 16 ? /^[+-]?(0x)?[0-9a-f]+$/i : base === 8 ? /^[+-]?(0o)?[0-7]+$/i : base === 2 ? /^[+-]?(0b)?[01]+$/i : /^[+-]?\d+$/;
    if (digits.test(text) && !/__|^_|_$/.test(value.trim())) return parseInt(text.replace(/^([+-]?)0[xob]/i, '$1'), base);
    const f = toFloat(value);
    if (f !== undefined && Number.isFinite(f)) return Math.trunc(f);
  }
  return fallback;
}

/** Python's float(): numbers, bools and numeric strings (with inf and nan); anything else undefined. */
function toFloat(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(text)) return NaN;
  if (/^[+-]?(\d(_?\d)*)?(\.(\d(_?\d)*)?)?(e[+-]?\d(_?\d)*)?$/.test(text) && /\d/.test(text.split('e')[0])) return Number(text.replaceAll('_', ''));
  return undefined;
}
