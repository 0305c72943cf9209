import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory.js';
import { YamlSource } from '../../src/yaml-source.js';

const own = parseInventory(
  YamlSource.fromText(
    `hosts:
  web1: { address: 10.0.0.1, user: deploy, become: true, vars: { role: primary } }
  web2: { address: 10.0.0.2 }
  db1: { port: 2222, private_key: ~/.ssh/db }
groups:
  web: { hosts: [web1, web2], vars: { tier: web } }
  prod: { children: [web], hosts: [db1], vars: { env: prod } }
vars: { env: any }
`,
    'hosts.yaml',
  ),
);

const ansible = parseInventory(
  YamlSource.fromText(
    `all:
  vars: { env: any }
  children:
    prod:
      vars: { env: prod }
      hosts:
        db1: { ansible_host: 10.0.0.9, ansible_port: 2222, ansible_user: admin, ansible_ssh_private_key_file: /k, ansible_become: true, role: db }
      children:
        web:
          hosts:
            web1: { ansible_host: 10.0.0.1 }
            web2:
`,
    'hosts.yaml',
  ),
);

describe('inventory', () => {
  it('reads hosts with connection settings and defaults', () => {
    expect(own.hosts.get('web1')).toMatchObject({ address: '10.0.0.1', port: 22, user: 'deploy', become: true, vars: { role: 'primary' } });
    expect(own.hosts.get('db1')).toMatchObject({ address: 'db1', port: 2222, user: 'root', privateKey: '~/.ssh/db', become: false });
  });

  it('orders a host\'s groups all → parents → children, as group vars merge', () => {
    expect(own.hosts.get('web1')!.groups).toEqual(['all', 'prod', 'web']);
    expect(own.hosts.get('db1')!.groups).toEqual(['all', 'prod']);
  });

  it('accepts Ansible YAML inventories with ansible_* variables', () => {
    expect(ansible.hosts.get('db1')).toMatchObject({ address: '10.0.0.9', port: 2222, user: 'admin', privateKey: '/k', become: true, vars: { role: 'db' } });
    expect(ansible.hosts.get('web2')).toMatchObject({ address: 'web2', port: 22 });
    expect(ansible.hosts.get('web1')!.groups).toEqual(['all', 'prod', 'web']);
    expect(ansible.groups.get('prod')!.vars).toEqual({ env: 'prod' });
  });
});
