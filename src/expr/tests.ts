import { boolean } from './ansible-boolean.js';
import { isSecret } from '../secret.js';
import { pythonTruthy, typeName } from './python-values.js';
import { isUndefinedValue } from './undefined-value.js';
import { hasKey, isMapping } from './mapping.js';
import { isUnknown, UNKNOWN, UNKNOWN_MEMBER, Unknown } from './unknown.js';

/**
 * The tests of `x is NAME` (Jinja's and Ansible's). A test answers a value whose
 * truthiness counts (Ansible's result tests return the field as it is), or
 * UNKNOWN. Like filters, a test sees UNKNOWN only when it says it copes.
 */
export interface Test {
  /** Whether it only counts a list's items, so an undefined item is fine (`[x] | length`). */
  countsOnly?: boolean;
  params: string[];
  takesUndefined?: boolean;
  knowsUnknown?: boolean;
  apply(value: unknown, args: unknown[], fail: (problem: string) => never): unknown;
}

const defined: Test = {
  params: [],
  takesUndefined: true,
  knowsUnknown: true,
  apply: (value) => (value === UNKNOWN_MEMBER ? UNKNOWN : !isUndefinedValue(value)),
};

const undefinedTest: Test = {
  params: [],
  takesUndefined: true,
  knowsUnknown: true,
  apply: (value) => (value === UNKNOWN_MEMBER ? UNKNOWN : isUndefinedValue(value)),
};

/**
 * Ansible's tests on a registered result read one field (`failed` reads
 * result.failed, missing means false). A result that is unknown as a whole is
 * unknown here; one whose field is known is known even if its stdout is not.
 */
function resultTest(name: string, read: (result: Record<string, unknown>) => unknown): Test {
  return {
    params: [],
    knowsUnknown: true,
    apply(value, _args, fail) {
      if (isUnknown(value)) return UNKNOWN;
      if (!isMapping(value)) return fail(`the "${name}" test expects a registered result (a mapping), got ${typeName(value)}`);
      return read(value);
    },
  };
}

const field = (result: Record<string, unknown>, key: string): unknown => (hasKey(result, key) ? result[key] : false);
const not = (v: unknown): unknown => (v instanceof Unknown ? UNKNOWN : !pythonTruthy(v));

const failed = resultTest('failed', (r) => field(r, 'failed'));
const succeeded = resultTest('succeeded', (r) => not(field(r, 'failed')));
const skipped = resultTest('skipped', (r) => field(r, 'skipped'));
// A loop's result has no `changed` of its own: any item that changed.
const changed = resultTest('changed', (r) => {
  if (hasKey(r, 'changed')) return r.changed;
  const items = r.results;
  if (!Array.isArray(items) || !isMapping(items[0])) return false;
  const each = items.map((item) => (isMapping(item) ? field(item, 'changed') : false));
  if (each.some((c) => !(c instanceof Unknown) && pythonTruthy(c))) return true;
  return each.some((c) => c instanceof Unknown) ? UNKNOWN : false;
});

/** Ansible's truthy(convert_bool=...): Python truthiness, optionally of "yes"/"no"/"off"... as booleans first. */
function truthiness(value: unknown, convertBool: unknown): boolean {
  if (pythonTruthy(convertBool)) {
    const converted = boolean(isSecret(value) ? value.reveal() : value);
    if (converted !== undefined) return converted;
  }
  return pythonTruthy(value);
}

export const TESTS: Record<string, Test> = {
  defined,
  undefined: undefinedTest,
  none: { params: [], apply: (value) => value === null },
  string: { params: [], apply: (value) => typeof value === 'string' || isSecret(value) },
  // bool is a Number in Python, so `true is number` holds.
  number: { params: [], apply: (value) => typeof value === 'number' || typeof value === 'boolean' },
  boolean: { params: [], apply: (value) => typeof value === 'boolean' },
  mapping: { params: [], apply: (value) => isMapping(value) },
  truthy: { params: ['convert_bool'], apply: (value, [convert = false]) => truthiness(value, convert) },
  falsy: { params: ['convert_bool'], apply: (value, [convert = false]) => !truthiness(value, convert) },
  failed,
  failure: failed,
  succeeded,
  success: succeeded,
  changed,
  change: changed,
  skipped,
  skip: skipped,
};
