import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, staticTasks, type HostRun } from '../../src/compile.js';
import { listPlaybook } from '../../src/commands/list.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { YamlSource } from '../../src/yaml-source.js';
import { errorsOf } from '../support/config-errors.js';
import { writeProject } from '../support/provision.js';

const inventory = parseInventory(YamlSource.fromText('hosts:\n  h1: { vars: { users: [ann, bob] } }\n', 'hosts.yaml'));

function build(files: Record<string, string>, playbook = 'site.yaml', options: Parameters<typeof compile>[2] = {}): HostRun[] {
  return compile(loadPlaybook(join(writeProject(files), playbook)), inventory, options);
}

const msgs = (runs: HostRun[]): unknown[] => runs[0].plays.flatMap((p) => staticTasks(p).map((t) => (t.args as { msg?: unknown }).msg ?? t.name));

const play = (tasks: string, extra = '') => `- hosts: all\n${extra}  tasks:\n${tasks}`;

describe('import_tasks and include_tasks', () => {
  it("a file relative to the importing file; in a role, the role's tasks/ too", () => {
    const runs = build({
      'playbooks/site.yaml': play('    - import_tasks: ../shared/a.yaml\n    - import_role: { name: r }\n'),
      'shared/a.yaml': '- import_tasks: sub/b.yaml\n',
      'shared/sub/b.yaml': '- debug: { msg: b beside a }\n',
      'roles/r/tasks/main.yaml': '- import_tasks: nested/c.yaml\n',
      'roles/r/tasks/nested/c.yaml': '- import_tasks: d.yaml\n',
      'roles/r/tasks/d.yaml': '- debug: { msg: d in the role tasks dir }\n',
    }, 'playbooks/site.yaml');
    expect(msgs(runs)).toEqual(['b beside a', 'd in the role tasks dir']);
  });

  it("an import's keywords reach its tasks (when, tags); an include's tags do not", () => {
    const runs = build({
      'site.yaml': play('    - import_tasks: t.yaml\n      when: false\n    - include_tasks: t.yaml\n      tags: [inc]\n'),
      't.yaml': '- debug: { msg: t }\n',
    });
    const tasks = staticTasks(runs[0].plays[0]);
    expect(tasks.map((t) => [t.skipReason !== undefined, t.tags])).toEqual([[true, []], [false, []]]);
    // -t inc runs the include, whose untagged task is then left out, as in Ansible.
    expect(staticTasks(build({ 'site.yaml': play('    - include_tasks: t.yaml\n      tags: [inc]\n'), 't.yaml': '- debug: { msg: t }\n' }, 'site.yaml', { tags: ['inc'] })[0].plays[0])).toEqual([]);
  });

  it('include_tasks with a loop over a host variable: the tasks once per item', () => {
    const runs = build({ 'site.yaml': play('    - include_tasks: u.yaml\n      loop: "{{ users }}"\n      loop_control: { loop_var: u, index_var: i }\n'), 'u.yaml': '- debug: { msg: "{{ i }}={{ u }}" }\n' });
    expect(msgs(runs)).toEqual(['0=ann', '1=bob']);
  });

  it.each([
    ['a cycle', { 'site.yaml': play('    - import_tasks: a.yaml\n'), 'a.yaml': '- import_tasks: b.yaml\n', 'b.yaml': '- import_tasks: a.yaml\n' }, /b\.yaml:1:17: import_tasks: include cycle: .*site\.yaml -> .*a\.yaml -> .*b\.yaml -> .*a\.yaml \(imported by .*a\.yaml:1:3; imported by .*site\.yaml:3:7\)/],
    ['an error in an imported file names its file, line, column and the chain', { 'site.yaml': play('    - import_tasks: a.yaml\n'), 'a.yaml': '- debug: { msg: ok }\n- copy: { dest: rel, content: x }\n' }, /a\.yaml:2:17: copy\.dest: .*absolute.* \(imported by .*site\.yaml:3:7\)/],
    ['a template error at compile time too', { 'site.yaml': play('    - import_tasks: a.yaml\n'), 'a.yaml': '- debug: { msg: "{{ nope }}" }\n' }, /a\.yaml:1:17: debug\.msg: .*nope.* \(imported by .*site\.yaml:3:7\)/],
    ['a file name from variables', { 'site.yaml': play('    - include_tasks: "{{ f }}.yaml"\n') }, /site\.yaml:3:22: tasks\[0\]\.include_tasks: the file's name comes from variables/],
    ['a loop on an import', { 'site.yaml': play('    - import_tasks: a.yaml\n      loop: [1]\n'), 'a.yaml': '[]' }, /import_tasks cannot loop \(as in Ansible\): use include_tasks/],
    ['a loop over a registered result', { 'site.yaml': play('    - command: { argv: [ls] }\n      register: out\n    - include_tasks: a.yaml\n      loop: "{{ out.stdout_lines }}"\n'), 'a.yaml': '- debug: { msg: x }\n' }, /the loop of this include reads "out", known only during the run/],
    ['a missing file', { 'site.yaml': play('    - import_tasks: nope.yaml\n') }, /tasks file "nope\.yaml" not found \(looked in: /],
    ['a keyword an import does not take', { 'site.yaml': play('    - import_tasks: a.yaml\n      register: x\n'), 'a.yaml': '[]' }, /"register" is not supported on import_tasks/],
  ])('%s', (_, files, message) => {
    expect(errorsOf(() => build(files as Record<string, string>))).toMatch(message);
  });

  it('an error in a role names the role and the entry that brought it', () => {
    const message = errorsOf(() => build({ 'playbooks/site.yaml': '- hosts: all\n  roles: [nginx]\n', 'roles/nginx/tasks/main.yaml': '- debug: { msg: ok }\n- copy: { dest: rel, content: x }\n' }, 'playbooks/site.yaml'));
    expect(message).toMatch(/roles\/nginx\/tasks\/main\.yaml:2:17: copy\.dest: .* \(role nginx from .*playbooks\/site\.yaml:2:11\)/);
  });
});

describe('play sections', () => {
  const handler = '  handlers:\n    - name: h\n      debug: { msg: handler }\n';
  it('pre_tasks, a handler flush, roles, tasks, a flush, post_tasks, in that order', () => {
    const runs = build({
      'site.yaml': `- hosts: all\n  post_tasks: [{ debug: { msg: post } }]\n  tasks: [{ debug: { msg: task } }]\n  roles: [r]\n  pre_tasks: [{ debug: { msg: pre } }]\n${handler}`,
      'roles/r/tasks/main.yml': '- debug: { msg: role }\n',
    });
    expect(msgs(runs)).toEqual(['pre', 'meta flush_handlers', 'role', 'task', 'meta flush_handlers', 'post']);
  });

  it('nothing to flush without handlers; nothing added to a plain play', () => {
    expect(msgs(build({ 'site.yaml': '- hosts: all\n  pre_tasks: [{ debug: { msg: pre } }]\n  tasks: [{ debug: { msg: task } }]\n' }))).toEqual(['pre', 'task']);
  });

  it('the flushes are not listed', () => {
    const dir = writeProject({ 'site.yaml': `- hosts: all\n  pre_tasks: [{ name: pre, debug: { msg: pre } }]\n  post_tasks: [{ name: post, debug: { msg: post } }]\n${handler}` });
    const text = listPlaybook(loadPlaybook(join(dir, 'site.yaml')), inventory, { hosts: false, tasks: true, tags: false }, {});
    expect(text).toContain('      pre\tTAGS: []\n      post\tTAGS: []\n');
  });

  it('vars_files: relative to the playbook, above play vars, below -e', () => {
    const files = { 'p/site.yaml': play('    - debug: { msg: "{{ a }} {{ b }}" }\n', '  vars: { a: play, b: play }\n  vars_files: [vars/x.yaml]\n'), 'p/vars/x.yaml': 'a: file\nb: file\n' };
    expect(msgs(build(files, 'p/site.yaml', { extraVars: { b: 'extra' } }))).toEqual(['file extra']);
  });

  it.each([
    ['a missing vars file', '[nope.yaml]', /site\.yaml:2:16: vars_files\[0\]: cannot read file: ENOENT \(.*nope\.yaml\)/],
    ['a vars file name from variables', '["{{ env }}.yaml"]', /vars_files\[0\]: a vars_files entry is a file name/],
  ])('%s', (_, list, message) => {
    expect(errorsOf(() => build({ 'site.yaml': play('    - debug: { msg: x }\n', `  vars_files: ${list}\n`) }))).toMatch(message);
  });

  it('import_playbook: the plays of the file, relative to the importing one, in place', () => {
    const runs = build({
      'site.yaml': `- hosts: all\n  tasks: [{ debug: { msg: one } }]\n- import_playbook: more/two.yaml\n- hosts: all\n  tasks: [{ debug: { msg: three } }]\n`,
      'more/two.yaml': '- hosts: all\n  tasks: [{ import_tasks: t.yaml }]\n',
      'more/t.yaml': '- debug: { msg: two }\n',
    });
    expect(msgs(runs)).toEqual(['one', 'two', 'three']);
  });

  it("an imported playbook's templates are found beside it", () => {
    const runs = build({
      'site.yaml': '- import_playbook: sub/web.yaml\n',
      'sub/web.yaml': '- hosts: all\n  tasks: [{ template: { src: page.hbs, dest: /srv/page } }]\n',
      'sub/templates/page.hbs': 'beside the imported playbook',
    });
    expect(staticTasks(runs[0].plays[0]).map((t) => (t.args as { content: string }).content)).toEqual(['beside the imported playbook']);
  });

  it('import_playbook cycles and bad entries are errors', () => {
    const dir = writeProject({ 'a.yaml': '- import_playbook: b.yaml\n', 'b.yaml': '- import_playbook: a.yaml\n', 'c.yaml': '- import_playbook: a.yaml\n  when: x\n' });
    expect(() => loadPlaybook(join(dir, 'a.yaml'))).toThrow(/import_playbook cycle: .*a\.yaml -> .*b\.yaml -> .*a\.yaml/);
    expect(() => loadPlaybook(join(dir, 'c.yaml'))).toThrow(/import_playbook takes only the file \(and a name\); "when" is not supported here/);
  });
});
