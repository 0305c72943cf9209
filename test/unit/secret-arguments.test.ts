import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compile } from '../../src/compile.js';
import type { ConfigError } from '../../src/errors.js';
import type { Fact } from '../../src/facts.js';
import { parseInventory } from '../../src/inventory.js';
import type { Plan, Step } from '../../src/plan.js';
import { loadPlaybook } from '../../src/playbook.js';
import { stepsScript } from '../../src/remote-script.js';
import { taskArgumentErrors } from '../../src/secret-arguments.js';
import { isSecret, MASK, Secret, shownText } from '../../src/secret.js';
import { cmd, quote, raw, SecretWordError } from '../../src/shell.js';
import { FAILED, renderArgs } from '../../src/task-expand.js';
import type { PlanContext, TaskType } from '../../src/task-type.js';
import { renderValue } from '../../src/template.js';
import { YamlSource } from '../../src/yaml-source.js';
import { allTaskTypes } from '../../tasks/index.js';
import { writeProject } from '../support/provision.js';

/**
 * A secret never becomes a command word on a host: for every task type and
 * every string argument it has (its documented example's, plus the fields
 * meant for secrets), a Secret given there (whole, `"{{ s }}"`, or inside a
 * longer value, `"/srv/{{ s }}"`) is either refused before any host is
 * touched, with file, line and field, or planned so that no command of the
 * task's scripts (facts and changes, here-document payloads removed) holds it.
 */
const VALUE = `s3cr'et "q" $HOME \`id\` u@h:/p #c x`;
const ctx: PlanContext = { host: 'h', sshPort: 22 };
/** Plain values for the templates the examples already hold. */
const EXAMPLE_VARS = { db_password: 'db-pw-plain', alice_password: 'alice-pw-plain', domain: 'example.org', ansible_distribution: 'Debian', ansible_distribution_release: 'bookworm' };

/** Fields meant for secrets that the examples do not show, per task type. */
const EXTRA_ARGS: Record<string, unknown[]> = {
  command: [{ argv: ['cat'], stdin: 'x', environment: { TOKEN: 'x' }, chdir: '/opt/app' }, { cmd: 'cat', stdin: 'x' }],
  nginx_site: [{ name: 'a.conf', content: 'server {}\n' }],
  assert: [{ that: 'true', msg: 'x', success_msg: 'y' }],
  streamlit_config: [{ path: '/opt/app/.streamlit/config.toml', settings: { server: { cookieSecret: 'x' } } }],
  systemd_unit: [{ name: 'a.service', content: '[Service]\nExecStart=/bin/true\n' }],
  file: [{ path: '/srv/link', state: 'link', src: '/srv/target' }],
  user: [{ name: 'pa', comment: 'x', groups: ['www-data'] }],
  copy: [{ dest: '/srv/f', content: 'x', validate: '/usr/bin/test -s %s' }],
};

/** Exactly the arguments that may hold a secret (their value reaches the host on stdin, in a file, or only in masked output). */
const TAKES_SECRETS = [
  'assert.fail_msg',
  'assert.msg',
  'assert.success_msg',
  'command.environment.TOKEN',
  'command.stdin',
  'copy.content',
  'debug.msg',
  'fail.msg',
  'htpasswd.users.0.password',
  'nginx_site.content',
  'nginx_site.vars.domain',
  'postgres_user.password',
  'set_fact.app_root',
  'streamlit_config.settings.browser.serverAddress',
  'streamlit_config.settings.server.cookieSecret',
];

type Path = (string | number)[];

