import { describe, expect, it } from 'vitest';
import { compile, staticTasks, type HostRun } from '../../src/compile.js';
import { ConfigError } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { isSecret, Secret } from '../../src/secret.js';
import { YamlSource } from '../../src/yaml-source.js';
import { writeProject } from '../support/provision.js';

const inventory = parseInventory(
  YamlSource.fromText(
    `hosts:
  web1: { vars: { who: host, port: 81 } }
  web2: {}
groups:
  web: { hosts: [web1, web2], vars: { who: group, tier: web } }
vars: { who: all, base: "/srv", tier: all }
`,
    'hosts.yaml',
  ),
);

function build(playbook: string, options: Parameters<typeof compile>[2] = {}, files: Record<string, string> = {}): HostRun[] {
  const dir = writeProject({ 'site.yaml': playbook, ...files });
  return compile(loadPlaybook(`${dir}/site.yaml`), inventory, options);
}

function argsOf(runs: HostRun[], host: string, i = 0): any {
  return runs.find((r) => r.host.name === host)!.plays.map(staticTasks)[0][i].args;
}

describe('variables', () => {
  const play = `- hosts: web
  vars: { dir: "{{ base }}/app" }
  tasks:
    - copy: { dest: "{{ dir }}/who", content: "{{ who }} {{ tier }} {{ inventory_hostname }} {{ groups.web.length }}" }
`;

  it('precedence: all < group < host < play vars < -e', () => {
    const runs = build(play);
    expect(argsOf(runs, 'web1')).toMatchObject({ dest: '/srv/app/who', content: 'host web web1 2' });
    expect(argsOf(runs, 'web2')).toMatchObject({ content: 'group web web2 2' });
    const extra = build(play, { extraVars: { who: 'cli', base: '/opt' } });
    expect(argsOf(extra, 'web1')).toMatchObject({ dest: '/opt/app/who', content: 'cli web web1 2' });
  });

  it("a sudo password given with -e becomes every host's, over the inventory's", () => {
    const withOwn = parseInventory(YamlSource.fromText(`hosts:\n  web1: { become_password: inventory-pw }\n  web2: {}\n`, 'hosts.yaml'));
    const dir = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - command: { argv: ["true"] }\n` });
    const run = (extraVars: Record<string, unknown>) => compile(loadPlaybook(`${dir}/site.yaml`), withOwn, { extraVars }).map((r) => r.target.becomePassword?.reveal());
    expect(run({})).toEqual(['inventory-pw', undefined]);
    const secret = new Secret('from-e');
    for (const name of ['become_password', 'ansible_become_password', 'ansible_become_pass']) expect(run({ [name]: secret })).toEqual(['from-e', 'from-e']);
    // The inventory's own host stays as it was: other runs of the same inventory are not affected.
    expect(withOwn.hosts.get('web1')!.vars.become_password).toBe('inventory-pw');
  });

  it('an -e value that is a template is rendered with the host\'s variables, never sent with its braces', () => {
    const runs = build(play, { extraVars: { base: '/srv/{{ inventory_hostname }}/{{ tier }}' } });
    expect(argsOf(runs, 'web1').dest).toBe('/srv/web1/web/app/who');
  });

  it('play defaults are the lowest level: inventory and -e override them, play vars do too', () => {
    const play = `- hosts: web
  defaults: { who: default, only_default: d, port_default: "{{ port }}" }
  tasks:
    - copy: { dest: /x, content: "{{ who }} {{ only_default }} {{ port_default }}" }
`;
    // web1 has who=host and port=81 in the inventory; web2 only the group's who.
    expect(argsOf(build(play, { limit: 'web1' }), 'web1').content).toBe('host d 81');
    expect(argsOf(build(play, { limit: 'web1', extraVars: { only_default: 'cli' } }), 'web1').content).toBe('host cli 81');
  });

  it('a value that is exactly one variable keeps its type (list, number, secret)', () => {
    const runs = build(
      `- hosts: web1
  vars: { mode: 0640 }
  tasks:
    - file: { path: /x, state: directory, mode: "{{ mode }}" }
    - copy: { dest: /y, content: "{{ pw }}" }
`,
      { extraVars: { pw: new Secret('s3cret-pw') } },
    );
    expect(argsOf(runs, 'web1', 0).mode).toBe('0640');
    expect(isSecret(argsOf(runs, 'web1', 1).content)).toBe(true);
  });

  it('templates in templates/ are found from a playbook in playbooks/ and rendered per host', () => {
    const dir = writeProject({
      'playbooks/site.yaml': `- hosts: web\n  tasks:\n    - template: { src: app/conf.hbs, dest: /etc/app.conf }\n`,
      'templates/app/conf.hbs': 'listen {{ port }};\nhost {{ inventory_hostname }};\n',
    });
    let message = '';
    try {
      compile(loadPlaybook(`${dir}/playbooks/site.yaml`), inventory, {});
    } catch (err) {
      message = (err as Error).message;
    }
    // web2 has no port: the error names the template line; web1 alone renders.
    expect(message).toMatch(/templates\/app\/conf\.hbs:1:\d+: variable "port" is not defined/);
    const runs = compile(loadPlaybook(`${dir}/playbooks/site.yaml`), inventory, { limit: 'web1' });
    expect(argsOf(runs, 'web1').content).toBe('listen 81;\nhost web1;\n');
  });
});

describe('host facts are read only when used (gather_facts unset), or when asked', () => {
  const gathers = (playbook: string, files: Record<string, string> = {}): boolean[] => build(playbook, {}, files).find((r) => r.host.name === 'web1')!.plays.map((p) => p.gatherFacts);
  const templateTask = `- hosts: web1\n  tasks:\n    - template: { src: site.hbs, dest: /a }\n`;
  it.each([
    ['a template file reads one', { 'templates/site.hbs': 'release={{ansible_distribution_release}}\n' }, [true]],
    ['a template file reads one inside a helper', { 'templates/site.hbs': '{{#if (eq ansible_distribution_release "bookworm")}}old{{/if}}\n' }, [true]],
    ['a template file reads none', { 'templates/site.hbs': 'who={{who}}\n' }, [false]],
  ])('%s', (_name, files, want) => expect(gathers(templateTask, files)).toEqual(want));
  it("a role argument that reads a host fact is not known before the run: its argument_specs do not refuse it (a missing one still is)", () => {
    const role = {
      'roles/r/tasks/main.yaml': '- debug: { msg: "{{ x }}" }\n',
      'roles/r/meta/argument_specs.yaml': 'argument_specs: { main: { options: { x: { type: str, required: true } } } }\n',
    };
    const play = (vars: string) => `- hosts: web1\n  tasks:\n    - include_role: { name: r }\n      vars: ${vars}\n`;
    expect(gathers(play('{ x: "{{ ansible_distribution_release }}" }'), role)).toEqual([true]);
    expect(() => gathers(play('{ y: 1 }'), role)).toThrow(/role "r": argument "x" is required/);
  });

  it("a role's template file that reads a fact: found in the role, so the play reads facts", () => {
    const role = { 'roles/site/tasks/main.yaml': '- template: { src: site.hbs, dest: /a }\n', 'roles/site/templates/site.hbs': 'release={{ansible_distribution_release}}\n', 'templates/site.hbs': 'who={{who}}\n' };
    expect(gathers(`- hosts: web1\n  roles: [site]\n`, role)).toEqual([true]);
  });
  it.each([
    ['nothing uses them', `- hosts: web1\n  tasks:\n    - file: { path: /a, state: directory }\n`, [false]],
    ['a condition reads one', `- hosts: web1\n  tasks:\n    - file: { path: /a, state: directory }\n      when: ansible_distribution_release == "trixie"\n`, [true]],
    ['a template reads one', `- hosts: web1\n  tasks:\n    - copy: { dest: /a, content: "{{ ansible_facts.hostname }}" }\n`, [true]],
    ['an assert reads one', `- hosts: web1\n  tasks:\n    - assert: { that: ansible_os_family == "Debian" }\n`, [true]],
    ['gather_facts: true', `- hosts: web1\n  gather_facts: true\n  tasks: []\n`, [true]],
    ['gather_facts: false wins', `- hosts: web1\n  gather_facts: false\n  tasks:\n    - debug: { msg: "{{ ansible_hostname }}" }\n`, [false]],
  ])('%s', (_name, playbook, want) => expect(gathers(playbook)).toEqual(want));

  it('a task that reads a fact is rendered at run time, the others before the run', () => {
    const [run] = build(`- hosts: web1\n  tasks:\n    - copy: { dest: /a, content: "{{ ansible_hostname }}" }\n    - copy: { dest: /b, content: "{{ who }}" }\n`, { limit: 'web1' });
    const nodes = run.plays[0].nodes as any[];
    expect(nodes.map((n) => n.iterations?.length ?? 'at run time')).toEqual(['at run time', 1]);
  });
});

describe('selection', () => {
  const play = `- hosts: all
  tasks:
    - { name: one, file: { path: /a, state: directory }, tags: [setup] }
    - { name: two, file: { path: /b, state: directory }, tags: web }
    - { name: three, file: { path: /c, state: directory }, when: "tier == 'nope'" }
    - { name: four, file: { path: /d, state: directory }, tags: [always] }
`;
  const names = (runs: HostRun[]): string[] => staticTasks(runs[0].plays[0]).map((t) => t.name + (t.skipReason ? ' (skip)' : ''));

  it('--tags, --skip-tags and when', () => {
    expect(names(build(play))).toEqual(['one', 'two', 'three (skip)', 'four']);
    expect(names(build(play, { tags: ['web'] }))).toEqual(['two', 'four']);
    expect(names(build(play, { skipTags: ['setup', 'always'] }))).toEqual(['two', 'three (skip)']);
  });

  it('tags on a block apply to its tasks; a block keeps its rescue and always', () => {
    const runs = build(`- hosts: web1
  tasks:
    - tags: [db]
      block:
        - { name: in-block, file: { path: /a, state: directory } }
      rescue:
        - { name: in-rescue, file: { path: /b, state: directory } }
    - { name: outside, file: { path: /c, state: directory } }
`, { tags: ['db'] });
    expect(names(runs)).toEqual(['in-block', 'in-rescue']);
  });

  it('--limit narrows hosts and refuses a pattern that matches nothing', () => {
    expect(build(play, { limit: 'web2' }).map((r) => r.host.name)).toEqual(['web2']);
    expect(build(play, { limit: 'all:!web1' }).map((r) => r.host.name)).toEqual(['web2']);
    expect(() => build(play, { limit: 'nope' })).toThrow(ConfigError);
  });
});

