import type { FieldPath } from '../yaml-source.js';

/** `value` with every string in it (through lists and plain mappings) replaced by `render(string, its path)`. */
export function mapStrings(value: unknown, path: FieldPath, render: (s: string, path: FieldPath) => unknown): unknown {
  if (typeof value === 'string') return render(value, path);
  if (Array.isArray(value)) return value.map((x, i) => mapStrings(x, [...path, i], render));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, mapStrings(x, [...path, k], render)]));
  }
  return value;
}
