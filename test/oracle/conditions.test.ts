import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateCondition, ExpressionError } from '../../src/expr/index.js';
import { Secret } from '../../src/secret.js';

/**
 * Conditions against Ansible 2.14. Every case goes through Ansible's own
 * `Task.evaluate_conditional` (what ansible-playbook's TaskExecutor calls for
 * `when:`) in one Python process, over the same variables as evaluateCondition:
 * true (the task would run), false (skipped) or error. One ansible-playbook run
 * (localhost, connection local) registers real command results, which both sides
 * then read, and runs a sample of the cases as `debug` tasks with that `when:`,
 * to prove the library path answers as the playbook does. (Every case as a task
 * took over 3 minutes on a loaded 2-core machine: ansible-playbook forks a worker
 * per task; the library path takes a second.)
 */
const SECRET = `p@ss:w/rd #1 $HOME \`id\` "dq" it's`;

const VARIABLES = {
  s_false: 'false',
  s_no: 'no',
  s_zero: '0',
  s_empty: '',
  s_yes: 'yes',
  s_expr: '1 == 2',
  on_word: 'On',
  t: true,
  f: false,
  zero: 0,
  one: 1,
  n: null,
  pi: 3.5,
  http_port: 8502,
  port_str: '8502',
  env: 'prod',
  key_b: 'b',
  pkgs: ['nginx', 'curl'],
  empty_list: [],
  nums: [1, 2, 3],
  d: { a: 1, b: 'x', nested: { deep: 'yes' } },
  empty_dict: {},
  padded: '  Hello World  ',
  version: '12.5',
  secret: SECRET,
};

/** Tasks before the cases whose registered results the cases test. */
const REGISTERING_TASKS = [
  { name: 'ok', command: '/bin/true', register: 'ok_result' },
  { name: 'fails', command: '/bin/false', register: 'failed_result', ignore_errors: true },
  { name: 'skipped', command: '/bin/true', register: 'skipped_result', when: false },
  { name: 'never changes', command: '/bin/echo hello', register: 'unchanged_result', changed_when: false },
];
const REGISTERED = REGISTERING_TASKS.map((t) => t.register);

