import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from '../../../src/errors.js';
import { loadInventory, parseInventory } from '../../../src/inventory.js';
import { isSecret } from '../../../src/secret.js';
import { YamlSource } from '../../../src/yaml-source.js';
import { becomeFor, connectionTarget } from '../../../src/connection-vars.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-inv-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('precedence of inventory variables', () => {
  // Each level sets `level` and its own name; the highest level that sets a name wins.
  // Ansible's VARIABLE_PRECEDENCE: an inventory file's group vars are below group_vars/all
  // (test/oracle/inventory-fuzz.test.ts found provision had them above).
  const levels = [
    ['inventory file all', 'inv/hosts.yaml'],
    ['inventory file group', 'inv/hosts.yaml'],
    ['inventory group_vars/all', 'inv/group_vars/all.yml'],
    ['playbook group_vars/all', 'play/group_vars/all.yml'],
    ['inventory group_vars/web', 'inv/group_vars/web.yml'],
    ['playbook group_vars/web', 'play/group_vars/web.yml'],
    ['inventory file host', 'inv/hosts.yaml'],
    ['inventory host_vars', 'inv/host_vars/w1.yml'],
    ['playbook host_vars', 'play/host_vars/w1.yml'],
  ];
  const hostsYaml = (upTo: number): string =>
    `all:\n  vars: { ${upTo >= 0 ? 'level: "inventory file all"' : ''} }\n  children:\n    web:\n      vars: { ${upTo >= 1 ? 'level: "inventory file group"' : ''} }\n      hosts:\n        w1: { ${upTo >= 6 ? 'level: "inventory file host"' : ''} }\n`;

  it.each(levels.map(([name], i) => [name, i] as const))('%s outranks every level below it', (name, i) => {
    const files: Record<string, string> = { 'inv/hosts.yaml': hostsYaml(i) };
    levels.slice(0, i + 1).forEach(([levelName, file]) => {
      if (file !== 'inv/hosts.yaml') files[file] = `level: "${levelName}"\n`;
    });
    const dir = project(files);
    const inv = loadInventory(join(dir, 'inv/hosts.yaml'), { playbookDir: join(dir, 'play') });
    expect(inv.hosts.get('w1')!.vars.level).toBe(name);
  });

  it('a directory with one inventory file beside skipped names reads that file', () => {
    const dir = project({ 'inv/hosts.ini': '[web]\nw1\n', 'inv/hosts': 'w2\n' });
    expect([...loadInventory(join(dir, 'inv')).hosts.keys()]).toEqual(['w2']);
  });

  it('nothing set anywhere: no variables', () => {
    const dir = project({ 'hosts': 'w1\n' });
    expect(loadInventory(join(dir, 'hosts')).hosts.get('w1')!.vars).toEqual({});
  });

  it('group-level connection variables reach the connection', () => {
    const dir = project({ 'hosts.yaml': 'web:\n  hosts: { w1: }\n', 'group_vars/web.yml': 'ansible_user: deploy\nansible_port: 2222\nansible_become: yes\n' });
    const vars = loadInventory(join(dir, 'hosts.yaml')).hosts.get('w1')!.vars;
    expect(connectionTarget('w1', vars, { file: 'hosts.yaml' })).toMatchObject({ user: 'deploy', port: 2222 });
    expect(becomeFor(vars, undefined, false)).toBe(true);
  });

  it('a secret in a vars file stays a secret', () => {
    const dir = project({ 'hosts.yaml': 'web:\n  hosts: { w1: }\n', 'group_vars/web.yml': 'db_password: !secret "p@ss \'w\\"o`$rd #1/:"\n' });
    expect(isSecret(loadInventory(join(dir, 'hosts.yaml')).hosts.get('w1')!.vars.db_password)).toBe(true);
  });
});

