/**
 * Ansible's module_utils boolean(): the spellings of true and false it accepts
 * (case-insensitive, trimmed); undefined for anything else (where Ansible
 * raises TypeError, the truthy test falls back to Python truthiness).
 */
const TRUE_WORDS = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE_WORDS = ['n', 'no', 'off', '0', 'false', 'f'];

export function boolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const normal = value.toLowerCase().trim();
  if (TRUE_WORDS.includes(normal)) return true;
  if (FALSE_WORDS.includes(normal)) return false;
  return undefined;
}
