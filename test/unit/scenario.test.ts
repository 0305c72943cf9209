import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import {
  describeScenarios,
  generateSecretValue,
  loadScenarioFile,
  parseScenarioFile,
  scenarioFileFor,
  scenarioVars,
  selectScenario,
  testVariables,
  TROUBLESOME_CHARACTERS,
  type ScenarioFile,
} from '../../src/scenario.js';
import { isSecret, MASK, redact } from '../../src/secret.js';
import { YamlSource } from '../../src/yaml-source.js';
import { CLI, ROOT, writeProject } from '../support/provision.js';

const parse = (text: string): ScenarioFile => parseScenarioFile(YamlSource.fromText(text, 'site.test.yaml'));
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err instanceof ConfigError || err instanceof ConfigErrors).toBe(true);
    return (err as Error).message;
  }
  throw new Error('no error');
};

const TWO = parse(['scenarios:', '  acme:', '    vars: { domain: a.test }', '  default:', '    description: the usual', '    vars: { domain: d.test }', ''].join('\n'));
const FIRST_ONLY = parse(['scenarios:', '  acme: { vars: { domain: a.test } }', '  self-signed: { vars: { domain: s.test } }', ''].join('\n'));

describe('scenario file', () => {
  it.each([
    ['one scenario, no vars: nothing to do', 'scenarios:\n  default: {}\n', [{ name: 'default', description: undefined, vars: {}, secrets: [] }]],
    [
      'vars, description and secrets, in file order',
      'scenarios:\n  b: { description: B, vars: { x: 1 }, secrets: [pw] }\n  a: { vars: { users: [{ name: al }] }, secrets: [users.0.password] }\n',
      [
        { name: 'b', description: 'B', vars: { x: 1 }, secrets: ['pw'] },
        { name: 'a', description: undefined, vars: { users: [{ name: 'al' }] }, secrets: ['users.0.password'] },
      ],
    ],
  ])('%s', (_, text, scenarios) => {
    expect(parse(text).scenarios).toEqual(scenarios);
  });

  it.each([
    ['no scenarios key', 'default: { vars: {} }\n', /^site\.test\.yaml:1:1: unknown key "default"/m],
    ['empty scenarios', 'scenarios: {}\n', /^site\.test\.yaml:1:12: scenarios: expected at least one scenario/m],
    ['a bad scenario name', 'scenarios:\n  "a b": {}\n', /^site\.test\.yaml:2:\d+: scenarios\.a b: not a scenario name/m],
    ['an unknown field', 'scenarios:\n  default:\n    varz: { x: 1 }\n', /^site\.test\.yaml:3:5: scenarios\.default: unknown key "varz"/m],
    ['vars not a mapping', 'scenarios:\n  default:\n    vars: [x]\n', /^site\.test\.yaml:3:11: scenarios\.default\.vars: expected record/m],
    ['a bad variable name', 'scenarios:\n  default:\n    vars: { 1x: 2 }\n', /^site\.test\.yaml:3:\d+: scenarios\.default\.vars\.1x: not a variable name/m],
    ['secrets not a list', 'scenarios:\n  default:\n    secrets: pw\n', /^site\.test\.yaml:3:14: scenarios\.default\.secrets: expected array/m],
    ['a bad secret path', 'scenarios:\n  default:\n    secrets: [pw, "a..b"]\n', /^site\.test\.yaml:3:\d+: scenarios\.default\.secrets\[1\]: expected a variable name or a dotted path/m],
    ['a nested secret without its parent', 'scenarios:\n  default:\n    vars: { x: 1 }\n    secrets:\n      - pw\n      - users.0.password\n', /^site\.test\.yaml:6:9: scenarios\.default\.secrets\[1\]: users is not in this scenario's vars/m],
    ['a nested secret inside a scalar', 'scenarios:\n  default:\n    vars: { users: 5 }\n    secrets: [users.password]\n', /^site\.test\.yaml:4:15: .*users is not a mapping or list/m],
    ['invalid YAML', 'scenarios:\n  default: [\n', /^site\.test\.yaml:\d+:\d+: invalid YAML/m],
  ])('refuses %s, naming file:line and field', (_, text, message) => {
    expect(errorOf(() => parse(text))).toMatch(message);
  });

  it('lives beside the playbook; a playbook without one has none', () => {
    expect(scenarioFileFor('playbooks/rocktalk.yaml')).toBe('playbooks/rocktalk.test.yaml');
    expect(scenarioFileFor('site.yml')).toBe('site.test.yaml');
    const dir = writeProject({ 'site.yaml': '[]\n' });
    expect(loadScenarioFile(join(dir, 'site.yaml'))).toBeUndefined();
  });
});

describe('selecting a scenario', () => {
  it.each([
    ['no scenario file, no name: nothing to do', undefined, undefined, undefined],
    ['the one named default, wherever it is', TWO, undefined, 'default'],
    ['else the first', FIRST_ONLY, undefined, 'acme'],
    ['by name', TWO, 'acme', 'acme'],
    ['by name, not the first', FIRST_ONLY, 'self-signed', 'self-signed'],
  ])('%s', (_, file, name, chosen) => {
    expect(selectScenario(file, name, 'site.yaml')?.name).toBe(chosen);
  });

  it.each([
    ['an unknown name lists the names', TWO, 'nope', /^site\.test\.yaml: --scenario nope: no such scenario; scenarios: acme, default$/],
    ['a name for a playbook without scenarios', undefined, 'acme', /^site\.yaml: --scenario acme: this playbook has no scenarios \(no site\.test\.yaml\)$/],
  ])('refuses %s', (_, file, name, message) => {
    expect(errorOf(() => selectScenario(file, name, 'site.yaml'))).toMatch(message);
  });

  it('lists the scenarios with the default marked', () => {
    expect(describeScenarios(TWO, 'site.yaml')).toBe('site.test.yaml (* = default):\n  acme\n* default: the usual');
    expect(describeScenarios(undefined, 'site.yaml')).toMatch(/^site\.yaml: no scenarios/);
  });
});

describe('variables of a scenario', () => {
  const file = parse(
    ['scenarios:', '  default:', '    vars:', '      domain: x.test', '      kept: !secret "from the file"', '      users: [{ name: al }, { name: bo }]', '    secrets: [db_password, users.1.password]', ''].join('\n'),
  );
  const scenario = file.scenarios[0];

  it.each([
    ['no scenario, no -e: nothing to do', undefined, {}, {}],
    ['the scenario alone', scenario, {}, { domain: 'x.test' }],
    ['-e wins key by key', scenario, { domain: 'e.test', extra: 1 }, { domain: 'e.test', extra: 1 }],
    ['-e over a generated secret', scenario, { db_password: 'given' }, { db_password: 'given' }],
  ])('%s', (_, s, extra, expected) => {
    expect(testVariables(s, extra)).toMatchObject(expected);
  });

  it('fills each secrets: path with a fresh Secret, keeps !secret values, leaves the scenario unchanged', () => {
    const a = scenarioVars(scenario);
    const b = scenarioVars(scenario);
    const users = a.users as { name: string; password?: unknown }[];
    expect(isSecret(a.db_password)).toBe(true);
    expect(users[0]).toEqual({ name: 'al' });
    expect(users[1].name).toBe('bo');
    expect(isSecret(users[1].password)).toBe(true);
    expect(isSecret(a.kept)).toBe(true);
    expect((a.db_password as { reveal(): string }).reveal()).not.toBe((b.db_password as { reveal(): string }).reveal());
    expect(scenario.vars.users).toEqual([{ name: 'al' }, { name: 'bo' }]);
    expect(scenario.vars).not.toHaveProperty('db_password');
  });

  it('a generated secret holds every troublesome character, and is masked in every output', () => {
    const vars = scenarioVars(scenario);
    const value = (vars.db_password as { reveal(): string }).reveal();
    for (const c of `'"$\`@:/#% \\`) expect(value, `has ${c}`).toContain(c);
    expect(value).toContain(TROUBLESOME_CHARACTERS);
    expect(value).not.toMatch(/[\n\r]/);
    expect(value.trim()).toBe(value); // a consumer that trims must not change it
    expect(String(vars.db_password)).toBe(MASK);
    expect(JSON.stringify(vars)).not.toContain(TROUBLESOME_CHARACTERS);
    expect(redact(`PGPASSWORD=${value}`)).toBe(`PGPASSWORD=${MASK}`);
    expect(generateSecretValue()).not.toBe(generateSecretValue());
  });
});

describe('the committed scenarios', () => {
  const playbooks = readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.test.yaml'));

  it('exist for the guides', () => {
    expect(playbooks).toEqual(expect.arrayContaining(['rocktalk.test.yaml', 'chatalot.test.yaml', 'iob-maiis.test.yaml', 'flip-rip.test.yaml', 'personal-analytics.test.yaml']));
  });

  // Every scenario gives the variables its playbook needs: it compiles, verify: included, with
  // no -e, on an inventory like the one `provision test` writes.
  it.each(playbooks.flatMap((f) => loadScenarioFile(join(ROOT, 'playbooks', f.replace('.test.yaml', '.yaml')))!.scenarios.map((s) => [f, s.name] as const)))('%s %s compiles with no -e', (f, name) => {
    const playbookFile = join(ROOT, 'playbooks', f.replace('.test.yaml', '.yaml'));
    const playbook = loadPlaybook(playbookFile);
    const groups = [...new Set(playbook.plays.map((p) => p.hosts).filter((h) => h !== 'all'))];
    const inventory = [
      'hosts:',
      '  t1: { address: 10.213.0.2, vars: { sandbox: true, acme_server: "https://127.0.0.1:14000/dir", acme_ca_bundle: /etc/a.pem, acme_root_ca: /etc/r.pem } }',
      groups.length ? 'groups:' : 'groups: {}',
      ...groups.map((g) => `  ${g}: { hosts: [t1] }`),
      '',
    ].join('\n');
    const scenario = selectScenario(loadScenarioFile(playbookFile), name, playbookFile);
    const runs = compile(playbook, parseInventory(YamlSource.fromText(inventory, 'inventory')), { extraVars: testVariables(scenario, {}), verify: true });
    expect(runs.map((r) => r.host.name)).toEqual(['t1']);
  });
});

describe('provision test, before any host', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'test', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('--list-scenarios lists them and boots nothing', () => {
    const r = cli(join(ROOT, 'playbooks/iob-maiis.yaml'), '--list-scenarios');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\* default: .*\n {2}self-signed: /m);
  });

  it('an unknown --scenario is bad input (exit 4), listing the names', () => {
    const r = cli(join(ROOT, 'playbooks/iob-maiis.yaml'), '--scenario', 'staging');
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('iob-maiis.test.yaml: --scenario staging: no such scenario; scenarios: default, self-signed');
  });

  it('a broken scenario file is bad input (exit 4) naming file, line and field', () => {
    const dir = writeProject({ 'site.yaml': '- hosts: all\n  tasks: []\n', 'site.test.yaml': 'scenarios:\n  default:\n    secret: [pw]\n' });
    const r = cli(join(dir, 'site.yaml'));
    expect(r.status).toBe(4);
    expect(r.stderr).toContain(`${join(dir, 'site.test.yaml')}:3:5: scenarios.default: unknown key "secret"`);
  });
});
