/**
 * Jinja's Undefined: what reading a missing variable, attribute or item gives.
 * It is a value, not an error, until something uses it, so that `x is defined`,
 * `x | default(1)` and an `and`/`or` that never reaches it are fine.
 */
export class UndefinedValue {
  constructor(
    /** How the expression named it: `x`, `result.stdout`, `items[3]`. */
    readonly path: string,
    readonly column: number,
    /** The missing top-level variable, when that is what is missing (Ansible's defined/undefined rescue reads it). */
    readonly missingVariable?: string,
  ) {}
}

export function isUndefinedValue(v: unknown): v is UndefinedValue {
  return v instanceof UndefinedValue;
}
