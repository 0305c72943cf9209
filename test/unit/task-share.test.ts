import { describe, expect, it } from 'vitest';
import { compile, staticTasks, type HostRun } from '../../src/compile.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { isSecret, Secret } from '../../src/secret.js';
import type { CompiledTask } from '../../src/task-expand.js';
import { templateIsOpaque } from '../../src/task-share.js';
import { YamlSource } from '../../src/yaml-source.js';
import { writeProject } from '../support/provision.js';

describe('templateIsOpaque: a template that can read a variable it does not name', () => {
  const cases: [string, string, boolean][] = [
    ['nothing to do: no template', 'plain text, this and @root included', false],
    ['named variables', '{{ a }} {{ b.c }} {{#if d}}{{e}}{{/if}}', false],
    ['this over every variable', '{{ this }}', true],
    ['every variable as a helper argument', '{{json this}}', true],
    ['this inside if is still every variable', '{{#if x}}{{json this}}{{/if}}', true],
    ['this inside each is the item', '{{#each xs}}{{this}} {{@index}}{{/each}}', false],
    ['this inside with is its value', '{{#with server}}{{json this}}{{/with}}', false],
    ['a parent context from inside each', '{{#each xs}}{{json ../this}}{{/each}}', true],
    ['a parent variable by name', '{{#each xs}}{{../domain}}{{/each}}', false],
    ['@root', '{{ @root.inventory_hostname }}', true],
    ['lookup computes a name', '{{lookup this "inventory_hostname"}}', true],
    ['each over every variable', '{{#each this}}{{@key}}{{/each}}', true],
    ['does not parse', '{{#if x}}', true],
  ];
  it.each(cases)('%s', (_what, text, opaque) => expect(templateIsOpaque(text)).toBe(opaque));
});

const inventory = parseInventory(
  YamlSource.fromText(
    `hosts:
  web1: { vars: { port: 81 } }
  web2: { vars: { port: 81 } }
  web3: { vars: { port: 82 } }
vars: { base: /srv }
`,
    'hosts.yaml',
  ),
);

function build(playbook: string, files: Record<string, string> = {}, extraVars?: Record<string, unknown>): HostRun[] {
  const dir = writeProject({ 'site.yaml': playbook, ...files });
  return compile(loadPlaybook(`${dir}/site.yaml`), inventory, extraVars ? { extraVars } : {});
}

/** Each host's i-th execution, by host name; its arguments as the task type's own (read by the tests as plain data). */
type Execution = Omit<CompiledTask, 'args'> & { args: any };
function executions(runs: HostRun[], i = 0): Record<string, Execution> {
  return Object.fromEntries(runs.map((r) => [r.host.name, staticTasks(r.plays[0])[i] as Execution]));
}

describe('a task expanded once for the hosts that give it the same inputs', () => {
  it('nothing to do: a task reading only play variables is one expansion for every host', () => {
    const e = executions(build(`- hosts: all\n  vars: { dir: /opt/app }\n  tasks:\n    - file: { path: "{{ dir }}", state: directory }\n`));
    expect(e.web1.args).toMatchObject({ path: '/opt/app' });
    expect(e.web2).toBe(e.web1);
    expect(e.web3).toBe(e.web1);
  });

  it("a host's own value gives it its own expansion; hosts with equal values share one", () => {
    const e = executions(build(`- hosts: all\n  tasks:\n    - file: { path: "{{ base }}/{{ port }}", state: directory }\n`));
    expect([e.web1.args.path, e.web2.args.path, e.web3.args.path]).toEqual(['/srv/81', '/srv/81', '/srv/82']);
    expect(e.web2).toBe(e.web1);
    expect(e.web3).not.toBe(e.web1);
  });

  it('a play variable defined from a host variable is per host', () => {
    const e = executions(build(`- hosts: all\n  vars: { where: "/srv/{{ inventory_hostname }}" }\n  tasks:\n    - file: { path: "{{ where }}", state: directory }\n`));
    expect([e.web1.args.path, e.web2.args.path, e.web3.args.path]).toEqual(['/srv/web1', '/srv/web2', '/srv/web3']);
  });

  const perHostTemplates: [string, string, string][] = [
    ['a template file reading the host name through @root', 'template: { src: t.hbs, dest: /etc/t }', 'host {{ @root.inventory_hostname }}\n'],
    ['a template file walking every variable', 'template: { src: t.hbs, dest: /etc/t }', '{{#each this}}{{#if (eq @key "inventory_hostname")}}{{this}}{{/if}}{{/each}}\n'],
    ['a unit template reading the host name', 'systemd_unit: { name: a.service, src: t.hbs }', '[Service]\nExecStart=/bin/echo {{ inventory_hostname }}\n'],
    ['a template whose file name is a template', 'template: { src: "{{ file }}", dest: /etc/t }', 'host {{ inventory_hostname }}\n'],
  ];
  it.each(perHostTemplates)('%s: each host gets its own', (_what, task, text) => {
    const runs = build(`- hosts: all\n  vars: { file: t.hbs }\n  tasks:\n    - ${task}\n`, { 'templates/t.hbs': text });
    const e = executions(runs);
    for (const host of ['web1', 'web2', 'web3']) expect(JSON.stringify(e[host].args)).toContain(host);
  });

  it('a template reading only shared variables is one expansion', () => {
    const e = executions(build(`- hosts: all\n  tasks:\n    - template: { src: t.hbs, dest: /etc/t }\n`, { 'templates/t.hbs': 'base {{ base }}\n' }));
    expect(e.web1.args.content).toBe('base /srv\n');
    expect(e.web2).toBe(e.web1);
  });

  it('a secret value is never keyed: every host expands it, and it stays a secret', () => {
    const password = 'p@ss w0rd "$`#:/\'';
    const e = executions(build(`- hosts: all\n  tasks:\n    - copy: { dest: /etc/pw, content: "{{ pw }}" }\n`, {}, { pw: new Secret(password) }));
    for (const host of ['web1', 'web2', 'web3']) expect(isSecret(e[host].args.content)).toBe(true);
    expect(e.web2).not.toBe(e.web1);
  });

  it('a password its schema makes a Secret is shared, and stays a Secret', () => {
    const e = executions(build(`- hosts: all\n  vars: { pw: "p@ss w0rd \\"$\`#:/'" }\n  tasks:\n    - htpasswd: { path: /etc/h, users: [{ name: a, password: "{{ pw }}" }] }\n`));
    expect(isSecret(e.web1.args.users[0].password)).toBe(true);
    expect(e.web1.args.users[0].password.reveal()).toBe('p@ss w0rd "$`#:/\'');
    expect(e.web2).toBe(e.web1);
  });

  it('a loop over a host value stays per host; a when reading one too', () => {
    const play = `- hosts: all\n  tasks:\n    - file: { path: "/d/{{ item }}", state: directory }\n      loop: ["{{ port }}", x]\n      when: port == 81\n`;
    const e = executions(build(play));
    expect(e.web1.args.path).toBe('/d/81');
    expect(e.web3.skipReason).toMatch(/when: port == 81 is false/);
  });

  it('ansible_become decides become per host', () => {
    const inv = parseInventory(YamlSource.fromText(`hosts:\n  a: { vars: { ansible_become: true } }\n  b: {}\n`, 'hosts.yaml'));
    const dir = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - file: { path: /x, state: directory }\n` });
    const runs = compile(loadPlaybook(`${dir}/site.yaml`), inv);
    expect(runs.map((r) => staticTasks(r.plays[0])[0].become)).toEqual([true, false]);
  });
});
