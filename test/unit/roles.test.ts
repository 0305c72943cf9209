import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compile, staticTasks, type HostRun } from '../../src/compile.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { argumentProblems, type OptionSpec } from '../../src/roles/argument-specs.js';
import { findRole, roleCandidates, roleFile } from '../../src/roles/lookup.js';
import { isSecret } from '../../src/secret.js';
import { setVaultSecrets } from '../../src/vault/active.js';
import { encryptVaultText } from '../../src/vault/keyring.js';
import { YamlSource } from '../../src/yaml-source.js';
import { errorsOf } from '../support/config-errors.js';
import { writeProject } from '../support/provision.js';

const inventory = parseInventory(YamlSource.fromText('hosts:\n  h1: { vars: { port: 8080 } }\n', 'hosts.yaml'));

function build(files: Record<string, string>, playbook = 'site.yaml', options: Parameters<typeof compile>[2] = {}): HostRun[] {
  const dir = writeProject(files);
  return compile(loadPlaybook(join(dir, playbook)), inventory, options);
}

function shown(runs: HostRun[]): [string, unknown][] {
  return staticTasks(runs[0].plays[0]).map((t) => [t.name, (t.args as { msg?: unknown; content?: unknown }).msg ?? (t.args as { content?: unknown }).content]);
}

const play = (roles: string, tasks = '[]') => `- hosts: all\n  roles: ${roles}\n  tasks: ${tasks}\n`;

describe('role lookup', () => {
  it.each([
    ['beside the playbook first', ['playbooks/roles/r/tasks/main.yml', 'roles/r/tasks/main.yml'], 'playbooks/roles/r'],
    ["then the playbook's parent", ['roles/r/tasks/main.yml', 'extra/r/tasks/main.yml'], 'roles/r'],
    ['then the roles path', ['extra/r/tasks/main.yml'], 'extra/r'],
    ['then the name as a path', ['playbooks/r/tasks/main.yml'], 'playbooks/r'],
    ['nothing to find', ['other/tasks/main.yml'], undefined],
  ])('%s', (_, files, expected) => {
    const dir = writeProject(Object.fromEntries(files.map((f) => [f, '[]'])));
    const found = findRole('r', join(dir, 'playbooks'), [join(dir, 'extra')]);
    expect(found).toBe(expected && join(dir, expected));
  });

  it('lists the places it looked, in order', () => {
    expect(roleCandidates('r', '/p/playbooks', ['/x'])).toEqual(['/p/playbooks/roles/r', '/p/roles/r', '/x/r', '/p/playbooks/r']);
    expect(roleCandidates('/abs/r', '/p', [])).toEqual(['/abs/r']);
  });

  it.each([['main.yml'], ['main.yaml'], ['main'], ['main.json']])('finds tasks/%s', (name) => {
    const dir = writeProject({ [`tasks/${name}`]: '[]' });
    expect(roleFile(dir, 'tasks', 'main')).toBe(join(dir, 'tasks', name));
  });

  it('a role without the file: nothing', () => {
    expect(roleFile(writeProject({ 'defaults/main.yml': '{}' }), 'tasks', 'main')).toBeUndefined();
  });
});

