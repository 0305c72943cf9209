import { describe, expect, it } from 'vitest';
import { InventoryBuilder, pythonInt } from '../../../src/inventory/builder.js';

/** ansible_group_priority goes through Python's int(), as Ansible's Group.set_priority (found by inventory-fuzz). */
describe('ansible_group_priority as Python int() reads it', () => {
  it.each([
    [3, 3],
    [1.5, 1],
    [-1.5, -1],
    [true, 1],
    [false, 0],
    ['5', 5],
    [' 5 ', 5],
    ['1_0', 10],
    ['-2', -2],
    ['abc', 'not a number'],
    ['1.5', 'not a number'],
    ['0x10', 'not a number'],
    ['yes', 'not a number'],
    [null, 'ignored'],
    [[1], 'ignored'],
  ] as const)('%j → %j', (value, expected) => {
    expect(pythonInt(value)).toBe(expected);
  });

  it('nothing set: the default priority 1; an ignored value keeps the one before', () => {
    const b = new InventoryBuilder();
    b.addGroup('web');
    expect(b.groups.get('web')!.priority).toBe(1);
    b.setGroupVar('web', 'ansible_group_priority', '7');
    b.setGroupVar('web', 'ansible_group_priority', null);
    expect(b.groups.get('web')!.priority).toBe(7);
    expect(() => b.setGroupVar('web', 'ansible_group_priority', 'high', { file: 'hosts', line: 3 })).toThrow(/hosts:3: web.vars.ansible_group_priority: .*whole number, found "high"/);
  });
});
