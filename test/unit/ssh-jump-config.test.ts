import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../src/ssh/endpoint.js';

/**
 * ProxyJump from the ssh config as resolveEndpoint reads it: tokens expanded in
 * the hops, a hop that is the host itself refused naming the line (as ssh's
 * "jumphost loop via"), an inventory proxy_jump through itself followed.
 * (test/oracle/ssh-config.test.ts checks the same against ssh itself.)
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-jump-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: { name: string; config: string; host: string; user?: string; port?: number; proxyJump?: string; hops?: string[]; error?: RegExp }[] = [
  { name: 'nothing to do: no ProxyJump', config: 'Host *\n  User u\n', host: 'web', hops: [] },
  { name: 'ProxyJump none', config: 'Host *\n  ProxyJump none\n', host: 'web', hops: [] },
  { name: '%h is the name after HostName, %r the user', config: 'Host gw-*\n  ProxyJump none\nHost *\n  HostName real-%h\n  User deploy\n  ProxyJump %r@gw-%h:2222\n', host: 'web', hops: ['deploy@gw-real-web:2222'] },
  { name: '%n, %p and %%', config: 'Host j-*\n  ProxyJump none\nHost *\n  Port 2201\n  ProxyJump j-%n-%p-x%%y\n', host: 'web', user: 'u', hops: ['u@j-web-2201-x%y:2201'] },
  { name: 'an unknown token names the line', config: 'Host *\n  ProxyJump gw-%z\n', host: 'web', error: /config:2: ProxyJump gw-%z: unknown key %z/ },
  { name: 'the host itself, from the config', config: 'Host *\n  ProxyJump bastion\n', host: 'bastion', error: /config:2: ProxyJump bastion: jumphost loop via bastion/ },
  { name: 'a hop whose own ProxyJump is itself', config: 'Host *\n  ProxyJump bastion\n', host: 'web', error: /config:2: ProxyJump bastion: jumphost loop via bastion/ },
  { name: 'a loop through two hosts', config: 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n', host: 'a', port: 2222, error: /config:\d: ProxyJump \w: a chain of jump hosts longer than 8/ },
  { name: 'the host itself as another user is no loop', config: 'Host bastion\n  User root\nMatch user admin\n  ProxyJump none\nHost *\n  ProxyJump admin@bastion\n', host: 'bastion', hops: ['admin@bastion:22'] },
  { name: 'an inventory proxy_jump through the host itself is followed', config: 'Host *\n  User u\n', host: 'h', proxyJump: 'u@h:22', hops: ['u@h:22'] },
];

describe('ProxyJump in the ssh config', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}-config`);
      writeFileSync(file, c.config);
      const resolve = () => resolveEndpoint({ name: c.host, address: c.host, user: c.user, port: c.port, proxyJump: c.proxyJump }, { sshConfig: file });
      if (c.error) expect(resolve).toThrow(c.error);
      else expect(resolve().jumps.map((j) => `${j.user}@${j.name}:${j.port}`)).toEqual(c.hops);
    });
  }
});
