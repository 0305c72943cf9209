import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { jinjaProblem, knownModules, moduleHint, REFUSED_KEYWORDS, SUPPORTED_KEYWORDS, unsupportedKeyword } from '../../src/ansible-compat.js';
import { renderTemplate, renderValue, TemplateError } from '../../src/template.js';
import { taskTypeNames } from '../../tasks/index.js';
import { runCli, writeProject } from '../support/provision.js';

const HANDLEBARS = "provision's templates are handlebars, not Jinja: ";

describe('jinjaProblem: a Jinja construct, where it is and the handlebars way', () => {
  it.each([
    // [what, template, the handlebars way (or the "none" explanation) the message must show, line, column]
    ['if statement', 'a\n  {% if use_tls %}x{% endif %}', '`{{#if use_tls}}...{{else}}...{{/if}}`', 2, 3],
    ['if with ==', "{% if env == 'prod' %}x{% endif %}", '`{{#if (eq env "prod")}}', 1, 1],
    ['if with !=', '{% if env != "dev" %}x{% endif %}', '`{{#if (ne env "dev")}}', 1, 1],
    ['if not', '{% if not debug %}x{% endif %}', '`{{#if (not debug)}}', 1, 1],
    ['if with and: the general form', '{% if a and b %}x{% endif %}', '`{{#if CONDITION}}', 1, 1],
    ['elif', 'x {{#if a}}1{% elif b %}2{{/if}}', '`{{else if b}}`', 1, 13],
    ['trimmed if', '{%- if x -%}y{% endif %}', '`{{#if x}}', 1, 1],
    ['for loop', 'users:\n{% for u in users %}\n- {{ u }}\n{% endfor %}', '`{{#each users as |u|}}...{{u}}...{{/each}}`', 2, 1],
    ['for over items()', '{% for k, v in env.items() %}{{ k }}={{ v }}{% endfor %}', '`{{#each env}}{{@key}}: {{this}}{{/each}}`', 1, 1],
    ['set', '{% set port = 8080 %}', 'handlebars has no assignment: put the value in `vars:`', 1, 1],
    ['include', "{% include 'header.j2' %}", 'no includes, inheritance or macros', 1, 1],
    ['raw', '{% raw %}{{ x }}{% endraw %}', '`\\{{`', 1, 1],
    ['comment', 'x = 1 {# why #}', '`{{!-- ... --}}`', 1, 7],
    ['default filter', "listen {{ port | default('80') }};", '`{{default port "80"}}`', 1, 8],
    ['d filter, no spaces', '{{x|d(5)}}', '`{{default x 5}}`', 1, 1],
    ['default without argument', '{{ x | default }}', '`{{default x ""}}`', 1, 1],
    ['chained filters, a list literal', "{{ hosts | default([]) | join(',') }}", '`{{default VALUE "fallback"}}`', 1, 1],
    ['chained filters, simple', "{{ hosts | default('') | join(',') }}", '`{{join (default hosts "") ","}}`', 1, 1],
    ['join', "server_names {{ names | join(' ') }};", '`{{join names " "}}`', 1, 14],
    ['to_json', '{{ origins | to_json }}', '`{{json origins}}`', 1, 1],
    ['quote', 'echo {{ msg | quote }}', '`{{shell_quote msg}}`', 1, 6],
    ['urlencode', 'postgresql://u:{{ pw | urlencode }}@h/db', '`{{url_encode pw}}`', 1, 16],
    ['filter then helper-mapped filter', "{{ x | d('a') | quote }}", '`{{shell_quote (default x "a")}}`', 1, 1],
    ['filter without helper', '{{ name | lower }}', 'provision has no helper for it', 1, 1],
    ['default(omit)', '{{ x | default(omit) }}', 'provision has no `omit`', 1, 1],
    ['concatenation', "{{ a ~ '-' ~ b }}", '`{{a}}-{{b}}`', 1, 1],
    ['inline if', "{{ 'on' if enabled else 'off' }}", '`{{#if enabled}}on{{else}}off{{/if}}`', 1, 1],
    ['inline if without else', "{{ 'x' if y }}", '`{{#if y}}x{{/if}}`', 1, 1],
    ['env lookup', "HOME={{ lookup('env', 'HOME') }}", '`{{env "HOME"}}`', 1, 6],
    ['file lookup', "{{ lookup('file', 'id_rsa.pub') }}", '`copy` with `src:`', 1, 1],
    ['query', "{{ query('inventory_hostnames', 'all') }}", "read the controller's environment", 1, 1],
    ['index', '{{ servers[0] }}', '`{{servers.[0]}}`', 1, 1],
    ['key', "{{ db['name'] }}", '`{{db.name}}`', 1, 1],
    ['key that is no identifier', "{{ db['my-db'] }}", '`{{db.[my-db]}}`', 1, 1],
    ['nested keys', "{{ ansible_facts['default_ipv4']['address'] }}", '`{{ansible_facts.default_ipv4.address}}`', 1, 1],
    ['a key held in a variable', '{{ ports[name] }}', 'handlebars indexes by fixed keys only', 1, 1],
    ["the host's own hostvars", "{{ hostvars[inventory_hostname]['x'] }}", "the host's own variables are plain names", 1, 1],
    ['a comparison inside #if', '{{#if mode == "tls"}}x{{/if}}', '`{{#if (eq mode "tls")}}...{{/if}}`', 1, 1],
    ['and inside #if', '{{#if a and b}}x{{/if}}', '`{{#if a}}{{#if b}}...{{/if}}{{/if}}`', 1, 1],
    ['comparison', "{{ mode == 'tls' }}", '`{{#if (eq mode "tls")}}...{{/if}}`', 1, 1],
    ['ordering', '{{ workers > 2 }}', '`(eq a b)` and `(ne a b)` only', 1, 1],
    ['is defined', '{{ x is defined }}', '`{{default x ""}}` gives a fallback', 1, 1],
    ['and', '{{ a and b }}', '`{{#if a}}{{#if b}}...{{/if}}{{/if}}`', 1, 1],
    ['in', "{{ 'a' in list }}", 'handlebars has no `and`, `or`, `in`', 1, 1],
    ['arithmetic', '{{ port + 1 }}', 'handlebars computes nothing', 1, 1],
    ['modulo', '{{ n % 2 }}', 'handlebars computes nothing', 1, 1],
    ['method call', "{{ path.split('/') }}", 'handlebars calls no methods', 1, 1],
    ['function call', '{{ range(3) }}', 'has no `range`', 1, 1],
    ['helper called with parentheses', "{{ default(x, 'y') }}", '`{{default x "y"}}`', 1, 1],
    ['whitespace control', 'a\n{{- x -}}', '`{{~x~}}`', 2, 1],
    ['whitespace control on one side', '{{ x -}}', '`{{x~}}`', 1, 1],
    ['in a block', '{{#if a}}\n  {{ b | upper }}\n{{/if}}', 'provision has no helper', 2, 3],
    ['after valid handlebars', '{{default x "a|b"}} {{ y | lower }}', 'provision has no helper', 1, 21],
    ['unknown statement', '{% autoescape true %}', 'handlebars has no statements', 1, 1],
    ['a statement says how to install a Jinja file as text', '{% macro m() %}{% endmacro %}', 'use `copy`, which renders nothing', 1, 1],
    ['a statement in a value, no mustache', 'echo {% if x %}y{% endif %}', '`{{#if x}}', 1, 6],
  ])('%s', (_what, text, way, line, column) => {
    const problem = jinjaProblem(text);
    expect(problem?.message.startsWith(HANDLEBARS), problem?.message).toBe(true);
    expect(problem?.message).toContain(way);
    expect({ line: problem?.line, column: problem?.column }).toEqual({ line, column });
  });

  it.each([
    ['nothing to do: plain text', 'server { listen 80; }'],
    ['a variable', '{{ x }}'],
    ['a path without spaces', '{{x.y.z}}'],
    ['#if/else', '{{#if x}}a{{else}}b{{/if}}'],
    ['else if chain', '{{#if a}}1{{else if b}}2{{/if}}'],
    ['#unless', '{{#unless x}}y{{/unless}}'],
    ['#each with block params', '{{#each xs as |x i|}}{{i}}={{x}}{{/each}}'],
    ['#each with @index and this', '{{#each xs}}{{@index}}:{{this}}{{/each}}'],
    ['parent path', '{{#each xs}}{{../name}}{{/each}}'],
    ['a helper with a string', '{{default x "y"}}'],
    ['a string with | and %', '{{default x "a|b 100% {% no %}"}}'],
    ['a string with single quotes', "{{default x 'a|b'}}"],
    ['a subexpression', '{{#if (eq a "b")}}y{{/if}}'],
    ['not as a helper', '{{ not x }}'],
    ['nested helpers with a comma in a string', '{{dotenv_quote (json (default x "a,b"))}}'],
    ['triple stash', '{{{raw}}}'],
    ['comment', '{{! a | b }}'],
    ['long comment with Jinja inside', '{{!-- {% if x %} {{ y | z }} --}}'],
    ['whitespace control', '{{~x~}}'],
    ['segment literal', '{{x.[0]}}'],
    ['segment literal with spaces', '{{[my key]}}'],
    ['hash arguments', '{{helper a key=value}}'],
    ['a name with dashes', '{{x-y}}'],
    ['a partial', '{{> footer}}'],
    ['escaped mustache', '\\{{ x | y }}'],
    ['raw block', '{{{{raw}}}}{% x %}{{ y | z }}{{{{/raw}}}}'],
    ['percent in text', '100% done'],
    ['a pipe in text', 'a | b && c || d'],
    ['shell array length', 'n=${#arr[@]} # count'],
    ['printf format', "printf '%s\\n' {x}"],
    ['nginx map block', 'map $http_upgrade $connection_upgrade { default upgrade; "" close; }'],
    ['JSON', '{"a": [1, 2], "b": {"c": "%"}}'],
    ['an unclosed mustache: left to handlebars', '{{ x | y'],
  ])('not Jinja: %s', (_what, text) => {
    expect(jinjaProblem(text)).toBeUndefined();
    // handlebars' own parser is the judge that these are handlebars (the unclosed one is its error to report).
    if (!text.startsWith('{{ x | y')) expect(() => Handlebars.parse(text)).not.toThrow();
  });

  it("the repository's own templates and playbooks are handlebars", () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : [path];
      });
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
    const found: string[] = [];
    const templates = files(join(root, 'templates'));
    for (const file of templates) if (jinjaProblem(readFileSync(file, 'utf8'))) found.push(file);
    const playbooks = files(join(root, 'playbooks')).filter((f) => f.endsWith('.yaml'));
    for (const file of playbooks) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) for (const s of strings(doc.toJS())) if (jinjaProblem(s)) found.push(`${file}: ${s}`);
    }
    expect(templates.length + playbooks.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });
});

