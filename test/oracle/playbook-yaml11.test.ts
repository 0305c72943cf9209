import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../src/playbook.js';
import { runCli, writeProject, type ProvisionResult } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * A playbook's scalars as Ansible reads them (PyYAML, YAML 1.1), against ansible-playbook 2.14:
 * the same playbook file run by Ansible on this machine (connection local) and by provision
 * through a real sshd on loopback. Compared: every variable's value (each shown by `debug: var:`,
 * and its type as provision's loader holds it against Ansible's `type_debug`), which tasks ran or
 * were skipped by `when:` conditions over those values, keywords written in YAML 1.1 (`become: no`,
 * `ignore_errors: yes`, `changed_when: no`), and the modes of files written with `mode: 0640`,
 * `"0640"`, `0o640` and a variable holding 0640.
 */
const run = promisify(execFile);

/** name: the scalar as written in `vars:`. Every form whose reading differs between YAML 1.1 and 1.2 or between libraries. */
const FORMS: [string, string][] = [
  ['yes_word', 'yes'], ['no_word', 'no'], ['on_word', 'on'], ['off_word', 'off'], ['true_lower', 'true'], ['true_title', 'True'],
  ['true_upper', 'TRUE'], ['yes_upper', 'YES'], ['off_title', 'Off'], ['y_word', 'y'], ['n_word', 'n'], ['octal', '0644'],
  ['eight', '08'], ['octal_o', '0o17'], ['hex', '0x1f'], ['binary', '0b11'], ['underscored', '1_000'], ['sexagesimal', '1:30'],
  ['sexagesimal_long', '190:20:30'], ['sexagesimal_float', '190:20:30.15'], ['e_no_dot', '1e3'], ['e_unsigned', '1.5e3'],
  ['e_signed', '1.5e+3'], ['float_plain', '0.5'], ['float_underscored', '685.230_15e+03'], ['plus_int', '+12'], ['minus_zero', '-0'],
  ['negative_octal', '-010'], ['inf', '.inf'], ['minus_inf', '-.Inf'], ['tilde', '~'], ['null_word', 'null'], ['null_title', 'Null'],
  ['empty', ''], ['date', '2001-12-14'], ['quoted_yes', '"yes"'], ['quoted_no', "'no'"], ['quoted_octal', '"0644"'],
  ['quoted_true', "'true'"], ['troublesome', `"p@ss: 'q' \\"dq\\" $HOME \`id\` #1 /x"`], ['version', '1.10'], ['dotted', '1.2.3'],
];
/** Python's json writes inf as Infinity, which JSON.parse does not take: these are shown by type and condition only. */
const NOT_JSON = new Set(['inf', 'minus_inf']);
/** Ansible reads a plain date as a datetime.date; provision keeps the text (README: Coming from Ansible). */
const DATES = new Set(['date']);

/** `when:` conditions over the values: both must run or skip each the same. */
const CONDITIONS = [
  'no_word', 'not no_word', 'yes_word', 'on_word', 'off_word', 'y_word', 'n_word', 'true_title and not off_title', 'octal == 420',
  'quoted_octal == "0644"', 'eight == "08"', 'octal_o == "0o17"', 'hex == 31', 'binary == 3', 'underscored == 1000',
  'sexagesimal == 90', 'sexagesimal_long == 685230', 'e_no_dot == "1e3"', 'e_unsigned == "1.5e3"', 'e_signed == 1500',
  'float_underscored > 685230', 'inf > 1000000', 'minus_inf < 0', 'tilde is none', 'empty is none', 'null_title is none',
  'quoted_yes == "yes"', 'quoted_no', 'version == "1.10"', 'version == 1.1', 'minus_zero == 0', 'negative_octal == -8',
  'plus_int == 12', 'no_word == false', 'yes_word is boolean', 'octal is number', 'eight is string', 'empty is string',
];

const modeFiles = [
  ['octal literal', '0640'],
  ['quoted', '"0640"'],
  ['0o prefix', '0o640'],
  ['from a variable', '"{{ mode_var }}"'],
  ['setgid as octal', '02750'],
] as const;

const varsBlock = FORMS.map(([name, text]) => `    ${name}: ${text}`).join('\n');
const playbook = `- name: scalars as Ansible reads them
  hosts: all
  gather_facts: no
  become: no
  vars:
${varsBlock}
    mode_var: 0640
  tasks:
${FORMS.map(([name]) => `    - name: value ${name}\n      debug: { var: ${name} }`).join('\n')}
${CONDITIONS.map((c, i) => `    - name: when ${i}\n      debug: { msg: ran }\n      when: ${c}`).join('\n')}
    - name: ignore_errors yes
      command: { cmd: "false" }
      ignore_errors: yes
    - name: after the ignored failure
      debug: { msg: ran }
    - name: changed_when no
      command: { cmd: "true" }
      changed_when: no
${modeFiles.map(([name, mode], i) => `    - name: mode ${name}\n      file: { path: "{{ out }}/mode-${i}", state: touch, mode: ${mode} }`).join('\n')}
`;

/** The same variables, for Ansible alone: their Python types (provision has no type_debug). */
const typesPlaybook = `- hosts: all
  gather_facts: no
  vars:
${varsBlock}
  tasks:
    - name: types
      debug: { msg: "{{ {${FORMS.map(([name]) => `'${name}': ${name} | type_debug`).join(', ')}} }}" }
`;

