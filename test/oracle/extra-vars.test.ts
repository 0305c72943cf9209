import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../src/extra-vars.js';
import { runCli, writeProject } from '../support/provision.js';

/**
 * `-e` against Ansible: each form goes to ansible-core's load_extra_vars (what
 * `ansible` and `ansible-playbook` call for -e; one run of the `ansible`
 * command checks that the two agree) and to provision's parseExtraVars.
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-extra-vars-'));
const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };
writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');
writeFileSync(join(dir, 'vars.yaml'), 'domain: example.org\nports: [80, 443]\nnested: { a: "x: y" }\n');
writeFileSync(join(dir, 'vars11.yaml'), 'enable_tls: no\nbecome: yes\nmode: 0640\nsexagesimal: 1:30\nexponent: 1e3\nsigned: 1.5e+3\ny: y\nunderscored: 1_000\nbinary: 0b11\n');
writeFileSync(join(dir, 'vars.json'), '{"token": "a$b`c\'d\\"e", "n": 3}');

/** The Python that runs ansible (its shebang): another python3 on PATH may not have it. */
const python = readFileSync(execFileSync('which', ['ansible'], { encoding: 'utf8' }).trim(), 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];

type Outcome = { vars: Record<string, unknown> } | { error: string };

function ansibleExtraVars(options: string[]): Outcome[] {
  const script = `
import json, sys
from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
from ansible.parsing.dataloader import DataLoader
from ansible.utils.vars import load_extra_vars
out = []
for opt in json.loads(sys.argv[1]):
    context.CLIARGS = ImmutableDict(extra_vars=(opt,))
    try:
        out.append({"vars": load_extra_vars(DataLoader())})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(python, ['-c', script, JSON.stringify(options)], { env, encoding: 'utf8', cwd: dir }));
}

/**
 * provision's value equals Ansible's, except the deliberate typing of unquoted
 * true/false and whole numbers (README): there Ansible's string must be the one
 * the typed value prints as.
 */
function sameAsAnsible(ours: Record<string, unknown>, theirs: Record<string, unknown>): void {
  expect(Object.keys(ours)).toEqual(Object.keys(theirs));
  for (const [key, value] of Object.entries(ours)) {
    if ((typeof value === 'boolean' || typeof value === 'number') && typeof theirs[key] === 'string') expect(String(value)).toBe(theirs[key]);
    else expect(value).toEqual(theirs[key]);
  }
}

const SECRET = `p@ss:w/rd #1 $HOME \`id\` "dq" it's`;

const forms = [
  "x='quoted'",
  "x='hello world'",
  'x="a b" y=c',
  'x="a  b"   y=c', // spaces inside quotes kept, several between pairs ignored
  "x='it\\'s'",
  'x=a\\nb\\tc\\\\d', // backslash escapes decoded
  'x=\\u00e9t\\u00e9 y=\\x41',
  'x=a=b',
  'x=',
  'x=1 y=true z=1.10 w=0755 v=-3', // provision types 1, true, -3 (README); the rest are strings in both
  "x='1' y=\"false\"", // quoted: a string in both
  `pw='${SECRET.replaceAll("'", "\\'")}'`,
  `pw="${SECRET.replaceAll('"', '\\"')}"`,
  'url=https://user@example.org:8443/a#b?c=d',
  '{"port": 8080, "names": ["a", "b"], "on": true}',
  '{domain: example.org, list: [1, two]}',
  `@${join(dir, 'vars.yaml')}`,
  `@${join(dir, 'vars.json')}`,
  // YAML 1.1 (PyYAML) in files and inline, JSON first (where 1e3 is a number)
  `@${join(dir, 'vars11.yaml')}`,
  '{enable_tls: no, b: yes, m: 0644, e: 1e3, t: 1:30, y: y, f: 1.5e+3, o: Off}',
  '{"e": 1e3, "f": 1.5e3, "s": "no", "m": 420}',
  '',
];

describe('-e forms against Ansible', () => {
  const expected = ansibleExtraVars(forms);
  it.each(forms.map((f, i) => [f, expected[i]] as const))('%s', (form, ansible) => {
    expect(ansible).toHaveProperty('vars');
    sameAsAnsible(parseExtraVars([form]), (ansible as { vars: Record<string, unknown> }).vars);
  });
});

describe('the library gives what the ansible command uses', () => {
  it('ansible -m debug prints the same values', () => {
    const options = ["a='hello world'", `b="${SECRET.replaceAll('"', '\\"')}"`, 'c=x\\ty'];
    const out = execFileSync('ansible', ['localhost', '-i', 'localhost,', '-c', 'local', '-m', 'debug', '-a', 'msg={{ [a, b, c] | to_json }}', ...options.flatMap((o) => ['-e', o])], { env, encoding: 'utf8', cwd: dir });
    const printed = JSON.parse(JSON.parse(out.slice(out.indexOf('{'))).msg);
    const library = ansibleExtraVars(options).map((o) => Object.values((o as { vars: Record<string, unknown> }).vars)[0]);
    expect(printed).toEqual(library);
    expect(printed[1]).toBe(SECRET);
    expect(Object.values(parseExtraVars(options))).toEqual(printed);
  }, 120_000);
});

const project = writeProject({
  'site.yaml': '- hosts: all\n  tasks:\n    - command: { argv: ["true"] }\n',
  'hosts.yaml': 'hosts:\n  web1: {}\n',
});

describe('-e that Ansible refuses: provision exits 4, and never prints the value', () => {
  const refused = [`pw='${SECRET.replaceAll("'", '')}`, '[1, 2]', './vars.yaml', '{a: [', '  pw=hunter2'];
  const ansible = ansibleExtraVars(refused);
  it.each(refused.map((f, i) => [f, ansible[i]] as const))('%s', async (form, outcome) => {
    expect(outcome).toHaveProperty('error');
    const result = await runCli(['validate', join(project, 'site.yaml'), '-i', join(project, 'hosts.yaml'), '-e', form]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(/-e #1/);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toContain('rd #1');
  });
});

describe('where provision is deliberately stricter (README: -e)', () => {
  it.each([
    ['novalue', 'no "="'], // Ansible files it under _raw_params
    ['1x=2', 'not a valid variable name'],
  ])('%s', async (form, message) => {
    const [ansible] = ansibleExtraVars([form]);
    expect(ansible).toHaveProperty('vars');
    const result = await runCli(['validate', join(project, 'site.yaml'), '-i', join(project, 'hosts.yaml'), '-e', form]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(message);
  });
});
