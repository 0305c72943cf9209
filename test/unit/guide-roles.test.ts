// The project's own roles (roles/) for what the guide playbooks share: each role's
// argument_specs stops bad input before any host is touched, with the line that uses the role;
// the guide playbooks that use the roles compile; the README's tables are the argument_specs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { compile } from '../../src/compile.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory.js';
import { loadPlaybook } from '../../src/playbook.js';
import { YamlSource } from '../../src/yaml-source.js';
import { loadScenarioFile, scenarioVars } from '../../src/scenario.js';
import { ROOT, writeProject } from '../support/provision.js';

const ROLES = join(ROOT, 'roles');
const inventory = () => parseInventory(YamlSource.fromText('hosts:\n  web1: { address: 10.0.0.1 }\n', 'inventory/hosts.yaml'));

/** Compiles a playbook that uses ROLE (by its path) with `vars`; the error messages, or [] when valid. */
function problemsUsing(role: string, vars: Record<string, unknown>): string[] {
  const play = [{ hosts: 'all', tasks: [{ import_role: { name: join(ROLES, role) }, vars }] }];
  const dir = writeProject({ 'playbooks/site.yaml': YAML.stringify(play) });
  try {
    compile(loadPlaybook(`${dir}/playbooks/site.yaml`), inventory(), { extraVars: {} });
    return [];
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors.map((e) => e.message.replace(dir + '/', '').replace(ROOT + '/', ''));
    if (err instanceof ConfigError) return [err.message.replace(dir + '/', '').replace(ROOT + '/', '')];
    throw err;
  }
}

const secret = `q'"$x\`y\`@:/# z`;
const good: Record<string, Record<string, unknown>> = {
  certbot_certificate: { certbot_domains: ['example.org'] },
  firewall_baseline: {},
  nginx_tls_site: { nginx_site_name: 'example', nginx_site_template: 'nginx/websocket-proxy.conf.hbs', nginx_site_vars: { domain: 'example.org', app_port: 8080, tls_cert: '', tls_key: '', ansible_distribution_release: 'trixie' } },
  postgres_app_db: { postgres_app_user: 'app', postgres_app_password: secret, postgres_app_db: 'app' },
};

describe('each guide role checks its arguments before any host is touched', () => {
  it('every role in roles/ has a case here', () => expect(Object.keys(good).sort()).toEqual(readdirSync(ROLES).sort()));

  it.each(Object.entries(good))('%s: nothing wrong, nothing reported', (role, vars) => expect(problemsUsing(role, vars)).toEqual([]));

  const bad: [string, string, Record<string, unknown>, RegExp][] = [
    ['certbot_certificate', 'no domain', {}, /"certbot_domains" is required/],
    ['certbot_certificate', 'an authenticator it does not know', { certbot_domains: ['a.org'], certbot_authenticator: 'standalone' }, /"certbot_authenticator" must be one of "nginx", "webroot", got "standalone"/],
    ['firewall_baseline', 'rules that are not a list of mappings', { firewall_rules: ['allow 22'] }, /"firewall_rules" must be a list of dict, item 0 is "allow 22"/],
    ['nginx_tls_site', 'no template', { nginx_site_name: 'x' }, /"nginx_site_template" is required/],
    ['nginx_tls_site', 'remove_default not a boolean', { nginx_site_name: 'x', nginx_site_template: 't', nginx_remove_default: 'maybe' }, /"nginx_remove_default" must be of type bool, got "maybe"/],
    ['postgres_app_db', 'no password', { postgres_app_user: 'app', postgres_app_db: 'app' }, /"postgres_app_password" is required/],
    ['postgres_app_db', 'privileges not a list', { ...good.postgres_app_db, postgres_app_db_privileges: { role: 'x' } }, /"postgres_app_db_privileges" must be of type list/],
  ];
  it.each(bad)('%s: %s: the file and line that use the role, the role, the argument', (role, _what, vars, message) => {
    const found = problemsUsing(role, vars);
    // The argument check comes first; the role's task that uses the bad value may add its own.
    expect(found.length, found.join('\n')).toBeGreaterThanOrEqual(1);
    expect(found[0]).toMatch(/^playbooks\/site\.yaml:\d+:\d+: /);
    expect(found[0]).toContain(`role "roles/${role}"`);
    expect(found[0]).toMatch(message);
    expect(found[0]).toMatch(/argument_specs in roles\/\w+\/meta\/argument_specs\.yaml/);
    // A secret given to the role never appears in what is reported.
    expect(found[0]).not.toContain(secret);
  });
});