describe('argument specs', () => {
  const opt = (o: Partial<OptionSpec>): OptionSpec => ({ type: 'str', required: false, ...o }) as OptionSpec;
  it.each<[string, Partial<OptionSpec>, unknown, string[]]>([
    ['nothing to check', { type: 'int' }, undefined, []],
    ['an int', { type: 'int' }, 8080, []],
    ['an int as text, as Ansible converts it', { type: 'int' }, '8080', []],
    ['not an int', { type: 'int' }, 'abc', ['"p" must be of type int, got "abc"']],
    ['a bool word', { type: 'bool' }, 'yes', []],
    ['not a bool', { type: 'bool' }, 'maybe', ['"p" must be of type bool, got "maybe"']],
    ['a list from a comma-separated text', { type: 'list', elements: 'str' }, 'a,b', []],
    ['list elements', { type: 'list', elements: 'int' }, [1, 'x'], ['"p" must be a list of int, item 1 is "x"']],
    ['a dict', { type: 'dict' }, { a: 1 }, []],
    ['not a dict', { type: 'dict' }, [1], ['"p" must be of type dict, got a list']],
    ['required and missing', { required: true }, undefined, ['"p" is required']],
    ['choices', { choices: ['a', 'b'] }, 'c', ['"p" must be one of "a", "b", got "c"']],
    ['a choice', { choices: ['a', 'b'] }, 'b', []],
    ['str takes anything (Ansible converts)', { type: 'str' }, 5, []],
  ])('%s', (_, spec, value, problems) => {
    expect(argumentProblems({ p: opt(spec) }, () => value)).toEqual(problems);
  });

  const specs = 'argument_specs:\n  main:\n    options:\n      web_port: { type: int, required: true }\n      mode: { type: str, choices: [a, b], default: a }\n';

  it('checked per host before the run; the error names role, option, the entry and the spec file', () => {
    const message = errorsOf(() => build({ 'site.yaml': play('\n    - role: web\n      web_port: high\n      mode: c'), 'roles/web/meta/argument_specs.yml': specs, 'roles/web/tasks/main.yml': '[]' }));
    expect(message).toMatch(/site\.yaml:3:7: role "web": argument "web_port" must be of type int, got "high" \(argument_specs in .*roles\/web\/meta\/argument_specs\.yml\)/);
    expect(message).toMatch(/site\.yaml:3:7: role "web": argument "mode" must be one of "a", "b", got "c"/);
  });

  it('a value from the inventory counts (Ansible checks the variables the role sees)', () => {
    expect(() => build({ 'site.yaml': play('[web]'), 'roles/web/meta/argument_specs.yml': specs.replace('web_port', 'port'), 'roles/web/tasks/main.yml': '[]' })).not.toThrow();
  });

  it('the spec of the tasks_from entry point', () => {
    const files = { 'site.yaml': play('[]', '\n    - import_role: { name: web, tasks_from: setup }'), 'roles/web/meta/argument_specs.yml': 'argument_specs:\n  setup:\n    options:\n      needed: { required: true }\n', 'roles/web/tasks/setup.yml': '[]' };
    expect(errorsOf(() => build(files))).toMatch(/role "web": argument "needed" is required/);
  });

  it('a role whose when: is false for the host is not checked', () => {
    const files = { 'site.yaml': play('\n    - role: web\n      when: false'), 'roles/web/meta/argument_specs.yml': 'argument_specs:\n  main:\n    options:\n      needed: { required: true }\n', 'roles/web/tasks/main.yml': '[]' };
    expect(() => build(files)).not.toThrow();
  });
});

