const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'y', 't']);

/** Ansible's boolean(): true, 1, and the words yes/on/true/y/t/1 in any case. */
export function ansibleBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  return typeof value === 'string' && TRUE_WORDS.has(value.trim().toLowerCase());
}