const q = JSON.stringify;
const CASES: (string | string[])[] = [
  // truthiness of bare values: Ansible 2.14 uses Python's (a non-empty string is true, even "false")
  's_false', 's_no', 's_zero', 's_empty', 's_yes', 's_expr', 'not s_false', 't', 'f', 'zero', 'one', 'n', 'pi',
  'pkgs', 'empty_list', 'd', 'empty_dict',
  // literals
  'true', 'False', 'none', "'a'", '""', '[]', '[0]', '{}', '0.0', String.raw`"a\tb" == 'a	b'`, String.raw`'it\'s' == "it's"`,
  // comparisons and types
  'http_port == 8502', 'http_port == "8502"', 'port_str == 8502', 'port_str | int == http_port', 'http_port > 80', 'http_port < "9000"',
  '"abc" < "abd"', 'env != "prod"', '1 == 1.0', 'true == 1', 'n == none', '[1, 2] == [1, 2]', '[1, 2] < [1, 3]',
  '1 < 2 < 3', '3 > 2 > 2', `d == {'a': 1, 'b': 'x', 'nested': {'deep': 'yes'}}`, '-1 < zero', 'pi >= 3.5', 'n < 1',
  '(t or f) and not (env == "dev")',
  // in / not in
  '"nginx" in pkgs', '"apache" in pkgs', '"apache" not in pkgs', '"ell" in padded', '1 in nums', '"1" in nums',
  '1 in port_str', '"a" in d', '"zz" in d', '"x" in d.b', '1 in http_port', '"" in env', 'not "nginx" in pkgs',
  // names, attributes, items
  'd.a == 1', "d['b'] == 'x'", 'd.nested.deep', 'pkgs[0] == "nginx"', 'pkgs[-1] == "curl"', 'pkgs.0 == "nginx"',
  'pkgs[5] is defined', 'd.missing is defined', 'd.missing.deeper is undefined', 'd[key_b] == "x"', 'd.missing == 1',
  'missing', 'missing.attr is defined', 'missing is not defined',
  // short-circuits over undefined names, and Ansible's rescue by a defined/undefined test anywhere
  'missing is defined and missing == "a"', 'missing is undefined or missing == "a"', 'f and missing', 't or missing',
  't and missing', 'f or missing', 'missing == "a" or missing is undefined', 'missing == "a" and missing is defined',
  'other_missing == 1 or missing is undefined',
  // filters
  's_false | bool', 's_yes | bool', 'on_word | bool', '"t" | bool', 'one | bool', 'n | bool', 'pkgs | length == 2',
  'env | length == 4', 'd | length == 3', 'http_port | length', '"42.7" | int == 42', '"abc" | int == 0', '"abc" | int(7) == 7',
  '"0x1A" | int(base=16) == 26', '" 12 " | int == 12', 'version | float > 12.4', '"x" | float == 0.0', 'env | upper == "PROD"',
  '"MiXeD" | lower == "mixed"', 'padded | trim == "Hello World"', 'http_port | string == "8502"', 't | string == "True"',
  `pkgs | string == "['nginx', 'curl']"`, 'n | string == "None"', 'missing | default("a") == "a"', 'missing | d(5) > 4',
  's_empty | default("x", true) == "x"', 's_empty | default("x") == ""', 'missing | lower', 'env | no_such_filter',
  'pkgs | count == 2', 'missing | int == 0', 'missing | bool', 'missing | length', 'n | default("x") == "x"', '-1.9 | int == -1',
  '1.9 | int == 1', '"1e3" | int == 1000', '"1_000" | int == 1000', 's_zero | int == 0', 't | int == 1', '"12abc" | float',
  // Python's ordering of strings (code points) and bool as a number
  '"A" < "a"', '"é" > "z"', 't in [1]', '"b" > "abc"', 'f < t',
  // tests, on registered results and on values
  'ok_result is succeeded', 'ok_result is success', 'ok_result is changed', 'ok_result is change', 'ok_result is failed',
  'failed_result is failed', 'failed_result is failure', 'failed_result is not succeeded', 'skipped_result is skipped',
  'skipped_result is skip', 'ok_result is skipped', 'unchanged_result is changed', 'unchanged_result is not changed',
  'failed_result.rc == 1', 'ok_result.rc == 0 and ok_result.stdout == ""', 'unchanged_result.stdout == "hello"',
  '"hello" in unchanged_result.stdout_lines', 'skipped_result.rc is defined', 'env is failed', 'env is string',
  'http_port is string', 'http_port is number', 't is number', 'pi is number', 'n is none', 'n is not none', 's_false is truthy',
  's_false is truthy(convert_bool=true)', 's_no is falsy(convert_bool=true)', 'empty_list is falsy', 'd is mapping',
  't is boolean', 'env is no_such_test',
  // secrets compare by value
  `secret == ${q(SECRET)}`, 'secret != "other"', '"$HOME" in secret', 'secret | length > 10', `secret | upper == ${q(SECRET.toUpperCase())}`,
  'secret is string', `secret in [${q(SECRET)}]`, '"`id`" in secret',
  // more edges: items of strings, nested reads, result fields, bool spellings, chains
  '[missing] | length == 1', 'missing in pkgs', 'pkgs[0] is string', 'd.b is defined and d.b | length > 0', "t and 'x'",
  "(f or 'x') == 'x'", '"abc"[0] == "a"', '"abc"[-1] == "c"', 'env[10] is defined', "d['nested']['deep'] == 'yes'",
  "d.nested['missing'] | default('z') == 'z'", 'ok_result.stdout_lines == []', 'ok_result.cmd is defined', 'failed_result.stderr == ""',
  'ok_result is not skipped and ok_result is success', 'skipped_result is not changed', 'skipped_result is succeeded',
  'skipped_result.skip_reason is defined', "'false' | bool == false", '"TRUE" | bool', '" yes " | bool', '2 | bool', '1.0 | bool',
  "'0' is truthy(convert_bool=True)", '"  " | trim | length == 0', 'n | string | length == 4', "{'a': 1} | length == 1",
  "'a' in {'a': 1}", '[1] in [[1], 2]', 'none in [none]', '"x" == "x" == "x"', 'not not t', 'not t == f', 't == not f',
  'pkgs is mapping', 'one is number and one > 0.5', '-0.0 == 0', 'd.nested is mapping', "'a' if t else 'b'",
  // syntax errors
  'env ==', '(t', 'http_port >> 1', '"unterminated',
  // a list of conditions means all of them, in order
  ['t', 'http_port > 80'], ['t', 'f'], ['f', 'missing'], ['missing', 'f'],
];

/** Valid Ansible that provision refuses with an error naming the construct (README: Conditions). */
const REFUSED: [string, RegExp][] = [
  ['http_port + 1 > 2', /operator "\+" is not supported/],
  ["version is version('12', '>=')", /unknown test "version"/],
  ["env.startswith('p')", /calling functions or methods is not supported/],
  ["pkgs[0:1] == ['nginx']", /slices are not supported/],
  ['(1, 2) == (1, 2)', /tuples are not supported/],
  ['"a" ~ "b" == "ab"', /operator "~" is not supported/],
  ['d.items is defined', /"d\.items" is the dict method "items" in Jinja/],
  ['env.upper is defined', /"env\.upper" is the str method "upper" in Jinja/],
  ['pkgs | join(",") == "nginx,curl"', /unknown filter "join"/],
  ['{{ t }}', /without "\{\{" delimiters/],
];

type Outcome = true | false | 'error';

/** The cases also run as playbook tasks: every fourth, and every list. */
const SAMPLED = CASES.flatMap((c, i) => (i % 4 === 0 || Array.isArray(c) ? [i] : []));

const dir = mkdtempSync(join(tmpdir(), 'provision-conditions-'));
const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };
/** The Python that runs ansible (its shebang), for the command tasks. */
const python = readFileSync(execFileSync('which', ['ansible'], { encoding: 'utf8' }).trim(), 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];

