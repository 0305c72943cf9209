import type { ZodType } from 'zod';

/**
 * A task's arguments checked against its schema once per distinct value. Every host of a play
 * renders the same task, and in a fleet most hosts render the same arguments: zod's check was
 * ~1.5 ms per host for the bench playbook's 22 tasks. Only plain JSON data is remembered (strings,
 * numbers, booleans, null, arrays, plain objects): anything else (a Secret, a Date) is checked
 * every time, so two values that print alike (two secrets, both `********`) never share a
 * result. A remembered result is shared by the hosts that rendered equal arguments; nothing
 * downstream changes arguments in place (resolveLocal returns new objects).
 */
export function parseArgs<T>(schema: ZodType<T>, value: unknown): ReturnType<ZodType<T>['safeParse']> {
  const key = plainKey(value);
  if (key === undefined) return schema.safeParse(value);
  let seen = memo.get(schema);
  if (!seen) memo.set(schema, (seen = new Map()));
  const hit = seen.get(key);
  if (hit) return hit as ReturnType<ZodType<T>['safeParse']>;
  const result = schema.safeParse(value);
  // Failures are reported once per host as before: only successes are kept. Per schema at most
  // a few hundred values (host-specific arguments would otherwise grow it with the fleet).
  if (result.success) {
    if (seen.size >= MAX_PER_SCHEMA) seen.clear();
    seen.set(key, result);
  }
  return result;
}

const MAX_PER_SCHEMA = 256;
const memo = new WeakMap<object, Map<string, unknown>>();

/** A text that is equal for equal plain JSON data, or undefined for anything else. */
export function plainKey(value: unknown): string | undefined {
  let plain = true;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, k, given: unknown) {
    // The value as it is, not what its toJSON gave: a Secret's toJSON prints `********`.
    const v = this[k];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      // NaN and ±Infinity would print as null: not the same value.
      if (!Number.isFinite(v)) plain = false;
      return v;
    }
    if (Array.isArray(v)) return given;
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function') return given;
    plain = false; // undefined, functions, symbols, bigint, class instances (Secret), Dates
    return null;
  });
  return plain ? text : undefined;
}
