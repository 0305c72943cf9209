import * as z from 'zod';

// zod's JIT compiles each schema with new Function on first use: slower than it saves when each schema parses a handful of values once per run.
z.config({ jitless: true });
import { isSecret, Secret } from './secret.js';

/** Field types shared by task schemas. Each rejects hostile values (metacharacters, `..`, leading `-`) up front. */

export const absolutePath = z
  .string()
  .regex(/^\//, 'expected an absolute path (starting with /)')
  .refine((p) => !p.split('/').includes('..'), 'a path may not contain ".." segments')
  .refine((p) => !/[\0\n\r]/.test(p), 'a path may not contain NUL or newline characters');

/**
 * A file mode, given as Ansible's file/copy/template modules take it, made an octal string ("0640"):
 * a string is its octal digits ("0640", "640"); a number is the mode's numeric value (YAML 1.1
 * reads `mode: 0640` as 416 = 0o640, as in Ansible), so 493 is "0755". A number with bits above
 * 0o7777 is no mode. A mode written as a decimal number (`mode: 644`, which Ansible sets as
 * 01204) is refused before this, where its source text is known (mode-literals.ts).
 */
export const fileMode = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const mode = modeDigits(v);
  if (mode.error === undefined) return mode.digits.padStart(4, '0');
  ctx.addIssue({ code: 'custom', message: mode.error });
  return z.NEVER;
});

/** A mode's octal digits, or why the value is no mode (one message per case: zod's union would say only "Invalid input"). */
function modeDigits(v: string | number): { digits: string; error?: undefined } | { error: string } {
  if (typeof v === 'string') {
    // "0o640" too: YAML 1.1 reads `mode: 0o640` as that string, and Ansible's modules take it (Python's int(v, 8)).
    const digits = v.replace(/^0o(?=[0-7]{3,4}$)/, '');
    return /^0?[0-7]{3}$/.test(digits) || /^[0-7]{4}$/.test(digits) ? { digits } : { error: 'expected an octal mode such as "0644"' };
  }
  if (!Number.isInteger(v) || v < 0 || v > 0o7777) return { error: 'a numeric mode is its value (0644 is 420); this one is not a whole number from 0 to 07777: write the octal digits as a string, "0644"' };
  // 644, 755, 600 … as numbers reach here from a variable (`-e m=644`, which provision types as a
  // number where Ansible keeps the string "644" = 0644): as values, each is a mode with the sticky
  // or setgid bit (01204, 01363, 01130). The only octal literals that give a number from 512 to 777
  // made of octal digits are 01000–01411, sticky modes with almost no permissions: refused, never guessed.
  if (v >= 0o1000 && v <= 777 && /^[0-7]+$/.test(String(v))) {
    return { error: `the number ${v} looks like an octal mode written in decimal: as a mode's value it is 0${v.toString(8)}, as Ansible reads a number; write the mode as a string, "0${v}", or as 0${v} in YAML` };
  }
  return { digits: v.toString(8) };
}

/** POSIX-portable user and group names (Debian's useradd accepts these by default). */
export const accountName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, 'expected a user or group name: lowercase letters, digits, "_" or "-", not starting with "-" or a digit');

/** A systemd unit name, with its type suffix. */
export const unitName = z
  .string()
  .regex(/^[A-Za-z0-9:_.\\@-]+\.(service|socket|timer|target|path|mount|automount|swap|slice|scope)$/, 'expected a unit name such as "nginx.service"')
  .refine((u) => !u.startsWith('-'), 'a unit name may not start with "-"');

/** A service name with or without ".service". */
export const serviceName = z
  .string()
  .regex(/^[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@-]*$/, 'expected a service name such as "nginx" or "nginx.service"');

/** A secret string: given as plain text, `!secret`, or a variable; masked everywhere after this point. */
export const secretString = z
  .union([z.string(), z.custom<Secret>((v) => isSecret(v))])
  .transform((v) => (isSecret(v) ? v : new Secret(v)))
  .describe('A secret: masked as ******** in all output.');

export function oneOrMany<T extends z.ZodTypeAny>(item: T) {
  return z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.infer<T>[]);
}