const GUIDES: [string, string][] = [
  ['rocktalk', 'rocktalk'],
  ['chatalot', 'chatalot'],
  ['flip-rip', 'flip_rip'],
  ['iob-maiis', 'iob_maiis'],
  ['personal-analytics', 'personal_analytics'],
];

describe('the guide playbooks, written with the roles, compile with each of their test scenarios', () => {
  const cases = GUIDES.flatMap(([guide, group]) => {
    const file = join(ROOT, 'playbooks', `${guide}.yaml`);
    return (loadScenarioFile(file)?.scenarios ?? []).map((scenario) => [`${guide} (${scenario.name})`, file, group, scenario] as const);
  });
  it('every guide has a scenario here', () => expect(new Set(cases.map((c) => c[1])).size).toBe(GUIDES.length));
  it.each(cases)('%s: no problem, and each role the guide uses is in the plan', (_name, file, group, scenario) => {
    // The variables a test host's inventory gives (the sandbox's ACME CA), then the scenario's.
    const inv = parseInventory(YamlSource.fromText(`hosts:\n  h1: { address: 10.0.0.1, vars: { acme_server: "https://127.0.0.1:14000/dir", acme_ca_bundle: /etc/ca.pem } }\ngroups:\n  ${group}: { hosts: [h1] }\n`, 'inventory/hosts.yaml'));
    const runs = compile(loadPlaybook(file), inv, { extraVars: scenarioVars(scenario) });
    const seen = new WeakSet();
    const names = JSON.stringify(runs, (_k, v) => (v && typeof v === 'object' ? (seen.has(v) ? undefined : (seen.add(v), v)) : v));
    for (const role of readFileSync(file, 'utf8').matchAll(/(?:import|include)_role: \{ name: (\w+) \}/g)) expect(names).toContain(role[1]);
  });
});

describe('the README documents each role as its argument_specs say', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  it.each(readdirSync(ROLES).sort())('%s', (role) => {
    const spec = YAML.parse(readFileSync(join(ROLES, role, 'meta', 'argument_specs.yaml'), 'utf8')).argument_specs.main;
    const section = readme.slice(readme.indexOf(`#### \`${role}\``));
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|---|')));
    const rows = Object.entries(spec.options as Record<string, { type?: string; elements?: string; choices?: unknown[]; required?: boolean; default?: unknown; description: string }>).map(([name, o]) => {
      const type = (o.type ?? 'str') + (o.elements ? ` of ${o.elements}` : '') + (o.choices ? ` (${o.choices.join(' \\| ')})` : '');
      const def = o.required ? 'required' : '`' + JSON.stringify(o.default).replace(/\|/g, '\\|') + '`';
      return `| \`${name}\` | ${type} | ${def} | ${o.description} |`;
    });
    expect(section.length).toBeLessThan(readme.length);
    expect(table.split('\n').filter((l) => l.startsWith('| `'))).toEqual(rows);
  });

  it.each(readdirSync(ROLES).sort())('%s: every default in defaults/main.yaml is the one argument_specs gives', (role) => {
    const spec = YAML.parse(readFileSync(join(ROLES, role, 'meta', 'argument_specs.yaml'), 'utf8')).argument_specs.main.options;
    const defaults = YAML.parse(readFileSync(join(ROLES, role, 'defaults', 'main.yaml'), 'utf8')) ?? {};
    for (const [name, o] of Object.entries(spec as Record<string, { required?: boolean; default?: unknown }>)) {
      if (o.required) expect(defaults, `${role}: ${name} is required, no default`).not.toHaveProperty(name);
      else expect(defaults[name], `${role}: ${name}`).toEqual(o.default);
    }
  });
});