function caseTask(name: string, when: string | string[]): object {
  return { name, debug: { msg: name }, when, ignore_errors: true };
}

/** Runs the one playbook; returns each case's outcome by task name and the registered results. */
function runAnsible(): { outcomes: Map<string, Outcome>; registered: Record<string, unknown> } {
  const tasks = [
    ...REGISTERING_TASKS,
    ...SAMPLED.map((i) => caseTask(`case ${i}`, CASES[i])),
    ...REFUSED.map(([c], i) => caseTask(`refused ${i}`, c)),
    { name: 'registered', debug: { msg: Object.fromEntries(REGISTERED.map((r) => [r, `{{ ${r} }}`])) } },
  ];
  const play = [{ hosts: 'localhost', connection: 'local', gather_facts: false, vars: { ...VARIABLES, ansible_python_interpreter: python }, tasks }];
  writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');
  // JSON is YAML: no quoting question between the expressions and the YAML reader.
  writeFileSync(join(dir, 'conditions.yaml'), JSON.stringify(play, null, 1));
  let out: string;
  try {
    out = execFileSync('ansible-playbook', ['-i', 'localhost,', 'conditions.yaml'], { env, cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (err) {
    // Exit 2 when any task failed, even ignored ones: the JSON is still complete.
    out = (err as { stdout: string }).stdout;
  }
  const report = JSON.parse(out) as { plays: { tasks: { task: { name: string }; hosts: { localhost: Record<string, unknown> } }[] }[] };
  const outcomes = new Map<string, Outcome>();
  let registered: Record<string, unknown> = {};
  for (const { task, hosts } of report.plays[0].tasks) {
    const result = hosts.localhost;
    if (task.name === 'registered') registered = result.msg as Record<string, unknown>;
    else if (/^(case|refused) /.test(task.name)) outcomes.set(task.name, result.failed ? 'error' : result.skipped ? false : true);
  }
  return { outcomes, registered };
}

/** Ansible's answer for each case through Task.evaluate_conditional, in one Python process. */
function ansibleConditions(cases: (string | string[])[], variables: Record<string, unknown>): Outcome[] {
  const script = `
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.task import Task
from ansible.template import Templar
data = json.load(sys.stdin)
variables = data["variables"]
loader = DataLoader()
out = []
for when in data["cases"]:
    task = Task.load({"debug": {"msg": "case"}, "when": when}, loader=loader)
    try:
        out.append(bool(task.evaluate_conditional(Templar(loader=loader, variables=variables), variables)))
    except Exception:
        out.append("error")
print(json.dumps(out))
`;
  const input = JSON.stringify({ cases, variables });
  return JSON.parse(execFileSync(python, ['-c', script], { env, cwd: dir, encoding: 'utf8', input }));
}

function provisionOutcome(when: string | string[], vars: Record<string, unknown>): Outcome {
  try {
    const result = evaluateCondition(when, vars);
    if (typeof result !== 'boolean') throw new Error(`not a boolean: ${String(result)}`);
    return result;
  } catch (err) {
    if (err instanceof ExpressionError) return 'error';
    throw err;
  }
}

let ansible: ReturnType<typeof runAnsible>;
let library: Outcome[];
let vars: Record<string, unknown>;

beforeAll(() => {
  ansible = runAnsible();
  library = ansibleConditions(CASES, { ...VARIABLES, ...ansible.registered });
  vars = { ...VARIABLES, secret: new Secret(SECRET), ...ansible.registered };
}, 600_000);

describe('Ansible itself', () => {
  it('ran every sampled case as a task and registered every result', () => {
    expect(ansible.outcomes.size).toBe(SAMPLED.length + REFUSED.length);
    expect(Object.keys(ansible.registered).sort()).toEqual([...REGISTERED].sort());
    expect(ansible.registered.failed_result).toMatchObject({ failed: true, rc: 1 });
  });

  it('answers through Task.evaluate_conditional as ansible-playbook does', () => {
    expect(SAMPLED.length).toBeGreaterThan(40);
    for (const i of SAMPLED) expect([CASES[i], library[i]]).toEqual([CASES[i], ansible.outcomes.get(`case ${i}`)]);
  });

  it('gives all three answers across the table, not one of them', () => {
    for (const answer of [true, false, 'error']) expect(library.filter((a) => a === answer).length).toBeGreaterThan(20);
  });
});

describe('conditions: provision answers as Ansible 2.14', () => {
  it.each(CASES.map((c, i) => [Array.isArray(c) ? `[${c.join(', ')}]` : c, i] as const))('%s', (_title, i) => {
    expect(provisionOutcome(CASES[i], vars)).toBe(library[i]);
  });
});

describe('valid Ansible that provision refuses with an error naming it', () => {
  it.each(REFUSED.map(([c, message], i) => [c, message, i] as const))('%s', (expr, message, i) => {
    expect(ansible.outcomes.get(`refused ${i}`)).not.toBe('error');
    expect(() => evaluateCondition(expr, vars)).toThrow(message);
  });
});