describe('templates reject Jinja with its line and column', () => {
  const vars = { x: 'v', xs: ['a', 'b'], use_tls: true, pw: 'p@ss w/rd' };

  it('a template file: TemplateError at the construct, with the handlebars way', () => {
    let error: unknown;
    try {
      renderTemplate('server {\n    listen 443;\n    {% if use_tls %}ssl on;{% endif %}\n}\n', vars);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    const e = error as TemplateError;
    expect({ line: e.line, column: e.column }).toEqual({ line: 3, column: 5 });
    expect(e.message).toContain('{{#if use_tls}}');
  });

  it('a playbook value with a filter', () => {
    expect(() => renderValue("{{ x | default('y') }}", vars)).toThrow(/is `\{\{default x "y"\}\}`/);
  });

  it('a playbook value with a statement and no mustache is not passed through as text', () => {
    expect(() => renderValue('{% for x in xs %}{{ x }}{% endfor %}', vars)).toThrow(TemplateError);
    expect(() => renderValue('echo {% if a %}b{% endif %}', vars)).toThrow(/handlebars, not Jinja/);
  });

  it.each([
    ['nothing to do: plain text', 'plain', 'plain'],
    ['a variable', 'x={{ x }}', 'x=v'],
    ['#each with block params', '{{#each xs as |i|}}[{{i}}]{{/each}}', '[a][b]'],
    ['#if/else', '{{#if use_tls}}tls{{else}}plain{{/if}}', 'tls'],
    ['a string with a pipe', '{{default nope "a|b"}}', 'a|b'],
    ['whitespace control', 'a  {{~x~}}  b', 'avb'],
    ['segment literal', '{{xs.[1]}}', 'b'],
    ['an encoder', 'u={{ url_encode pw }}', 'u=p%40ss%20w%2Frd'],
    ['escaped mustache', '\\{{x}}', '{{x}}'],
    ['percent and pipes in text', '100% | done', '100% | done'],
  ])('valid handlebars renders as before: %s', (_what, template, expected) => {
    expect(renderTemplate(template, vars)).toBe(expected);
  });
});

describe('moduleHint: what provision uses for an Ansible module', () => {
  it.each([
    ['ansible.builtin.shell', /provision's task type is "command" \(`cmd:` runs with sh -c\)/],
    ['shell', /provision's task type is "command"/],
    ['ansible.builtin.command', /task type is "command".*Ansible's command runs no shell/],
    ['ansible.legacy.command', /task type is "command"/],
    ['raw', /task type is "command"/],
    ['ansible.builtin.apt', /task type is "apt" \(`packages:` takes the list/],
    ['package', /task type is "apt"/],
    ['ansible.builtin.copy', /task type is "copy"; see `provision tasks copy`/],
    ['ansible.builtin.template', /task type is "template" \(templates are handlebars, not Jinja/],
    ['systemd', /task type is "service"/],
    ['ansible.builtin.systemd_service', /task type is "service".*systemd_unit/],
    ['community.general.ufw', /task type is "ufw"/],
    ['community.general.htpasswd', /task type is "htpasswd"/],
    ['community.postgresql.postgresql_db', /task type is "postgres_db"/],
    ['postgresql_user', /task type is "postgres_user"/],
    ['ansible.builtin.debug', /task type is "debug"$/],
    ['lineinfile', /provision has no task type for it: provision writes whole files/],
    ['ansible.builtin.blockinfile', /no task type for it: provision writes whole files/],
    ['get_url', /no task type for it: run it with `command` \(`argv: \[curl/],
    ['git', /`creates: DEST\/\.git`/],
    ['pip', /PEP 668/],
    ['unarchive', /tar, -xf/],
    ['ansible.builtin.set_fact', /task type is "set_fact"$/],
    ['include', /import_tasks/],
    ['import_playbook', /in the list of plays/],
    ['setup', /gather_facts/],
    ['yum', /Debian hosts: use `apt`/],
    ['ansible.posix.authorized_key', /authorized_keys with `copy`/],
    ['wait_for', /`verify:` \(`tcp:`\)/],
  ])('%s', (name, message) => {
    const hint = moduleHint(name);
    expect(hint).toMatch(new RegExp(`^"${name.replace(/\./g, '\\.')}" is Ansible's module; `));
    expect(hint).toMatch(message);
  });

  it.each([
    ['nothing to do: a provision task type', 'apt'],
    ['a provision task type named like the module', 'ufw'],
    ["the engine's own", 'debug'],
    ["provision's own", 'nginx_site'],
    ['no Ansible module', 'frobnicate'],
    ['a name in a collection that has no such module', 'community.general.apt'],
    ['an unknown collection', 'acme.tools.shell'],
  ])('no hint: %s', (_what, name) => {
    expect(moduleHint(name)).toBeUndefined();
  });

  it('every provision task type is left to the engine (no hint for its own key)', () => {
    for (const name of taskTypeNames()) expect(moduleHint(name), name).toBeUndefined();
  });
});

describe('unsupportedKeyword: a message naming the keyword and what to use', () => {
  it.each([
    ['task', 'delegate_to', /put the task in a play whose `hosts:` is that other host/],
    ['task', 'delegate_facts', /hosts:/],
    ['task', 'become_user', /sudo only.*runuser/],
    ['task', 'become_method', /sudo only/],
    ['task', 'environment', /environment: \{ NAME: value \}/],
    ['task', 'until', /no retry loop/],
    ['task', 'retries', /no retry loop/],
    ['task', 'async', /run to completion/],
    ['task', 'run_once', /one host/],
    ['task', 'with_dict', /write `loop:` with a list/],
    ['task', 'with_fileglob', /write `loop:`/],
    ['task', 'local_action', /hosts only/],
    ['task', 'action', /task type as the key/],
    ['task', 'args', /under the task type's key/],
    ['task', 'remote_user', /ansible_user in the inventory/],
    ['task', 'port', /ansible_port/],
    ['task', 'timeout', /no per-task timeout/],
    ['play', 'serial', /no rolling batches/],
    ['play', 'strategy', /free strategy/],
    ['play', 'tags', /on the tasks, or on a block/],
    ['play', 'ignore_errors', /on the tasks/],
    ['play', 'check_mode', /-C\/--check/],
    ['play', 'remote_user', /ansible_user/],
    ['play', 'vars_prompt', /secret_env/],
    ['play', 'force_handlers', /survive a failed run/],
    ['play', 'register', /a task's keyword.*put it on the tasks$/],
    ['block', 'loop', /a task's keyword \(Ansible refuses it on a block too\): put it on the tasks in the block/],
    ['block', 'with_items', /a task's keyword/],
    ['block', 'register', /a task's keyword/],
    ['block', 'delegate_to', /that other host/],
  ] as const)('%s: %s', (level, key, why) => {
    const message = unsupportedKeyword(level, key);
    expect(message).toMatch(new RegExp(`^"${key}" is an Ansible keyword provision does not support${level === 'task' ? '' : ` on a ${level}`}: `));
    expect(message).toMatch(why);
  });

  it.each([
    ...SUPPORTED_KEYWORDS.task.map((k) => ['task', k] as const),
    ...SUPPORTED_KEYWORDS.block.map((k) => ['block', k] as const),
    ...SUPPORTED_KEYWORDS.play.map((k) => ['play', k] as const),
    ['task', 'copy'],
    ['task', 'nmae'],
    ['play', 'hostz'],
  ] as const)('nothing to report: %s %s', (level, key) => {
    expect(unsupportedKeyword(level, key)).toBeUndefined();
  });
});

describe('the README\'s "Coming from Ansible" names every keyword and module of the tables', () => {
  it('each refused keyword, supported keyword and module appears in the section', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const section = /### Coming from Ansible\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    const names = [...REFUSED_KEYWORDS, ...SUPPORTED_KEYWORDS.play, ...SUPPORTED_KEYWORDS.task, ...knownModules()];
    expect(names.filter((n) => !section.includes(`\`${n}\``))).toEqual([]);
  });
});

describe('provision validate: Jinja anywhere is bad input (exit 4) naming the file, line and column', () => {
  const inventory = 'all:\n  hosts:\n    web1:\n      greeting: "{% if x %}hi{% endif %}"\n';
  const project = (playbook: string, files: Record<string, string> = {}) => writeProject({ 'site.yaml': playbook, 'hosts.yaml': 'all:\n  hosts:\n    web1:\n', 'inv-jinja.yaml': inventory, ...files });

  it('a template file: its own path, line and column, and the handlebars way', async () => {
    const dir = project('- hosts: all\n  tasks:\n    - template: { src: app.conf.hbs, dest: /etc/app.conf }\n', {
      'templates/app.conf.hbs': 'port = {{ port }}\nname = {{ name | default("app") }}\n',
    });
    const r = await runCli(['validate', `${dir}/site.yaml`, '-i', `${dir}/hosts.yaml`, '-e', 'port=1 name=x']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/app\.conf\.hbs:2:8: .*handlebars, not Jinja: .*is `\{\{default name "app"\}\}`/);
  });

  it('a playbook value that is only a statement', async () => {
    const dir = project('- hosts: all\n  tasks:\n    - command: { cmd: "echo {% if a %}b{% endif %}" }\n');
    const r = await runCli(['validate', `${dir}/site.yaml`, '-i', `${dir}/hosts.yaml`]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/site\.yaml:3:.*handlebars, not Jinja: `\{% if a %\}`/);
  });

  it('a play variable and an inventory variable', async () => {
    const dir = project('- hosts: all\n  vars:\n    motd: "{# hello #}"\n  tasks:\n    - command: { cmd: "echo {{ motd }} {{ greeting }}" }\n');
    const r = await runCli(['validate', `${dir}/site.yaml`, '-i', `${dir}/inv-jinja.yaml`]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/site\.yaml:3:.*`\{# hello #\}` \(a comment\) is `\{\{!-- \.\.\. --\}\}`/);
    expect(r.stderr).toMatch(/inv-jinja\.yaml:4:.*`\{% if x %\}`.*inventory variable greeting/);
  });

  it('nothing to report: the same project in handlebars validates', async () => {
    const dir = project('- hosts: all\n  vars:\n    motd: "{{!-- hello --}}hi"\n  tasks:\n    - template: { src: app.conf.hbs, dest: /etc/app.conf }\n    - command: { cmd: "echo {{ motd }} n=${#motd} {{#if a}}b{{/if}}" }\n', {
      'templates/app.conf.hbs': 'port = {{ port }}\nname = {{default name "app"}}\n',
    });
    const r = await runCli(['validate', `${dir}/site.yaml`, '-i', `${dir}/hosts.yaml`, '-e', 'port=1 a=true']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
