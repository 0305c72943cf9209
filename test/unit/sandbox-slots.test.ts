import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeSlot, SLOT_COUNT } from '../../src/sandbox/network.js';
import { claimedSlots, claimSlot, releaseSlot } from '../../src/sandbox/slots.js';

describe('freeSlot: the first free address slot from a start, wrapping around', () => {
  it.each([
    ['nothing used: the start itself', [], 0, 0],
    ['nothing used, random start', [], 700, 700],
    ['used slots are skipped', [5, 6], 5, 7],
    ['wraps past the last slot', [SLOT_COUNT - 1], SLOT_COUNT - 1, 0],
    ['a slot below the start is found after wrapping', [...Array(SLOT_COUNT - 1).keys()].map((i) => i + 1), 10, 0],
  ])('%s', (_name, used, start, expected) => {
    expect(freeSlot(new Set(used), start)).toBe(expected);
  });

  it('fails when every slot is used', () => {
    expect(() => freeSlot(new Set(Array.from({ length: SLOT_COUNT }, (_, i) => i)), 3)).toThrow('no free sandbox address slot');
  });
});

describe('slot claims: what another stateDir\'s booting host holds', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-slots-'));
  const claims = path.join(tmp, 'claims');
  const host = (name: string) => { const d = path.join(tmp, name); fs.mkdirSync(d, { recursive: true }); return d; };
  afterEach(() => fs.rmSync(claims, { recursive: true, force: true }));

  it('nothing claimed: no claims folder, no slots', () => {
    expect(claimedSlots(claims)).toEqual(new Set());
  });

  it('a claim holds while its host folder exists, and is dropped once the folder is gone', () => {
    const a = host('a');
    const b = host('b');
    claimSlot(3, a, claims);
    claimSlot(9, b, claims);
    expect(claimedSlots(claims)).toEqual(new Set([3, 9]));
    fs.rmSync(b, { recursive: true });
    expect(claimedSlots(claims)).toEqual(new Set([3]));
    expect(fs.readdirSync(claims)).toEqual(['3']);
  });

  it('release drops only the claim of the host that holds it', () => {
    const a = host('a');
    claimSlot(4, a, claims);
    releaseSlot(4, host('other'), claims);
    expect(claimedSlots(claims)).toEqual(new Set([4]));
    releaseSlot(4, a, claims);
    expect(claimedSlots(claims)).toEqual(new Set());
    releaseSlot(4, a, claims); // nothing left to release
  });
});
