import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as z from 'zod';
import { ConfigError, ConfigErrors } from './errors.js';
import { schemaErrors } from './schema-errors.js';
import { Secret } from './secret.js';
import { ANSIBLE_YAML, YamlSource } from './yaml-source.js';

/**
 * Test scenarios (Molecule's idea in provision's shape): beside `playbooks/X.yaml`, a
 * `playbooks/X.test.yaml` names the variables that make the playbook testable on a
 * disposable host, so `provision test playbooks/X.yaml` needs no `-e`:
 *
 *   scenarios:
 *     default:
 *       description: the stand-in app, a certificate from the test CA
 *       vars: { domain: flip.test, basic_auth_users: [{ name: alice }] }
 *       secrets: [db_password, basic_auth_users.0.password]
 *
 * `secrets:` lists variables (dotted paths, as templates write them) that get a fresh
 * random value on every run, never committed, made of every character that some
 * config format gives a meaning to, so each guide proves it carries such a value to
 * its consumer (a database login, htpasswd, an .env file).
 */

export interface Scenario {
  name: string;
  description?: string;
  vars: Record<string, unknown>;
  /** Dotted paths of the variables to fill with a generated secret. */
  secrets: string[];
}

export interface ScenarioFile {
  file: string;
  /** In file order: the default is the one named `default`, else the first. */
  scenarios: Scenario[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const SECRET_PATH = /^[A-Za-z_]\w*(\.(\d+|[A-Za-z_]\w*))*$/;

/** zod's own message for a bad record key is "Invalid key in record": say what a key must be, at the key. */
function keysMatch(pattern: RegExp, message: string) {
  return (record: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    for (const key of Object.keys(record)) if (!pattern.test(key)) ctx.addIssue({ code: 'custom', message, path: [key] });
  };
}

const scenarioSchema = z.strictObject({
  description: z.string().optional(),
  vars: z.record(z.string(), z.unknown()).superRefine(keysMatch(/^[A-Za-z_]\w*$/, 'not a variable name (letters, digits and _, not first a digit)')).optional(),
  secrets: z.array(z.string().regex(SECRET_PATH, 'expected a variable name or a dotted path such as users.0.password')).optional(),
});
const fileSchema = z.strictObject({
  scenarios: z
    .record(z.string(), scenarioSchema)
    .superRefine(keysMatch(NAME, 'not a scenario name (letters, digits, - and _)'))
    .refine((s) => Object.keys(s).length > 0, 'expected at least one scenario'),
});

/** `playbooks/X.yaml` → `playbooks/X.test.yaml`. */
export function scenarioFileFor(playbookFile: string): string {
  return playbookFile.replace(/(\.ya?ml)?$/, '.test.yaml');
}

/** Reads and checks a scenario file; undefined when the playbook has none. */
export function loadScenarioFile(playbookFile: string): ScenarioFile | undefined {
  const file = scenarioFileFor(playbookFile);
  if (!existsSync(file)) return undefined;
  // provision's own format, but its vars are the playbook's variables: read as the playbook is, so `tls: no` means the same in both.
  return parseScenarioFile(YamlSource.fromFile(file, file, ANSIBLE_YAML));
}

export function parseScenarioFile(source: YamlSource): ScenarioFile {
  const parsed = fileSchema.safeParse(source.data);
  if (!parsed.success) throw new ConfigErrors(schemaErrors(parsed.error, source, []));
  const scenarios = Object.entries(parsed.data.scenarios).map(([name, s]) => ({ name, description: s.description, vars: s.vars ?? {}, secrets: s.secrets ?? [] }));
  // A secret path must land somewhere: its parent exists in vars (a top-level name always does).
  const errors = scenarios.flatMap((s) =>
    s.secrets.flatMap((path, i) => {
      const problem = secretPathProblem(s.vars, path);
      return problem ? [new ConfigError(problem, source.locate(['scenarios', s.name, 'secrets', i]), `scenarios.${s.name}.secrets[${i}]`)] : [];
    }),
  );
  if (errors.length) throw new ConfigErrors(errors);
  return { file: source.file, scenarios };
}

function secretPathProblem(vars: Record<string, unknown>, path: string): string | undefined {
  const parts = path.split('.');
  let current: unknown = vars;
  for (const [i, part] of parts.slice(0, -1).entries()) {
    const next = container(current)?.[part];
    if (next === undefined) return `${parts.slice(0, i + 1).join('.')} is not in this scenario's vars: a nested secret needs its parent there`;
    current = next;
  }
  if (!container(current)) return `${parts.slice(0, -1).join('.')} is not a mapping or list: cannot put a secret in it`;
  return undefined;
}

function container(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/**
 * The scenario `name` names, else the default (`default`, else the first).
 * An unknown name is bad input: the error lists the names there are.
 */
export function selectScenario(scenarios: ScenarioFile | undefined, name: string | undefined, playbookFile: string): Scenario | undefined {
  if (!scenarios) {
    if (name !== undefined) throw new ConfigError(`--scenario ${name}: this playbook has no scenarios (no ${scenarioFileFor(playbookFile)})`, { file: playbookFile });
    return undefined;
  }
  if (name === undefined) return scenarios.scenarios.find((s) => s.name === 'default') ?? scenarios.scenarios[0];
  const found = scenarios.scenarios.find((s) => s.name === name);
  if (!found) throw new ConfigError(`--scenario ${name}: no such scenario; scenarios: ${scenarios.scenarios.map((s) => s.name).join(', ')}`, { file: scenarios.file });
  return found;
}

/** The characters some format gives a meaning to: shell, SQL, URL, .env, htpasswd, YAML. */
export const TROUBLESOME_CHARACTERS = `'"$\`@:/#% \\`;

/** A fresh secret: random, with every troublesome character in the middle (a consumer may trim the ends). */
export function generateSecretValue(): string {
  return `pv${randomBytes(6).toString('hex')}${TROUBLESOME_CHARACTERS}${randomBytes(6).toString('hex')}`;
}

/**
 * The scenario's variables with each `secrets:` path filled by a fresh Secret
 * (masked in all output). A copy: the scenario itself is not changed.
 */
export function scenarioVars(scenario: Scenario | undefined, generate: () => string = generateSecretValue): Record<string, unknown> {
  if (!scenario) return {};
  const vars = copyData(scenario.vars) as Record<string, unknown>;
  for (const path of scenario.secrets) {
    const parts = path.split('.');
    let parent = vars as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) parent = parent[part] as Record<string, unknown>;
    parent[parts[parts.length - 1]] = new Secret(generate());
  }
  return vars;
}

/** What `provision test` runs with: the scenario's variables, then -e over them key by key (as a later -e over an earlier one). */
export function testVariables(scenario: Scenario | undefined, extraVars: Record<string, unknown>, generate: () => string = generateSecretValue): Record<string, unknown> {
  return { ...scenarioVars(scenario, generate), ...extraVars };
}

/** A deep copy of YAML data that keeps Secrets (`!secret`) as they are (structuredClone would not). */
function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyData(v)]));
  }
  return value;
}

/** `provision test X.yaml --list-scenarios`: one line per scenario, the default marked. */
export function describeScenarios(scenarios: ScenarioFile | undefined, playbookFile: string): string {
  if (!scenarios) return `${playbookFile}: no scenarios (${scenarioFileFor(playbookFile)} does not exist): provision test uses the playbook's own variables and -e`;
  const chosen = selectScenario(scenarios, undefined, playbookFile);
  const lines = scenarios.scenarios.map((s) => {
    const secrets = s.secrets.length ? ` [generated secrets: ${s.secrets.join(', ')}]` : '';
    return `${s === chosen ? '*' : ' '} ${s.name}${s.description ? `: ${s.description}` : ''}${secrets}`;
  });
  return [`${scenarios.file} (* = default):`, ...lines].join('\n');
}