describe('roles in a play', () => {
  it("a role's template and file are found in the role first, then the playbook's folders", () => {
    const runs = build({
      'playbooks/site.yaml': play('[web]', '\n    - template: { src: page.hbs, dest: /srv/play }'),
      'roles/web/tasks/main.yml': '- template: { src: page.hbs, dest: /srv/role }\n- template: { src: shared.hbs, dest: /srv/shared }\n- copy: { src: f.txt, dest: /srv/f }\n',
      'roles/web/templates/page.hbs': 'role page {{ port }}',
      'roles/web/files/f.txt': 'role file',
      'templates/page.hbs': 'top page',
      'templates/shared.hbs': 'top shared',
    }, 'playbooks/site.yaml');
    expect(shown(runs).map(([, c]) => c)).toEqual(['role page 8080', 'top shared', 'role file', 'top page']);
  });

  it("a role's handlers join the play's; a task notifies one by name or as ROLE : name", () => {
    const runs = build({
      'site.yaml': play('[web]', '\n    - copy: { dest: /srv/x, content: x }\n      notify: "web : reload"'),
      'roles/web/tasks/main.yml': '- copy: { dest: /srv/y, content: y }\n  notify: reload\n',
      'roles/web/handlers/main.yml': '- name: reload\n  service: { name: nginx, state: reloaded }\n',
    });
    expect(runs[0].plays[0].handlers.map((h) => [h.task.name, h.task.listen])).toEqual([['web : reload', ['reload']]]);
  });

  it('notifying a handler nobody defines is still an error', () => {
    expect(errorsOf(() => build({ 'site.yaml': play('[web]'), 'roles/web/tasks/main.yml': '- copy: { dest: /srv/y, content: y }\n  notify: nope\n' }))).toMatch(/roles\/web\/tasks\/main\.yml:2:11: notify: notifies handler "nope"/);
  });

  it.each([
    ['the same role twice runs once', '[web, web]', 1],
    ['with other parameters it runs again', '[{ role: web, x: 1 }, { role: web, x: 2 }]', 2],
  ])('%s', (_, roles, count) => {
    expect(shown(build({ 'site.yaml': play(roles), 'roles/web/tasks/main.yml': '- debug: { msg: hi }\n' })).length).toBe(count);
  });

  it.each([
    ['true', 2],
    ['yes', 2], // meta/main.yml is YAML 1.1, as Ansible reads it: `yes` was the string "yes" (no duplicates) under YAML 1.2
    ['no', 1],
  ])('allow_duplicates: %s', (value, count) => {
    const files = { 'roles/dup/meta/main.yml': `allow_duplicates: ${value}\n`, 'roles/dup/tasks/main.yml': '- debug: { msg: dup }\n' };
    expect(shown(build({ ...files, 'site.yaml': play('[dup, dup]') })).length).toBe(count);
  });

  it('allow_duplicates as a string is refused at its line, not guessed at', () => {
    const files = { 'roles/dup/meta/main.yml': 'allow_duplicates: "yes"\n', 'roles/dup/tasks/main.yml': '- debug: { msg: dup }\n' };
    expect(errorsOf(() => build({ ...files, 'site.yaml': play('[dup]') }))).toMatch(/roles\/dup\/meta\/main\.yml:1:19: allow_duplicates: expected true or false/);
  });

  it('allow_duplicates runs it each time; a dependency shared by two roles runs once', () => {
    const files = {
      'roles/a/meta/main.yml': 'dependencies: [common]\n',
      'roles/b/meta/main.yml': 'dependencies: [common]\n',
      'roles/a/tasks/main.yml': '- debug: { msg: a }\n',
      'roles/b/tasks/main.yml': '- debug: { msg: b }\n',
      'roles/common/tasks/main.yml': '- debug: { msg: common }\n',
      'roles/dup/meta/main.yml': 'allow_duplicates: true\n',
      'roles/dup/tasks/main.yml': '- debug: { msg: dup }\n',
    };
    expect(shown(build({ ...files, 'site.yaml': play('[a, b, dup, dup]') })).map(([, m]) => m)).toEqual(['common', 'a', 'b', 'dup', 'dup']);
  });

  it('a dependency cycle is an error naming the roles', () => {
    const message = errorsOf(() => build({ 'site.yaml': play('[a]'), 'roles/a/meta/main.yml': 'dependencies: [b]\n', 'roles/b/meta/main.yml': 'dependencies: [a]\n' }));
    expect(message).toMatch(/role dependency cycle: .*roles\/a -> .*roles\/b -> .*roles\/a/);
  });

  it('a role name from variables is an error at the entry', () => {
    expect(errorsOf(() => build({ 'site.yaml': play('["{{ r }}"]') }))).toMatch(/site\.yaml:2:11: a role's name comes from variables/);
  });

  it('a role that is not found names where it looked, at the entry', () => {
    expect(errorsOf(() => build({ 'site.yaml': play('[nope]') }))).toMatch(/site\.yaml:2:11: role "nope" not found \(looked in: /);
  });

  it('rolesPath (from the settings) is searched after roles/', () => {
    const dir = writeProject({ 'site.yaml': play('[shared]'), 'elsewhere/shared/tasks/main.yml': '- debug: { msg: shared }\n' });
    const runs = compile(loadPlaybook(join(dir, 'site.yaml')), inventory, { rolesPath: [join(dir, 'elsewhere')] });
    expect(shown(runs)).toEqual([['debug', 'shared']]);
  });

  it('an Ansible keyword provision does not carry out is refused on a role entry', () => {
    expect(errorsOf(() => build({ 'site.yaml': play('\n    - role: web\n      become_user: postgres'), 'roles/web/tasks/main.yml': '[]' }))).toMatch(/site\.yaml:4:7: become_user: "become_user" is an Ansible keyword provision does not support/);
  });

  describe('vault', () => {
    afterEach(() => setVaultSecrets([]));
    it('role defaults encrypted with ansible-vault, and !vault values in role vars, become secrets', () => {
      const secret = { id: 'default', password: Buffer.from('pw "$`@:/# x') };
      setVaultSecrets([secret]);
      const defaults = encryptVaultText(Buffer.from('db_password: "s3cr3t $x `y` @:/#"\n'), secret);
      const inline = encryptVaultText(Buffer.from('t0ken'), secret).split('\n').filter(Boolean).map((l) => `    ${l}`).join('\n');
      const runs = build({
        'site.yaml': play('[db]'),
        'roles/db/defaults/main.yml': defaults,
        'roles/db/vars/main.yml': `api_token: !vault |\n${inline}\n`,
        'roles/db/tasks/main.yml': '- copy: { dest: /srv/a, content: "{{ db_password }}" }\n- copy: { dest: /srv/b, content: "{{ api_token }}" }\n',
      });
      const [a, b] = staticTasks(runs[0].plays[0]).map((t) => (t.args as { content: unknown }).content);
      expect(isSecret(a) && a.reveal()).toBe('s3cr3t $x `y` @:/#');
      expect(isSecret(b) && b.reveal()).toBe('t0ken');
    });
  });

  it('nothing to do: a play without roles compiles as before', () => {
    expect(shown(build({ 'site.yaml': play('[]', '\n    - debug: { msg: plain }') }))).toEqual([['debug', 'plain']]);
  });
});