function stringPaths(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function setPath(value: unknown, path: Path, leaf: string): unknown {
  if (path.length === 0) return leaf;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[path[0]] = setPath(copy[path[0]], path.slice(1), leaf);
  return copy;
}

function exampleArgs(t: TaskType): unknown {
  const example = parse(t.example) as Record<string, unknown>[];
  return example[0][t.name];
}

/** The script's text with every here-document body left out: what remains is what commands are made of. */
export function withoutHeredocs(script: string): string {
  return script.replace(/<<'([A-Z_0-9a-f]+)'([^\n]*)\n[\s\S]*?\n\1(?=\n|$)/g, "<<'$1'$2");
}

/** Every script a task sends for these arguments: its facts' and its plan's. */
function scriptsOf(t: TaskType, args: unknown): { facts: string[]; plan: Plan } {
  const facts = t.facts(args, ctx) as Record<string, Fact<unknown>>;
  // A host where nothing is there yet: each fact's command answered with empty output (no such file), or PostgreSQL's "no such role/database".
  let lastError: unknown;
  for (const answer of [{ stdout: '', exitCode: 1 }, { stdout: '', exitCode: 0 }, { stdout: 'pv:ok\n', exitCode: 0 }]) {
    const values = Object.fromEntries(Object.entries(facts).map(([k, f]) => [k, f.parse(answer)]));
    try {
      return { facts: Object.values(facts).map((f) => f.script), plan: t.plan(args, values as never, ctx) };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

type Outcome = { refused: string[] } | { planned: { commands: string; steps: Step[]; control?: string } };

/** A task written in a playbook, its arguments rendered with `s` a Secret, checked, and planned: as a run does before touching a host. */
function outcome(t: TaskType, args: unknown): Outcome & { yaml: string } {
  // Every value on its key's line (no block scalars): the error's line is the field's.
  const yaml = stringify([{ name: 'secret here', [t.name]: args }], { blockQuote: false, lineWidth: 0, doubleQuotedAsJSON: true });
  const source = YamlSource.fromText(yaml, 'site.yaml');
  const errors: ConfigError[] = [];
  const argsPath = [0, t.name];
  const vars = { ...EXAMPLE_VARS, s: new Secret(VALUE) };
  const rendered = renderArgs((source.data as Record<string, unknown>[])[0][t.name], vars, { source, report: (e) => errors.push(e) }, argsPath);
  expect(errors.map((e) => e.message)).toEqual([]);
  expect(rendered).not.toBe(FAILED);
  const parsed = t.schema.safeParse(rendered);
  if (!parsed.success) return { yaml, refused: taskArgumentErrors(parsed.error, rendered, t.name, source, argsPath, [t.name]).map((e) => e.message) };
  const local = t.resolveLocal ? t.resolveLocal(parsed.data, { template: () => 'rendered\n', file: () => 'file\n' }) : parsed.data;
  if (t.control) return { yaml, planned: { commands: '', steps: [], control: t.control(local, vars).message } };
  const { facts, plan } = scriptsOf(t, local);
  const steps = plan.changes.flatMap((c) => c.steps);
  return { yaml, planned: { commands: [...facts, withoutHeredocs(stepsScript(steps, { dir: '/stage' }))].join('\n'), steps } };
}

function cases(): { type: TaskType; args: unknown; field: string; form: string }[] {
  const out: { type: TaskType; args: unknown; field: string; form: string }[] = [];
  for (const t of allTaskTypes()) {
    for (const base of [exampleArgs(t), ...(EXTRA_ARGS[t.name] ?? [])]) {
      for (const path of stringPaths(base)) {
        const original = path.reduce<any>((v, k) => v[k], base) as string;
        const field = [t.name, ...path].join('.');
        out.push({ type: t, args: setPath(base, path, '{{ s }}'), field, form: 'whole' });
        // Kept in a longer value: the rendered text is derived from the secret, and a Secret too.
        out.push({ type: t, args: setPath(base, path, `${original}{{ s }}`), field, form: 'inside' });
      }
    }
  }
  return out;
}

const accepted = new Set<string>();

describe.each(cases().map((c) => [`${c.field} (${c.form})`, c] as const))('a secret in %s', (_label, c) => {
  it('is refused with file, line and field, or never reaches a command word', () => {
    const got = outcome(c.type, c.args);
    if ('refused' in got) {
      // The field's own line: the one holding the template that read the secret.
      const line = got.yaml.split('\n').findIndex((l) => l.includes('{{ s }}')) + 1;
      const fieldShown = c.field.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
      expect(got.refused.some((m) => m.startsWith(`site.yaml:${line}:`) && m.includes(`: ${fieldShown}: `)), got.refused.join('\n')).toBe(true);
      expect(got.refused.join('\n')).toMatch(c.type.name === 'systemd_unit' ? /readable by every user/ : /this argument becomes a command word on the host and would show in its process list; /);
      expect(got.refused.join('\n')).not.toContain(VALUE);
      return;
    }
    accepted.add(c.field);
    expect(got.planned.commands).not.toContain(VALUE);
    for (const step of got.planned.steps) {
      if (step.kind === 'run') expect(step.command + (step.label ?? '')).not.toContain(VALUE);
      else expect(JSON.stringify({ ...step, content: undefined })).not.toContain(VALUE);
    }
    if (got.planned.control !== undefined) expect(got.planned.control).not.toContain(VALUE);
  });
});

describe('which arguments take a secret', () => {
  it('exactly the fields meant for one (the table above decided each)', () => {
    expect([...accepted].sort()).toEqual(TAKES_SECRETS);
  });
});

describe('nothing to do: no secret read, the same commands as before', () => {
  it.each(allTaskTypes().map((t) => [t.name, t] as const))('%s', (_name, t) => {
    const args = exampleArgs(t);
    const yaml = stringify([{ [t.name]: args }]);
    const source = YamlSource.fromText(yaml, 'site.yaml');
    // A secret in scope that the arguments do not read changes nothing.
    const rendered = renderArgs((source.data as Record<string, unknown>[])[0][t.name], { ...EXAMPLE_VARS, s: new Secret(VALUE) }, { source, report: (e) => expect.fail(e.message) }, [0, t.name]);
    const direct = renderArgs(args, EXAMPLE_VARS, { source, report: (e) => expect.fail(e.message) }, [0, t.name]);
    const viaPlaybook = t.schema.safeParse(rendered);
    expect(viaPlaybook.success, viaPlaybook.error?.message).toBe(true);
    if (t.control) return;
    const plan = (a: unknown) => {
      const local = t.resolveLocal ? t.resolveLocal(a, { template: () => 'rendered\n', file: () => 'file\n' }) : a;
      let scripts: ReturnType<typeof scriptsOf>;
      try {
        scripts = scriptsOf(t, local);
      } catch (err) {
        return `planner refused: ${(err as Error).message}`; // fetch of a missing file: the same refusal either way
      }
      const { facts, plan } = scripts;
      return [...facts, withoutHeredocs(stepsScript(plan.changes.flatMap((c) => c.steps), { dir: '/stage' }))].join('\n').replace(/PROVISION_[A-Z]+_[0-9a-f]+/g, 'MARKER');
    };
    expect(plan(viaPlaybook.data)).toBe(plan(t.schema.parse(direct)));
  });
});

describe('rendering keeps a secret a Secret', () => {
  const s = new Secret(VALUE);
  it.each([
    ['a whole variable', '{{ s }}', true],
    ['inside a longer value', '/srv/{{ s }}/x', true],
    ['through an encoder', '{{ url_encode s }}', true],
    ['only tested, not written (still derived from it)', '{{#if s}}yes{{/if}}', true],
    ['nothing to do: a value that reads no secret', '/srv/{{ p }}', false],
    ['nothing to do: no template at all', '/srv/plain', false],
  ])('%s', (_label, text, secret) => {
    const out = renderValue(text as string, { s, p: 'plain' });
    expect(isSecret(out)).toBe(secret);
    if (!secret) expect(typeof out).toBe('string');
  });

  it('secret_env reads a secret', () => {
    process.env.PROVISION_TEST_SECRET_ENV = VALUE;
    expect(isSecret(renderValue('x{{ secret_env "PROVISION_TEST_SECRET_ENV" }}', {}))).toBe(true);
    expect(isSecret(renderValue('x{{ env "PROVISION_TEST_SECRET_ENV" }}', {}))).toBe(false);
  });
});

describe('cmd() and quote() refuse a Secret by type, whatever its value', () => {
  it.each([
    ['cmd', () => cmd('ln', '-s', '--', new Secret('/srv/target') as unknown as string, '/srv/link')],
    ['quote', () => quote(new Secret('a') as unknown as string)],
    ['raw', () => raw(new Secret('&&') as unknown as string)],
  ])('%s', (_name, call) => {
    expect(call).toThrow(SecretWordError);
    expect(call).toThrow(/would show in its process list/);
  });

  it('nothing to do: plain words are quoted as before', () => {
    expect(cmd('ln', '-s', '--', "/srv/it's", raw('&&'), 'true')).toBe(`ln -s -- '/srv/it'\\''s' && true`);
  });
});

describe('a name or message rendered from a secret shows the secret masked, the rest readable', () => {
  const long = new Secret(VALUE);
  const short = new Secret('ab');
  it.each([
    ['a secret inside other text', renderValue('deploy with {{ s }}', { s: long }), 'deploy with ********'],
    ['a short secret (never masked inside text): the whole text masked', renderValue('deploy with {{ s }}', { s: short }), MASK],
    ['nothing to do: no secret read', renderValue('deploy {{ p }}', { p: 'v1' }), 'deploy v1'],
  ])('%s', (_label, value, want) => {
    expect(shownText(value as string | Secret)).toBe(want);
  });
});

describe('a secret in a verify: check', () => {
  const inventory = parseInventory(YamlSource.fromText('hosts:\n  web: {}\n', 'inventory/hosts.yaml'));
  /** The errors compiling a play with this one verify: check gives (for provision test), one per line. */
  const verifyErrors = (check: string): string[] => {
    const vars = `    s: !secret ${JSON.stringify(VALUE)}\n`;
    const dir = writeProject({ 'site.yaml': `- hosts: web\n  vars:\n${vars}  tasks: []\n  verify:\n    - ${check}\n` });
    try {
      compile(loadPlaybook(`${dir}/site.yaml`), inventory, { verify: true });
      return [];
    } catch (err) {
      return (err as Error).message.split('\n');
    }
  };

  it.each([
    ['whole, a command', 'command: { cmd: "{{ s }}" }', 'verify[0].command.cmd'],
    ['inside a longer command', 'command: { cmd: "grep -q {{ s }} /etc/app.conf" }', 'verify[0].command.cmd'],
    ['inside a URL', 'http: { url: "https://app.test/?token={{ s }}" }', 'verify[0].http.url'],
    ['inside a path', 'file: { path: "/srv/{{ s }}/x" }', 'verify[0].file.path'],
    ['inside expected text (a string or a list)', 'file: { path: /etc/app.conf, contains: "password={{ s }}" }', 'verify[0].file.contains'],
    ['in a list of expected output', 'command: { cmd: cat /etc/app.conf, stdout_contains: [a, "b{{ s }}"] }', 'verify[0].command.stdout_contains[1]'],
  ])('%s is refused with file, line, field, reason and what to do', (_label, check, field) => {
    const errors = verifyErrors(check);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`site\\.yaml:6:\\d+: ${field.replace(/[[\].]/g, '\\$&')}: a verify: check shows .* no secret there \\(only http\\.auth\\.password takes one\\); check with a plain value`));
    expect(errors[0]).not.toContain('received Secret');
    expect(errors[0]).not.toContain(VALUE);
  });

  it('nothing to do: a secret as the basic auth password, and plain checks, compile', () => {
    expect(verifyErrors('http: { url: "https://app.test/", auth: { user: u, password: "p:{{ s }}" } }')).toEqual([]);
    expect(verifyErrors('command: { cmd: "grep -q x /etc/app.conf" }')).toEqual([]);
  });

  it('other mistakes in a check still read as before', () => {
    expect(verifyErrors('tcp: { port: 99999 }')).toEqual([expect.stringMatching(/site\.yaml:6:\d+: verify\[0\]\.tcp\.port: Too big/)]);
  });
});
