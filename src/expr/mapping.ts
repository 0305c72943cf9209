/**
 * Which values are mappings (Python dicts) for conditions: plain objects, and
 * also objects layered over them (scopes made with Object.create) and lazy
 * getters; not class instances such as Secret or Unknown.
 */
export function isMapping(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  for (let proto = Object.getPrototypeOf(v); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    // A class's prototype owns its `constructor`; a plain object used as a scope does not.
    const own = Object.getOwnPropertyDescriptor(proto, 'constructor');
    if (own && typeof own.value === 'function') return false;
  }
  return true;
}

/** A mapping's keys, inherited scopes included (for..in: enumerable, own and inherited). */
export function mappingKeys(v: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const key in v) keys.push(key);
  return keys;
}

/** A variable or key that exists, whether own, inherited from a layered scope, or a lazy getter; not Object's own methods. */
export function hasKey(object: object, key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(object, key)) return (object as Record<string, unknown>)[key] !== undefined;
  return key in object && !(key in Object.prototype) && (object as Record<string, unknown>)[key] !== undefined;
}
