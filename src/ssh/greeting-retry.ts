/**
 * A connection the server closed before sending its SSH greeting is tried again, a few times.
 *
 * That is how sshd refuses a connection past MaxStartups (10:30:100 by default): it accepts and
 * closes at once, before a byte of the protocol, when too many connections are still
 * unauthenticated, by anyone. provision paces its own handshakes through a jump host
 * (handshake-pacing.ts), but it cannot see the server's count: other clients logging in at the
 * same moment, or sshd noticing our finished logins a moment late on a busy machine, push a paced
 * burst over the limit, and a host would be reported unreachable that is not. Nothing was sent
 * but our version line and nothing authenticated, so trying again is safe; the waits grow and are
 * spread at random so that hosts refused together do not come back together. A host that keeps
 * refusing (no sshd behind a forwarded port, a TCP wrapper) fails after the last wait, with a
 * message that says what was seen.
 */
import { RefusedBeforeGreeting, RefusedOnEveryAttempt } from './reach-errors.js';

/** Waits before each new attempt, in ms; each is spread by ±50% at random. */
export const GREETING_RETRY_WAITS_MS = [250, 750, 2000];

export interface GreetingRetryOptions {
  waitsMs?: readonly number[];
  /** Told before each wait: the attempt that failed (1-based) and the wait. */
  onRetry?: (failedAttempt: number, waitMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Runs `attempt`; while it fails with RefusedBeforeGreeting and waits remain, waits and runs it again. */
export async function retryRefusedBeforeGreeting<T>(attempt: () => Promise<T>, options: GreetingRetryOptions = {}): Promise<T> {
  const waits = options.waitsMs ?? GREETING_RETRY_WAITS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  for (let failed = 0; ; failed++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof RefusedBeforeGreeting)) throw err;
      if (failed >= waits.length) throw new RefusedOnEveryAttempt(refusedBeforeGreetingMessage(failed + 1));
      const waitMs = Math.round(waits[failed] * (0.5 + random()));
      options.onRetry?.(failed + 1, waitMs);
      await sleep(waitMs);
    }
  }
}

/** The message of a connection refused before the greeting on every attempt. */
export function refusedBeforeGreetingMessage(attempts: number): string {
  return `the server closed the connection before its SSH greeting, ${attempts === 1 ? 'once' : `on each of ${attempts} attempts`} (sshd does this past MaxStartups, when too many connections are unauthenticated; or no sshd answers behind this address and port)`;
}
