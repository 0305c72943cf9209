import { ConfigError, ConfigErrors, ConnectError, ProvisionError } from './errors.js';
import { redact } from './secret.js';

/** Exit statuses, documented in the README. */
export const EXIT = {
  ok: 0,
  internal: 1,
  hostFailed: 2,
  unreachable: 3,
  badInput: 4,
  badOptions: 5,
  /** --check --fail-on-change found something that would change (drift). */
  drift: 6,
  interrupted: 130,
} as const;

export class UsageError extends ProvisionError {}

/** Bad input to a command that touches no host (provision report): exit 4, its message says what was not done. */
export class InputError extends ProvisionError {}

/** The one place where an error becomes an exit status and a message. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigError || err instanceof ConfigErrors || err instanceof InputError) return EXIT.badInput;
  if (err instanceof UsageError) return EXIT.badOptions;
  if (err instanceof ConnectError) return EXIT.unreachable;
  return EXIT.internal;
}

/**
 * `runsPlaybook`: the command was about to run a playbook on hosts (a run, --check, provision test),
 * so bad input is worth a word that nothing happened to them. Elsewhere (inventory, vault, validate,
 * the listings) no host is ever touched, and saying so would only puzzle.
 */
export function formatError(err: unknown, runsPlaybook = false): string {
  if (err instanceof ConfigErrors) {
    const n = err.errors.length;
    return `${err.message}\n${n} problem${n > 1 ? 's' : ''} found${runsPlaybook ? '; no host was touched' : ''}.`;
  }
  if (err instanceof ConfigError) return runsPlaybook ? `${err.message}\nNo host was touched.` : err.message;
  if (err instanceof ProvisionError) return err.message;
  const e = err as Error;
  return redact(`internal error: ${e?.stack ?? String(err)}`);
}
