import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitHostPattern } from '../../src/host-pattern-split.js';

/**
 * How a host pattern is cut into terms, against ansible-core's own
 * split_host_pattern (inventory/manager.py), which decides with parse_address
 * whether the whole pattern is one address (IPv4, IPv6, host:port, a range).
 * splitHostPattern skips the IPv6 patterns for a pattern without a `:`: these
 * cases show the answers are Ansible's with and without one.
 */
const python = readFileSync(execFileSync('which', ['ansible'], { encoding: 'utf8' }).trim(), 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];

const patterns = [
  'web', // a plain name: no colon
  'web01.example.com',
  'wéb-ünïcode',
  'ÄÖÜ_1',
  'web_',
  '-web',
  'web[1:3]',
  'web[a:c].example.com',
  '10.0.0.1',
  '10.0.0.[1:3]',
  '256.1.1.1',
  'fe80::1',
  '::1',
  '::',
  '1::',
  'FE80::ABCD',
  '2001:db8:0:0:0:0:0:1',
  '2001:db8::[a:f]',
  '::ffff:1.2.3.4',
  '0:0:0:0:0:0:1.2.3.4',
  'fe80::1:web', // starts like an IPv6 address (Python's unanchored alternatives)
  '1:2:web',
  'host:22',
  '[fe80::1]:22',
  'web:db',
  'web:&db:!old',
  'web db',
  'web,db',
  'a:b,c',
  '~web.*',
  '~(web|db):1',
  'web*:db?',
  'web[0]:db[1:]',
  'g:h:i:j:k:l:m:n',
  'abc:def',
  'cafe:babe',
  'dead:beef::',
];

function ansibleSplit(list: string[]): string[][] {
  const script = `
import json, sys
from ansible.inventory.manager import split_host_pattern
print(json.dumps([split_host_pattern(p) for p in json.loads(sys.argv[1])]))
`;
  return JSON.parse(execFileSync(python, ['-c', script, JSON.stringify(list)], { encoding: 'utf8' }));
}

describe('host pattern terms, against ansible-core split_host_pattern', () => {
  const expected = ansibleSplit(patterns);
  it.each(patterns.map((p, i) => [p, expected[i]] as const))('%s', (pattern, terms) => {
    expect(splitHostPattern(pattern).terms).toEqual(terms);
  });
});
