import { describe, expect, it } from 'vitest';
import { legacyConnectionFields } from '../../../src/inventory.js';

describe('legacyConnectionFields: the connection from the merged variables', () => {
  it('nothing set: the host name, port 22, root, no sudo', () => {
    expect(legacyConnectionFields('web1', {})).toEqual({
      address: 'web1', port: 22, user: 'root', privateKey: undefined, knownHosts: undefined, become: false,
      becomePassword: undefined, proxyJump: undefined, explicit: { port: false, user: false },
    });
  });

  it.each([
    [{ ansible_host: '10.0.0.1', ansible_ssh_host: '10.0.0.2' }, { address: '10.0.0.1' }],
    [{ ansible_ssh_host: '10.0.0.2' }, { address: '10.0.0.2' }],
    [{ ansible_port: 2222 }, { port: 2222, explicit: { port: true, user: false } }],
    [{ ansible_ssh_port: '2022' }, { port: 2022 }],
    [{ ansible_user: 'admin', ansible_ssh_user: 'old' }, { user: 'admin', explicit: { port: false, user: true } }],
    [{ ansible_ssh_user: 'old' }, { user: 'old' }],
    [{ ansible_private_key_file: '/k' }, { privateKey: '/k' }],
    [{ ansible_ssh_private_key_file: '/a', ansible_private_key_file: '/b' }, { privateKey: '/a' }],
    [{ ansible_become: 'yes' }, { become: true }],
    [{ ansible_become: 'no' }, { become: false }],
    [{ ansible_become: 1 }, { become: true }],
    [{ ansible_become_pass: 'p' }, { becomePassword: 'p' }],
    [{ ansible_become_password: 'a', ansible_become_pass: 'b' }, { becomePassword: 'a' }],
    [{ provision_known_hosts: '/kh', provision_proxy_jump: 'bastion' }, { knownHosts: '/kh', proxyJump: 'bastion' }],
  ])('%j', (vars, expected) => {
    expect(legacyConnectionFields('h', vars)).toMatchObject(expected);
  });
});
