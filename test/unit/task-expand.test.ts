import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../src/errors.js';
import { UNKNOWN } from '../../src/expr/index.js';
import { expandTask, OMIT, type CompiledTask } from '../../src/task-expand.js';
import { parseTasks, type ParsedTask } from '../../src/task-tree.js';
import { YamlSource } from '../../src/yaml-source.js';

/**
 * One task, expanded for one host: the rules of run-time rendering and of
 * check mode, as data. `vars` may hold UNKNOWN (a result check mode cannot
 * know): the task is then shown as unknown, never guessed.
 */
function expand(task: string, vars: Record<string, unknown>, extraVars: Record<string, unknown> = {}): { executions: CompiledTask[] | null; errors: string[] } {
  const source = YamlSource.fromText(`- ${task.replace(/\n/g, '\n  ')}\n`, 'site.yaml');
  const errors: ConfigError[] = [];
  const [parsed] = parseTasks(source.data as Record<string, unknown>[], [], source, (e) => errors.push(e));
  if (!parsed) return { executions: null, errors: errors.map((e) => e.message) };
  const executions = expandTask(parsed as ParsedTask, vars, { source, playbookFile: 'site.yaml', extraVars, report: (e) => errors.push(e) });
  return { executions, errors: errors.map((e) => e.message) };
}

/** The arguments a test writes (schemas add defaults such as force: false). */
const shown = (args: any): string => JSON.stringify(Object.fromEntries(['path', 'dest', 'content', 'state', 'mode'].filter((k) => args[k] !== undefined).map((k) => [k, args[k]])));
const summary = (x: CompiledTask): string => (x.unknown ? `unknown: ${x.unknown}` : x.skipReason ? `skip: ${x.skipReason}` : `${x.label !== undefined ? `[${x.label}] ` : ''}${shown(x.args)}`);

const out = { changed: true, failed: false, rc: UNKNOWN, stdout: UNKNOWN };

const cases: { name: string; task: string; vars?: Record<string, unknown>; extra?: Record<string, unknown>; want: string[] | RegExp }[] = [
  { name: 'nothing to decide: one execution, arguments rendered', task: 'file: { path: "/srv/{{ app }}", state: directory }', vars: { app: 'a' }, want: ['{"path":"/srv/a","state":"directory"}'] },
  { name: 'when false: skipped with the condition', task: 'when: app == "b"\nfile: { path: /x, state: directory }', vars: { app: 'a' }, want: ['skip: when: app == "b" is false'] },
  { name: 'when false: arguments are not rendered (they may read what is missing)', task: 'when: false\nfile: { path: "{{ missing }}", state: directory }', want: ['skip: when: false is false'] },
  { name: 'when reads an unknown output: unknown, not guessed', task: 'when: out.stdout == "x"\nfile: { path: /x, state: directory }', vars: { out }, want: [/^unknown: when: out.stdout == "x" depends on/] as unknown as string[] },
  { name: 'a whole unknown result: unknown', task: 'when: out.rc == 0\nfile: { path: /x, state: directory }', vars: { out: UNKNOWN }, want: [/^unknown: when:/] as unknown as string[] },
  { name: 'arguments read an unknown output: unknown', task: 'copy: { dest: /x, content: "{{ out.stdout }}" }', vars: { out }, want: ['unknown: its arguments depend on a result check mode cannot know'] },
  { name: 'known parts of a simulated result decide', task: 'when: out.changed\nfile: { path: /x, state: directory }', vars: { out }, want: ['{"path":"/x","state":"directory"}'] },
  { name: 'a loop over a list: one execution per item, labelled', task: 'loop: [a, b]\nfile: { path: "/srv/{{ item }}", state: directory }', want: ['[a] {"path":"/srv/a","state":"directory"}', '[b] {"path":"/srv/b","state":"directory"}'] },
  { name: 'loop_control: loop_var, index_var, label', task: 'loop: "{{ users }}"\nloop_control: { loop_var: u, index_var: i, label: "{{ u.name }}" }\nfile: { path: "/home/{{ i }}-{{ u.name }}", state: directory }', vars: { users: [{ name: 'ann', pw: 's' }] }, want: ['[ann] {"path":"/home/0-ann","state":"directory"}'] },
  { name: 'when is decided per item', task: 'loop: [1, 2, 3]\nwhen: item != 2\nfile: { path: "/n/{{ item }}", state: directory }', want: ['[1] {"path":"/n/1","state":"directory"}', 'skip: when: item != 2 is false', '[3] {"path":"/n/3","state":"directory"}'] },
  { name: 'with_items flattens one level', task: 'with_items: [[a, b], c]\nfile: { path: "/{{ item }}", state: directory }', want: ['[a] {"path":"/a","state":"directory"}', '[b] {"path":"/b","state":"directory"}', '[c] {"path":"/c","state":"directory"}'] },
  { name: 'an empty loop: no execution', task: 'loop: []\nfile: { path: /x, state: directory }', want: [] },
  { name: 'a loop over an unknown list: unknown', task: 'loop: "{{ out.stdout_lines }}"\nfile: { path: "/{{ item }}", state: directory }', vars: { out: { ...out, stdout_lines: UNKNOWN } }, want: ['unknown: its loop depends on a result check mode cannot know'] },
  { name: "omit: an argument that renders to it is left out (Ansible's omit)", task: 'file: { path: /x, state: directory, mode: "{{ default m omit }}" }', vars: { m: '', omit: OMIT }, want: ['{"path":"/x","state":"directory"}'] },
  { name: 'omit: a set value is kept', task: 'file: { path: /x, state: directory, mode: "{{ default m omit }}" }', vars: { m: '0750', omit: OMIT }, want: ['{"path":"/x","state":"directory","mode":"0750"}'] },
  { name: 'task vars over the host variables, -e over both', task: 'vars: { a: task, b: task }\ncopy: { dest: /x, content: "{{ a }} {{ b }}" }', vars: { a: 'play', b: 'cli' }, extra: { b: 'cli' }, want: ['{"dest":"/x","content":"task cli"}'] },
];

describe('expanding a task for a host (run-time rendering and check-mode rules)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { executions, errors } = expand(c.task, c.vars ?? {}, c.extra);
      expect(errors).toEqual([]);
      const got = executions!.map(summary);
      const want = c.want as (string | RegExp)[];
      expect(got).toHaveLength(want.length);
      want.forEach((w, i) => (typeof w === 'string' ? expect(got[i]).toBe(w) : expect(got[i]).toMatch(w)));
    });
  }

  it('a loop over something that is not a list: an error naming the file, line and field', () => {
    const { executions, errors } = expand('loop: "{{ n }}"\nfile: { path: /x, state: directory }', { n: 3 });
    expect(executions).toBeNull();
    expect(errors).toEqual(['site.yaml:1:9: loop: a loop needs a list, got a number (3)']);
  });

  it('Ansible keywords and modules provision does not have: named, with what to use', () => {
    expect(expand('delegate_to: localhost\ncommand: "true"', {}).errors[0]).toMatch(/delegate_to/);
    expect(expand('ansible.builtin.shell: echo hi', {}).errors[0]).toMatch(/command/);
    expect(expand('block: []\nloop: [a]', {}).errors[0]).toMatch(/loop/);
  });
});
