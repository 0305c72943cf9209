import { describe, expect, it } from 'vitest';
import { GREETING_RETRY_WAITS_MS, refusedBeforeGreetingMessage, retryRefusedBeforeGreeting } from '../../src/ssh/greeting-retry.js';
import { RefusedBeforeGreeting, RefusedOnEveryAttempt, SshReachError } from '../../src/ssh/reach-errors.js';

type Outcome = 'ok' | 'refused' | 'other';

/** Runs the retry over attempts that end as `outcomes` say, with waits recorded instead of slept. */
async function run(outcomes: Outcome[], random = 0.5): Promise<{ result: string; attempts: number; waits: number[]; told: [number, number][] }> {
  let attempts = 0;
  const waits: number[] = [];
  const told: [number, number][] = [];
  const result = await retryRefusedBeforeGreeting(
    async () => {
      const outcome = outcomes[attempts++];
      if (outcome === 'refused') throw new RefusedBeforeGreeting('closed before greeting');
      if (outcome === 'other') throw new SshReachError('authentication failed');
      return 'connected';
    },
    { sleep: async (ms) => void waits.push(ms), random: () => random, onRetry: (n, ms) => told.push([n, ms]) },
  ).catch((err: Error) => `${err.constructor.name}: ${err.message}`);
  return { result, attempts, waits, told };
}

describe('retryRefusedBeforeGreeting', () => {
  it.each([
    { what: 'nothing to do: the first attempt connects', outcomes: ['ok'], result: 'connected', attempts: 1, waits: [] },
    { what: 'refused twice, then connects', outcomes: ['refused', 'refused', 'ok'], result: 'connected', attempts: 3, waits: [250, 750] },
    { what: 'refused on every attempt: four in all, then a message that says so', outcomes: ['refused', 'refused', 'refused', 'refused', 'ok'], result: `RefusedOnEveryAttempt: ${refusedBeforeGreetingMessage(4)}`, attempts: 4, waits: [250, 750, 2000] },
    { what: 'another failure is not tried again', outcomes: ['other', 'ok'], result: 'SshReachError: authentication failed', attempts: 1, waits: [] },
    { what: 'another failure after a refusal ends it', outcomes: ['refused', 'other', 'ok'], result: 'SshReachError: authentication failed', attempts: 2, waits: [250] },
  ] as { what: string; outcomes: Outcome[]; result: string; attempts: number; waits: number[] }[])('$what', async ({ outcomes, result, attempts, waits }) => {
    const r = await run(outcomes);
    expect(r.result).toBe(result);
    expect(r.attempts).toBe(attempts);
    expect(r.waits).toEqual(waits);
    expect(r.told).toEqual(waits.map((ms, i) => [i + 1, ms]));
  });

  it('spreads each wait by ±50% at random, so hosts refused together come back apart', async () => {
    expect((await run(['refused', 'refused', 'refused', 'ok'], 0)).waits).toEqual(GREETING_RETRY_WAITS_MS.map((ms) => ms / 2));
    expect((await run(['refused', 'refused', 'refused', 'ok'], 0.999)).waits).toEqual(GREETING_RETRY_WAITS_MS.map((ms) => Math.round(ms * 1.499)));
  });

  it('the final error is still an SshReachError (reported as unreachable)', () => {
    expect(new RefusedOnEveryAttempt('x')).toBeInstanceOf(SshReachError);
    expect(refusedBeforeGreetingMessage(4)).toMatch(/on each of 4 attempts.*MaxStartups/);
  });
});
