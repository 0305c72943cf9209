import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { knownKeysFor, verifyHostKey } from '../../src/ssh/known-hosts.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIB7T0dGz8ySSgVlqvnSrXn8VDZqzCmtS0zmRS7+K2xCY';

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  const text = [
    '# comment',
    `web1.example.com,10.0.0.5 ssh-ed25519 ${KEY_A}`,
    `[10.0.0.9]:2222 ssh-ed25519 ${KEY_A}`,
    `${hashed('db.example.com')} ssh-ed25519 ${KEY_B}`,
    `*.internal,!secret.internal ssh-ed25519 ${KEY_B}`,
    `@revoked bad.example.com ssh-ed25519 ${KEY_A}`,
  ].join('\n');

  it.each([
    ['plain name', 'web1.example.com', 22, 1],
    ['second name in a list', '10.0.0.5', 22, 1],
    ['non-standard port uses [host]:port', '10.0.0.9', 2222, 1],
    ['same host, other port: unknown', '10.0.0.9', 22, 0],
    ['hashed entry', 'db.example.com', 22, 1],
    ['wildcard', 'app.internal', 22, 1],
    ['negated pattern', 'secret.internal', 22, 0],
    ['absent host', 'other.example.com', 22, 0],
  ])('%s', (_l, host, port, count) => {
    expect(knownKeysFor(text, host, port)).toHaveLength(count);
  });

  it('matches, reports unknown, changed and revoked keys', () => {
    const a = Buffer.from(KEY_A, 'base64');
    const b = Buffer.from(KEY_B, 'base64');
    expect(verifyHostKey(knownKeysFor(text, 'web1.example.com', 22), 'ssh-ed25519', a)).toEqual({ status: 'match' });
    expect(verifyHostKey(knownKeysFor(text, 'web1.example.com', 22), 'ssh-ed25519', b).status).toBe('changed');
    expect(verifyHostKey(knownKeysFor(text, 'nowhere', 22), 'ssh-ed25519', a).status).toBe('unknown');
    expect(verifyHostKey(knownKeysFor(text, 'bad.example.com', 22), 'ssh-ed25519', a).status).toBe('revoked');
  });
});
