import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, staticTasks } from '../../../src/compile.js';
import { ConfigErrors } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory.js';
import { loadPlaybook } from '../../../src/playbook.js';
import { CLI, writeProject } from '../../support/provision.js';

const PLAY = `- hosts: web
  defaults: { domain: default.example }
  tasks:
    - copy: { dest: /etc/app.url, content: "{{ url }} {{ greeting }}" }
`;

function contentFor(inventory: string, extraVars: Record<string, unknown> = {}, files: Record<string, string> = {}): string {
  const dir = writeProject({ 'site.yaml': PLAY, 'hosts.yaml': inventory, ...files });
  const runs = compile(loadPlaybook(join(dir, 'site.yaml')), loadInventory(join(dir, 'hosts.yaml')), { extraVars });
  return (staticTasks(runs[0].plays[0])[0].args as { content: string }).content;
}

describe('templated inventory values render with the host\'s final variables', () => {
  const inventory = `web:
  vars:
    url: "https://{{ domain }}/app"
  hosts:
    w1: { greeting: "hello {{ inventory_hostname }}" }
`;
  it('nothing templated: values pass as they are', () => {
    expect(contentFor('web:\n  vars: { url: plain, greeting: hi }\n  hosts: { w1: }\n')).toBe('plain hi');
  });
  it('a play default fills an inventory template', () => {
    expect(contentFor(inventory)).toBe('https://default.example/app hello w1');
  });
  it('-e outranks the default inside the inventory template', () => {
    expect(contentFor(inventory, { domain: 'cli.example' })).toBe('https://cli.example/app hello w1');
  });
  it('a group_vars value fills it too', () => {
    expect(contentFor(inventory, {}, { 'group_vars/all.yml': 'domain: gv.example\n' })).toBe('https://gv.example/app hello w1');
  });
  it('an undefined variable in an inventory value names the inventory file, line and variable', () => {
    const dir = writeProject({ 'site.yaml': '- hosts: web\n  tasks:\n    - copy: { dest: /x, content: "{{ url }}" }\n', 'hosts.yaml': inventory });
    expect(() => compile(loadPlaybook(join(dir, 'site.yaml')), loadInventory(join(dir, 'hosts.yaml')))).toThrow(ConfigErrors);
    expect(() => compile(loadPlaybook(join(dir, 'site.yaml')), loadInventory(join(dir, 'hosts.yaml')))).toThrow(/hosts\.yaml:3:\d+: url: variable "domain" is not defined \(in the inventory variable url of host w1\)/);
  });
});

describe('provision inventory', () => {
  const secret = `p@ss 'w"o\`$rd #1/:`;
  const run = (args: string[], files: Record<string, string>) => {
    const dir = writeProject(files);
    return spawnSync(process.execPath, [CLI, 'inventory', ...args.map((a) => a.replace('DIR', dir))], { encoding: 'utf8' });
  };
  it('prints secrets as ********', () => {
    const r = run(['-i', 'DIR/hosts.yaml', '--list'], { 'hosts.yaml': `hosts:\n  w1: { become_password: !secret ${JSON.stringify(secret)} }\n` });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('w"o');
    expect(JSON.parse(r.stdout)._meta.hostvars.w1.become_password).toBe('********');
  });
  it('bad input: exit 4 with file and line', () => {
    const r = run(['-i', 'DIR/hosts', '--list'], { hosts: '[web:children]\nmissing\n' });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/hosts:2: .*"missing", which is defined nowhere/);
  });
  it('needs exactly one of --list, --graph, --host', () => {
    expect(run(['-i', 'DIR/hosts'], { hosts: 'w1\n' }).status).toBe(5);
  });
});

describe('a templated connection variable', () => {
  it('reaches the connection rendered', () => {
    const dir = writeProject({
      'site.yaml': '- hosts: web\n  tasks:\n    - command: { argv: ["true"] }\n',
      'hosts.yaml': 'web:\n  vars: { ansible_host: "{{ ip }}", ansible_user: "{{ who }}" }\n  hosts:\n    w1: { ip: 10.0.0.7 }\n',
      'group_vars/web.yml': 'who: deploy\n',
    });
    const [run] = compile(loadPlaybook(join(dir, 'site.yaml')), loadInventory(join(dir, 'hosts.yaml')));
    expect(run.target).toMatchObject({ address: '10.0.0.7', user: 'deploy' });
  });
});

describe('a play var that is the default of itself', () => {
  const play = `- hosts: web\n  vars:\n    acme: '{{ default acme "https://acme.default/dir" }}'\n  tasks:\n    - copy: { dest: /x, content: "{{ acme }}" }\n`;
  const contentWith = (inventory: string, extraVars: Record<string, unknown> = {}): string => {
    const dir = writeProject({ 'site.yaml': play, 'hosts.yaml': inventory });
    return (compile(loadPlaybook(join(dir, 'site.yaml')), loadInventory(join(dir, 'hosts.yaml')), { extraVars })[0].plays.map(staticTasks)[0][0].args as { content: string }).content;
  };
  it.each([
    ['nothing set: its default', 'web:\n  hosts: { w1: }\n', {}, 'https://acme.default/dir'],
    ['set in the inventory', 'web:\n  hosts: { w1: { acme: "https://inv/dir" } }\n', {}, 'https://inv/dir'],
    ['set in the inventory with a template', 'web:\n  vars: { acme: "https://{{ inventory_hostname }}/dir" }\n  hosts: { w1: }\n', {}, 'https://w1/dir'],
    ['set with -e', 'web:\n  hosts: { w1: { acme: "https://inv/dir" } }\n', { acme: 'https://cli/dir' }, 'https://cli/dir'],
  ])('%s', (_what, inventory, extra, expected) => {
    expect(contentWith(inventory, extra)).toBe(expected);
  });
});
