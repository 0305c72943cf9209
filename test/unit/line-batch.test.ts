import { describe, expect, it } from 'vitest';
import { lineBatch } from '../../src/output/line-batch.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('lineBatch: lines of one event-loop turn written as one chunk, in order', () => {
  const cases: { name: string; lines: string[]; limit?: number; chunks: string[] }[] = [
    { name: 'nothing to write: no write at all', lines: [], chunks: [] },
    { name: 'one line', lines: ['a | ok | t | done'], chunks: ['a | ok | t | done\n'] },
    { name: 'many lines of one turn: one chunk, in order', lines: ['1', '2', '3'], chunks: ['1\n2\n3\n'] },
    { name: 'an empty line is kept', lines: ['', 'RECAP'], chunks: ['\nRECAP\n'] },
    { name: 'the limit reached: written at once, the rest at the end of the turn', lines: ['aaaa', 'bbbb', 'cc'], limit: 8, chunks: ['aaaa\nbbbb\n', 'cc\n'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const chunks: string[] = [];
      const batch = lineBatch((chunk) => chunks.push(chunk), c.limit);
      for (const l of c.lines) batch.line(l);
      await nextTurn();
      expect(chunks).toEqual(c.chunks);
      expect(chunks.join('')).toBe(c.lines.map((l) => `${l}\n`).join(''));
    });
  }

  it('flush writes at once, before anything the caller writes next', () => {
    const written: string[] = [];
    const batch = lineBatch((chunk) => written.push(`out:${chunk}`));
    batch.line('host | ok | task | done');
    batch.flush();
    written.push('err:[WARNING]: ...\n');
    batch.flush(); // nothing gathered: nothing written
    expect(written).toEqual(['out:host | ok | task | done\n', 'err:[WARNING]: ...\n']);
  });

  it('lines of a later turn form a chunk of their own', async () => {
    const chunks: string[] = [];
    const batch = lineBatch((chunk) => chunks.push(chunk));
    batch.line('first');
    await nextTurn();
    batch.line('second');
    batch.line('third');
    await nextTurn();
    expect(chunks).toEqual(['first\n', 'second\nthird\n']);
  });
});
