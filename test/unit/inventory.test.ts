import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory.js';
import { YamlSource } from '../../src/yaml-source.js';
import { connectionTarget } from '../../src/connection-vars.js';
import type { Inventory } from '../../src/inventory.js';

const targetOf = (inv: Inventory, name: string) => connectionTarget(name, inv.hosts.get(name)!.vars, { file: inv.file });

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
    // Unset port and user are left to ssh_config and ssh's defaults (22, the local user).
    expect(targetOf(own, 'web1')).toEqual({ name: 'web1', address: '10.0.0.1', user: 'deploy' });
    expect(own.hosts.get('web1')!.vars).toMatchObject({ ansible_become: true, role: 'primary' });
    expect(targetOf(own, 'db1')).toEqual({ name: 'db1', address: 'db1', port: 2222, privateKey: '~/.ssh/db' });
    expect(own.hosts.get('db1')!.vars.ansible_become).toBeUndefined();
  });

  it('orders a host\'s groups all → parents → children, as group vars merge', () => {
    expect(own.hosts.get('web1')!.groups).toEqual(['all', 'prod', 'web']);
    expect(own.hosts.get('db1')!.groups).toEqual(['all', 'prod']);
  });

  it('accepts Ansible YAML inventories with ansible_* variables', () => {
    expect(targetOf(ansible, 'db1')).toMatchObject({ address: '10.0.0.9', port: 2222, user: 'admin', privateKey: '/k' });
    expect(ansible.hosts.get('db1')!.vars).toMatchObject({ ansible_become: true, role: 'db' });
    expect(targetOf(ansible, 'web2')).toEqual({ name: 'web2', address: 'web2' });
    expect(ansible.hosts.get('web1')!.groups).toEqual(['all', 'prod', 'web']);
    expect(ansible.groups.get('prod')!.vars).toEqual({ env: 'prod' });
  });
});