interface Outcome {
  ran: boolean;
  changed: boolean;
  /** debug var: the value, as JSON (Python's, for Ansible). */
  value?: unknown;
  message?: string;
}

let dir: string;
let sshd: TestSshd;
let ansible: Map<string, Outcome>;
let ansibleTypes: Record<string, string>;
let ours: Map<string, Outcome>;
let provisionRun: ProvisionResult;

beforeAll(async () => {
  dir = writeProject({
    'ansible.cfg': '[defaults]\n',
    'hosts.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
    'site.yaml': playbook,
    'types.yaml': typesPlaybook,
    'out-ansible/.keep': '',
    'out-provision/.keep': '',
  });
  sshd = await startSshd();
  const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
  const ansiblePlaybook = (file: string, extra: string[] = []) => run('ansible-playbook', ['-i', join(dir, 'hosts.ini'), join(dir, file), ...extra], { env, cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const [out, types, mine] = await Promise.all([
    ansiblePlaybook('site.yaml', ['-e', `out=${join(dir, 'out-ansible')}`]),
    ansiblePlaybook('types.yaml'),
    runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), '-e', `out=${join(dir, 'out-provision')}`]),
  ]);
  provisionRun = mine;
  type AnsibleResult = { skipped?: boolean; changed?: boolean; msg?: unknown } & Record<string, unknown>;
  type AnsibleJson = { plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[] };
  // Python's json writes inf as a bare Infinity: made a string the comparison below knows.
  const json = JSON.parse(out.stdout.replace(/(?<=": )(-?Infinity|NaN)(?=[,\n])/g, '"$1"')) as AnsibleJson;
  ansible = new Map();
  for (const t of json.plays[0].tasks) {
    const r = t.hosts.local;
    const name = t.task.name;
    const varName = name.startsWith('value ') ? name.slice(6) : undefined;
    ansible.set(name, { ran: !r.skipped, changed: !!r.changed, ...(varName ? { value: r[varName] } : {}) });
  }
  const typesJson = JSON.parse(types.stdout) as AnsibleJson;
  ansibleTypes = typesJson.plays[0].tasks[0].hosts.local.msg as Record<string, string>;
  ours = new Map();
  for (const t of mine.report?.hosts.local?.tasks ?? []) ours.set(t.name, { ran: t.status !== 'skipped', changed: t.changed, message: t.message });
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
});

/** A value as provision's debug shows it (tasks/control.ts): a string as it is, anything else as JSON. */
const shownAs = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const fromPython = (value: unknown): unknown => (value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value);
/** Python's type names (type_debug) for provision's JavaScript types. */
const PYTHON_TYPES: Record<string, string[]> = { boolean: ['bool'], number: ['int', 'float'], string: ['AnsibleUnicode', 'str'], null: ['NoneType'] };

describe('a playbook read as Ansible reads it (YAML 1.1), against ansible-playbook', () => {
  it('both runs succeed, and provision ran every task Ansible ran', () => {
    expect(provisionRun.exitCode, provisionRun.stdout + provisionRun.stderr).toBe(0);
    expect(ours.size).toBe(ansible.size);
    expect(FORMS.length + CONDITIONS.length).toBeGreaterThanOrEqual(80);
  });

  const vars = () => loadPlaybook(join(dir, 'site.yaml')).plays[0].vars as Record<string, unknown>;

  it.each(FORMS)('%s: %s', (name) => {
    const value = vars()[name];
    const type = value === null ? 'null' : typeof value;
    if (DATES.has(name)) {
      // The deliberate difference: the text, which Ansible shows the same (isoformat) but compares as a date.
      expect(ansibleTypes[name]).toBe('date');
      expect(type).toBe('string');
    } else expect(PYTHON_TYPES[type]).toContain(ansibleTypes[name]);
    if (NOT_JSON.has(name)) {
      expect(value).toBe(fromPython(ansible.get(`value ${name}`)!.value));
      return;
    }
    const theirs = ansible.get(`value ${name}`)!.value;
    // `-0`: Python's int has no negative zero, the shared resolver gives JavaScript's -0, which equals 0 and shows as 0.
    expect(value === 0 ? 0 : value).toEqual(theirs);
    expect(ours.get(`value ${name}`)?.message).toBe(`${name}: ${shownAs(theirs)}`);
  });

  it.each(CONDITIONS.map((c, i) => [c, i] as const))('when: %s', (_condition, i) => {
    const theirs = ansible.get(`when ${i}`)!;
    expect(ours.get(`when ${i}`)?.ran).toBe(theirs.ran);
  });

  it('keyword in YAML 1.1: ignore_errors: yes lets the play go on after a failed command', () => {
    expect(ansible.get('after the ignored failure')!.ran).toBe(true);
    expect(ours.get('after the ignored failure')?.ran).toBe(true);
  });

  it('keyword in YAML 1.1: changed_when: no', () => {
    expect(ansible.get('changed_when no')).toMatchObject({ ran: true, changed: false });
    expect(ours.get('changed_when no')).toMatchObject({ ran: true, changed: false });
  });

  it.each(modeFiles.map(([name], i) => [name, i] as const))('mode: %s', (_name, i) => {
    const mode = (side: string) => (statSync(join(dir, side, `mode-${i}`)).mode & 0o7777).toString(8);
    expect(mode('out-provision')).toBe(mode('out-ansible'));
  });
});
