import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { YamlSource } from '../../src/yaml-source.js';
import { writeProject } from '../support/provision.js';

const inventoryText = `hosts:
  web1: { address: 10.0.0.1 }
  web2: { address: 10.0.0.2 }
groups:
  web: { hosts: [web1, web2] }
`;

/** Compiles a playbook text and returns the error messages (or [] when valid). */
function problems(playbook: string, files: Record<string, string> = {}, extraVars: Record<string, unknown> = {}): string[] {
  const dir = writeProject({ 'playbooks/site.yaml': playbook, ...files });
  try {
    const pb = loadPlaybook(`${dir}/playbooks/site.yaml`);
    compile(pb, parseInventory(YamlSource.fromText(inventoryText, 'inventory/hosts.yaml')), { extraVars });
    return [];
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors.map((e) => e.message.replace(dir + '/', ''));
    if (err instanceof ConfigError) return [err.message.replace(dir + '/', '')];
    throw err;
  }
}

describe('bad input is reported with file:line:column and field', () => {
  it.each([
    [
      'wrong type for a task argument',
      `- hosts: web\n  tasks:\n    - name: a\n      file: { path: /tmp/x, state: directory }\n    - name: b\n      file:\n        path: 42\n`,
      /playbooks\/site\.yaml:7:15: tasks\[1\]\.file\.path: expected string, received number/,
    ],
    ['unknown key in a task', `- hosts: web\n  tasks:\n    - file: { path: /tmp/x, stat: directory }\n`, /site\.yaml:3:29: tasks\[0\]\.file: unknown key "stat"/],
    ['unknown key in a play', `- hosts: web\n  taks: []\n`, /site\.yaml:2:3: unknown key "taks"/],
    // Without a vault password, a !vault value is an error at its line, never its ciphertext as the value.
    ['an encrypted !vault value in play vars', `- hosts: web\n  vars:\n    pw: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n  tasks: []\n`, /site\.yaml:3:9: !vault value: .*no vault password was given/],
    ['unknown task type with a suggestion', `- hosts: web\n  tasks:\n    - fille: { path: /tmp/x }\n`, /site\.yaml:3:7: tasks\[0\]: unknown task type "fille" \(did you mean "file"\?\)/],
    ['two task types in one task', `- hosts: web\n  tasks:\n    - file: { path: /tmp/x }\n      copy: { dest: /tmp/y, content: x }\n`, /tasks\[0\]: a task has exactly one task type, found "file", "copy"/],
    ['missing variable', `- hosts: web\n  tasks:\n    - copy: { dest: /tmp/y, content: "{{ greting }}" }\n`, /site\.yaml:3:38: tasks\[0\]\.copy\.content: variable "greting" is not defined/],
    ['notified handler not defined', `- hosts: web\n  tasks:\n    - copy: { dest: /tmp/y, content: x }\n      notify: reload nginx\n`, /site\.yaml:4:15: tasks\[0\]\.notify: notifies handler "reload nginx", which this play does not define/],
    ['hosts pattern naming no group', `- hosts: wbe\n  tasks: []\n`, /site\.yaml:1:10: hosts: no host or group named "wbe"/],
    ['malformed YAML', `- hosts: web\n  tasks: [\n`, /site\.yaml:\d+:\d+: invalid YAML/],
    ['relative path', `- hosts: web\n  tasks:\n    - file: { path: etc/x }\n`, /tasks\[0\]\.file\.path: expected an absolute path/],
    ['path with ..', `- hosts: web\n  tasks:\n    - file: { path: /etc/../root }\n`, /a path may not contain "\.\." segments/],
    ['bad mode', `- hosts: web\n  tasks:\n    - file: { path: /x, state: directory, mode: "0999" }\n`, /expected an octal mode/],
    // Ansible stops too ("is not a valid boolean"); read as false, the task would run without sudo.
    ['ansible_become that is no boolean', `- hosts: web\n  become: true\n  vars: { ansible_become: maybe }\n  tasks:\n    - command: id\n`, /site\.yaml:5:7: tasks\[0\]: host web1: ansible_become: "maybe" is not a boolean/],
    ['template file missing', `- hosts: web\n  tasks:\n    - template: { src: nope.hbs, dest: /x }\n`, /tasks\[0\]\.template\.src: template "nope\.hbs" not found/],
    ['bad when', `- hosts: web\n  tasks:\n    - file: { path: /x, state: directory }\n      when: nosuchvar\n`, /site\.yaml:4:13: tasks\[0\]\.when: variable "nosuchvar" is not defined/],
  ])('%s', (_label, playbook, expected) => {
    const found = problems(playbook);
    expect(found.join('\n')).toMatch(expected);
  });

  it('template syntax errors and missing variables inside a template name the template file and line', () => {
    const found = problems(`- hosts: web\n  tasks:\n    - template: { src: site.conf.hbs, dest: /x }\n`, {
      'templates/site.conf.hbs': 'server {\n  listen 80;\n  server_name {{ domian }};\n}\n',
    });
    expect(found.join('\n')).toMatch(/templates\/site\.conf\.hbs:3:\d+: variable "domian" is not defined/);
    const syntax = problems(`- hosts: web\n  tasks:\n    - template: { src: t.hbs, dest: /x }\n`, { 'templates/t.hbs': 'a\n{{#if x}}\nb\n' });
    expect(syntax.join('\n')).toMatch(/templates\/t\.hbs:\d+: template syntax error/);
  });

  it('reports each problem once, not once per host, and all of them together', () => {
    const found = problems(`- hosts: web\n  tasks:\n    - copy: { dest: /tmp/y, content: "{{ a }}" }\n    - copy: { dest: /tmp/z, content: "{{ b }}" }\n`);
    expect(found).toHaveLength(2);
  });

  it('verify: checks are checked for provision test only (they may use test-only variables)', () => {
    const dir = writeProject({ 'site.yaml': `- hosts: web\n  tasks: []\n  verify:\n    - tcp: { port: 99999 }\n    - http: { url: "https://{{ sandbox_only }}/" }\n` });
    const inv = parseInventory(YamlSource.fromText(inventoryText, 'inventory/hosts.yaml'));
    expect(() => compile(loadPlaybook(`${dir}/site.yaml`), inv, {})).not.toThrow();
    let message = '';
    try {
      compile(loadPlaybook(`${dir}/site.yaml`), inv, { verify: true });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/site\.yaml:4:\d+: verify\[0\]\.tcp\.port: Too big/);
    expect(message).toMatch(/site\.yaml:5:\d+: verify\[1\]\.http\.url: variable "sandbox_only" is not defined/);
  });

  it('a valid playbook compiles', () => {
    expect(problems(`- hosts: web\n  vars: { greeting: hi }\n  tasks:\n    - copy: { dest: /tmp/y, content: "{{ greeting }}" }\n`)).toEqual([]);
  });
});

describe('inventory errors', () => {
  it.each([
    ['unknown host key', `hosts:\n  web1: { adress: 10.0.0.1 }\n`, /hosts\.yaml:2:11: hosts\.web1: unknown key "adress"/],
    ['group names a missing host', `hosts:\n  web1: {}\ngroups:\n  web: { hosts: [web1, web3] }\n`, /hosts\.yaml:4:24: groups\.web\.hosts\[1\]: host "web3" is not defined/],
    ['port out of range', `hosts:\n  web1: { port: 70000 }\n`, /hosts\.web1\.port: Too big/i],
  ])('%s', (_l, text, expected) => {
    let message = '';
    try {
      parseInventory(YamlSource.fromText(text, 'inventory/hosts.yaml'));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(expected);
  });
});