describe("provision's own format", () => {
  it('maps its fields to variables under Ansible\'s names', () => {
    const inv = parseInventory(YamlSource.fromText(
      `hosts:\n  w1: { address: 10.0.0.1, port: 2222, user: u, private_key: /k, known_hosts: /kh, become: true, become_password: pw, proxy_jump: b, vars: { x: 1 } }\n`, 'hosts.yaml'));
    expect(inv.hosts.get('w1')!.vars).toEqual({
      ansible_host: '10.0.0.1', ansible_port: 2222, ansible_user: 'u', ansible_ssh_private_key_file: '/k', provision_known_hosts: '/kh',
      ansible_become: true, become_password: 'pw', provision_proxy_jump: 'b', x: 1,
    });
    expect([...inv.groups.get('ungrouped')!.hosts]).toEqual(['w1']);
  });
});

describe('bad inventories name file, line and field', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['an undefined INI child group', { 'hosts': '[prod:children]\nweb\n\n[db]\nd1\n' }, /hosts:2: \[prod:children\]: .*"web", which is defined nowhere/],
    ['vars for an undefined INI group', { 'hosts': '[db]\nd1\n[web:vars]\nx=1\n' }, /hosts:3: \[web:vars\]: .*defined nowhere/],
    ['a bad INI section type', { 'hosts': '[web:hostz]\n' }, /hosts:1: .*unknown type "hostz"/],
    ['a host line without key=value', { 'hosts': '[web]\nw1 novalue\n' }, /hosts:2: .*expected key=value.*"novalue"/],
    ['an unclosed quote in INI', { 'hosts': '[web]\nw1 x="open\n' }, /hosts:2: .*closing quotation/],
    ['a range that cannot expand (INI)', { 'hosts': '[web]\nw[01:100]\n' }, /hosts:2: .*same number of digits/],
    ['a range that cannot expand (YAML)', { 'hosts.yaml': 'web:\n  hosts:\n    "w[3:1]":\n' }, /hosts.yaml:3:5: web.hosts.w\[3:1\]: .*begin <= end/],
    ['a group that is its own ancestor (INI)', { 'hosts': '[a]\nh1\n[b:children]\na\n[a:children]\nb\n' }, /hosts:6: .*"a" its own ancestor/],
    ['a group that is its own ancestor (YAML)', { 'hosts.yaml': 'a:\n  children:\n    b:\n      children:\n        a:\n' }, /hosts.yaml:3:5: a.children.b: .*"a" its own ancestor/],
    ['YAML syntax', { 'hosts.yaml': 'all:\n  hosts: [unclosed\n' }, /hosts.yaml:\d+:\d+: invalid YAML/],
    ['an unknown key in a YAML group', { 'hosts.yaml': 'web:\n  host:\n    w1:\n' }, /hosts.yaml:2:3: web: unexpected key "host"/],
    ['host vars that are not a mapping', { 'hosts.yaml': 'web:\n  hosts:\n    w1: 10.0.0.1\n' }, /hosts.yaml:3:\d+: .*must be a mapping/],
    ['a vars file that is a list', { 'hosts.yaml': 'web:\n  hosts: { w1: }\n', 'group_vars/web.yml': '- a\n' }, /group_vars\/web.yml:1:1: .*vars file must be a mapping/],
    // Found by test/oracle/inventory-fuzz.test.ts: Ansible skips these names, and the directory gave zero hosts.
    ['a directory holding only names Ansible skips', { 'inv/hosts.ini': '[web]\nw1\n', 'inv/prod.cfg': '[db]\nd1\n', 'inv/.hidden': 'h\n', 'inv/group_vars/all.yml': 'x: 1\n' }, /inv: no inventory file in this directory/],
  ];
  it.each(cases)('%s', (_what, files, message) => {
    const dir = project(files);
    const main = Object.keys(files)[0].replace(/^inv\/.*/, 'inv');
    let error: unknown;
    try {
      loadInventory(join(dir, main));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(error instanceof ConfigErrors ? ConfigErrors : ConfigError);
    expect((error as Error).message).toMatch(message);
  });
});
