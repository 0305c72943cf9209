import { describe, expect, it } from 'vitest';
import { Gate } from '../../src/ssh/handshake-pacing.js';

/** Runs `jobs` jobs of `ms` each through a gate of `limit`; returns the most that ran at once and the results in order. */
async function burst(limit: number, jobs: number, fail = new Set<number>()): Promise<{ peak: number; results: string[] }> {
  const gate = new Gate(limit);
  let running = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: jobs }, (_, i) =>
      gate
        .run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
          if (fail.has(i)) throw new Error(`job ${i}`);
          return `ok ${i}`;
        })
        .catch((e: Error) => e.message),
    ),
  );
  return { peak, results };
}

describe('Gate', () => {
  it.each([
    { what: 'nothing to do', limit: 8, jobs: 0, fail: [], peak: 0 },
    { what: 'fewer jobs than places', limit: 8, jobs: 3, fail: [], peak: 3 },
    { what: 'a burst is held to the limit', limit: 8, jobs: 50, fail: [], peak: 8 },
    { what: 'one place: one at a time', limit: 1, jobs: 5, fail: [], peak: 1 },
    { what: 'failures free their place too', limit: 2, jobs: 10, fail: [0, 1, 2, 3], peak: 2 },
  ])('$what', async ({ limit, jobs, fail, peak }) => {
    const r = await burst(limit, jobs, new Set(fail));
    expect(r.peak).toBe(peak);
    expect(r.results).toEqual(Array.from({ length: jobs }, (_, i) => (fail.includes(i) ? `job ${i}` : `ok ${i}`)));
  });
});
