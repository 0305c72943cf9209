import { describe, expect, it } from 'vitest';
import { expandHostPattern } from '../../../src/inventory/host-ranges.js';

describe('host ranges and ports, as Ansible expands them', () => {
  it.each([
    ['nothing to expand', 'web1.example.com', ['web1.example.com'], undefined],
    ['numeric with leading zeros', 'web[01:03].example.com', ['web01.example.com', 'web02.example.com', 'web03.example.com'], undefined],
    ['letters', 'db-[a:c]', ['db-a', 'db-b', 'db-c'], undefined],
    ['a step', 'n[1:10:4]', ['n1', 'n5', 'n9'], undefined],
    ['an empty begin is 0', 'n[:2]', ['n0', 'n1', 'n2'], undefined],
    ['two ranges', 'x[1:2]-[a:b]', ['x1-a', 'x1-b', 'x2-a', 'x2-b'], undefined],
    ['a port', 'db1:2222', ['db1'], 2222],
    ['a range and a port', 'www[1:2]:22', ['www1', 'www2'], 22],
    ['IPv6 in brackets with a port', '[2001:db8::1]:2200', ['2001:db8::1'], 2200],
    ['bare IPv6 has no port', '2001:db8::2', ['2001:db8::2'], undefined],
  ])('%s: %s', (_what, pattern, names, port) => {
    expect(expandHostPattern(pattern)).toEqual({ names, port });
  });

  it.each([
    ['web[1:2:3:4]', /begin:end or begin:end:step/],
    ['web[1:]', /end value/],
    ['web[01:100]', /same number of digits/],
    ['web[c:a]', /begin <= end/],
    ['web[3:1]', /begin <= end/],
    ['web[1:x]', /numbers or single letters/],
    ['web[1:3:0]', /step/],
    ['web1:', /port/],
  ])('refuses %s', (pattern, message) => {
    expect(() => expandHostPattern(pattern)).toThrow(message);
  });
});
