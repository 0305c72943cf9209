import { isMapping, mappingKeys } from './mapping.js';

/**
 * A value that check mode cannot know: the stdout of a command that check mode
 * does not run, or a field of such a result. Conditions over it answer UNKNOWN
 * instead of guessing, so the engine can show "unknown in check mode".
 */
export class Unknown {
  toString(): string {
    return UNKNOWN_TEXT;
  }
  toJSON(): string {
    return UNKNOWN_TEXT;
  }
}

/** A marker no real output contains: NUL bytes cannot appear in command output read as text by a shell. */
export const UNKNOWN_TEXT = '\u0000(unknown in check mode)\u0000';

export const UNKNOWN: Unknown = Object.freeze(new Unknown());

/**
 * What reading an attribute or item of UNKNOWN gives: unknown too, and also
 * unknown whether it is defined at all (`result.stdout is defined` on an unknown
 * result), unlike UNKNOWN itself, which is a defined value.
 */
export const UNKNOWN_MEMBER: Unknown = Object.freeze(new Unknown());

export function isUnknown(v: unknown): v is Unknown {
  return v instanceof Unknown;
}

/** Whether UNKNOWN is anywhere in a value: lists, plain objects, and strings rendered from it. */
export function containsUnknown(v: unknown): boolean {
  if (v instanceof Unknown) return true;
  if (typeof v === 'string') return v.includes(UNKNOWN_TEXT);
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isMapping(v)) return mappingKeys(v).some((k) => containsUnknown(v[k]));
  return false;
}
