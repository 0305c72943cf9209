const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'y', 't']);

/** Ansible's boolean(): true, 1, and the words yes/on/true/y/t/1 in any case. */
export function ansibleBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  return typeof value === 'string' && TRUE_WORDS.has(value.trim().toLowerCase());
}

const FALSE_WORDS = new Set(['false', 'no', 'off', '0', 'n', 'f']);

/**
 * Ansible's boolean(value, strict=True), as its `bool` fields (become) take a variable: undefined
 * for anything that is no boolean ("maybe", 2), where Ansible stops the task with "is not a valid
 * boolean" rather than read it as false.
 */
export function ansibleBooleanStrict(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
}
