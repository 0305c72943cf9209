import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../src/fnmatch.js';
import { matchHosts, matchLimit } from '../../src/host-patterns.js';
import { compilePythonRegex } from '../../src/python-regex.js';
import { loadInventory } from '../../src/inventory.js';
import { runCli, writeProject } from '../support/provision.js';

/**
 * Host patterns against Ansible itself: each pattern goes to ansible-core's
 * InventoryManager.list_hosts (what `ansible PATTERN --list-hosts` calls; a few
 * are also run through the `ansible` command to show the two agree) and to
 * provision's matcher, over the same YAML inventories. Host lists are compared
 * in order: Ansible runs a play's hosts in this order.
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-patterns-'));
const env = {
  ...process.env,
  HOME: dir,
  ANSIBLE_CONFIG: join(dir, 'ansible.cfg'),
  ANSIBLE_HOST_PATTERN_MISMATCH: 'ignore',
  ANSIBLE_LOCALHOST_WARNING: 'false',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
  ANSIBLE_DEPRECATION_WARNINGS: 'false',
  ANSIBLE_NOCOLOR: '1',
};
writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');

// A host named like a group (web; Ansible then also files the group web under ungrouped, a quirk
// of its reconcile step that provision does not copy: so `ungrouped` is tested on apps.yaml), a group reached through two parents, nested groups defined last
// (so inventory order and Ansible's order of `all` agree: see the README), a dotted name.
const servers = `all:
  hosts:
    solo:
    web:
  children:
    web:
      hosts:
        web1:
        web2:
        web10:
    db:
      hosts:
        db1:
        db2:
    staging:
      hosts:
        stage-web.example.com:
        web2:
    prod:
      children:
        web:
        db:
        replicas:
          hosts:
            db3:
`;

// The case: app[1] is the second host of app, not the host app1. Addresses as host names.
const apps = `all:
  hosts:
    lone:
  children:
    app:
      hosts:
        app3:
        app1:
        app2:
        app10:
        app20:
    lb:
      hosts:
        10.0.0.1:
        10.0.0.2:
    edge:
      children:
        lb:
      hosts:
        gw:
`;

const files = { servers: join(dir, 'servers.yaml'), apps: join(dir, 'apps.yaml') };
writeFileSync(files.servers, servers);
writeFileSync(files.apps, apps);

/** The Python that runs ansible (its shebang): another python3 on PATH may not have it. */
const python = readFileSync(execFileSync('which', ['ansible'], { encoding: 'utf8' }).trim(), 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];

type Outcome = { hosts: string[] } | { error: string };

/** Ansible's answer for each pattern, from one Python process per inventory. */
function ansibleListHosts(inventory: string, patterns: string[]): Outcome[] {
  const script = `
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
out = []
for p in json.loads(sys.argv[2]):
    inv = InventoryManager(DataLoader(), sources=[sys.argv[1]])
    try:
        out.append({"hosts": [str(h) for h in inv.list_hosts(p)]})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(python, ['-c', script, inventory, JSON.stringify(patterns)], { env, encoding: 'utf8' }));
}

/** `ansible PATTERN -i INV --list-hosts`, parsed. */
function ansibleCommand(inventory: string, pattern: string): string[] {
  const out = execFileSync('ansible', [pattern, '-i', inventory, '--list-hosts'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => /^ {4}\S/.test(l)).map((l) => l.trim());
}

function provisionHosts(inventory: string, pattern: string): Outcome {
  try {
    return { hosts: matchHosts(loadInventory(inventory), pattern) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const cases: Record<keyof typeof files, string[]> = {
  servers: [
    'all',
    '*',
    'web', // the host web: a plain term naming a host is the host, before the group
    '&web', // with & (or !), the group web comes first
    'web:&prod',
    'prod:!web',
    'prod:&staging',
    '!staging',
    'db:web',
    'db,web1,solo',
    'web2:stage-web.example.com',
    'staging:!web2',
    'web[0]',
    'web[-1]',
    'web[0:1]',
    'web[1:]',
    'prod[2:4]',
    'prod[1:0]', // Ansible reads [a:0] as the index a
    'web[0]:web[-1]',
    'prod[0:1],db[1]',
    'db[0:1]:&prod',
    'we?', // the group web, then the host web
    'web[!1]',
    'web[!1]*',
    'web1*',
    '*.example.com',
    '*[-2]', // a subscript over * counts the hosts of every matching group, duplicates included
    '~web\\d+$',
    '~web', // re.match: anchored at the start only
    '~(db|web)1',
    '~.*2$',
    '~(?i)DB[0-9]',
    'al*',
    'r*',
    'nothing*',
    '~nothing',
  ],
  apps: [
    'app[1]',
    'app[0:2]',
    'app[-5]',
    'app[3:]',
    'app[10:]',
    'app*',
    'app[12]*',
    'app[!1]*',
    'app[2-9]*',
    'app?',
    '10.0.0.1',
    '10.0.0.*',
    '~10\\.0\\.0\\.[12]$',
    'edge',
    'edge:!lb',
    'lb:app[0]',
    'edge[1]',
    '*:!app',
    'ungrouped',
    'ungrouped:edge[0]',
  ],
};

describe.each(Object.entries(cases))('host patterns over %s.yaml, against Ansible', (name, patterns) => {
  const inventory = files[name as keyof typeof files];
  const expected = ansibleListHosts(inventory, patterns);
  it.each(patterns.map((p, i) => [p, expected[i]] as const))('%s', (pattern, ansible) => {
    expect(ansible).toHaveProperty('hosts');
    expect(provisionHosts(inventory, pattern)).toEqual(ansible);
  });
});

describe('the Python library gives what the ansible command prints', () => {
  it.each(['web[0:1]', '~(db|web)1', 'prod:!web', '*[-2]'])('%s', (pattern) => {
    const [library] = ansibleListHosts(files.servers, [pattern]);
    expect(ansibleCommand(files.servers, pattern)).toEqual((library as { hosts: string[] }).hosts);
  });
});

describe('--limit @file reads one pattern per line, as Ansible does', () => {
  it('matches the hosts Ansible selects with the same limit', () => {
    const limitFile = join(dir, 'limit.txt');
    writeFileSync(limitFile, 'web2\n\ndb*\n');
    const script = `
import sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
inv = InventoryManager(DataLoader(), sources=[sys.argv[1]])
inv.subset(sys.argv[2])
print("\\n".join(str(h) for h in inv.list_hosts("all")))
`;
    const ansible = execFileSync(python, ['-c', script, files.servers, `@${limitFile}`], { env, encoding: 'utf8' }).trim().split('\n');
    const inv = loadInventory(files.servers);
    const limited = new Set(matchLimit(inv, `@${limitFile}`));
    expect(matchHosts(inv, 'all').filter((h) => limited.has(h))).toEqual(ansible);
  });
});

/** provision validate on a one-play playbook whose hosts: is the pattern. */
async function validate(inventory: string, pattern: string) {
  const project = writeProject({ 'site.yaml': `# a play\n- hosts: ${JSON.stringify(pattern)}\n  tasks:\n    - command: { argv: ["true"] }\n` });
  return runCli(['validate', join(project, 'site.yaml'), '-i', inventory]);
}

describe('patterns Ansible refuses: provision exits 4 naming the pattern and the playbook line', () => {
  const refused = ['web[5]', 'web[-4]', '~web(', '~a**', '~(?P<x>a)(?P=y)', 'prod[9]'];
  const ansible = ansibleListHosts(files.servers, refused);
  it.each(refused.map((p, i) => [p, ansible[i]] as const))('%s', async (pattern, outcome) => {
    expect(outcome).toHaveProperty('error');
    const result = await validate(files.servers, pattern);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(`site.yaml:2`);
    expect(result.stderr).toContain(`"${pattern.replace(/\[.*$/, '')}`);
    expect(result.stderr).not.toMatch(/internal error|at .*\.js/i);
  });
});

describe('where provision is deliberately louder than Ansible (README: host patterns)', () => {
  it.each([
    // Ansible's colon splitting drops a stray bracket: "~[" becomes "~", which matches every host.
    ['~[', 'unbalanced'],
    ['web]', 'unbalanced'],
    // Ansible reads [:1] as a glob class and [0-1] as a removed subscript: both refused with the spelling to use.
    ['web[:1]', 'glob character class'],
    ['web[0-1]', 'removed'],
    // A plain name that matches nothing is a warning in Ansible: here an error, as a typo would be.
    ['wbe', 'no host or group named "wbe"'],
    ['localhost', 'no implicit localhost'],
  ])('%s', async (pattern, message) => {
    const [ansible] = ansibleListHosts(files.servers, [pattern]);
    expect(ansible).toHaveProperty('hosts'); // Ansible goes on, with some hosts or none
    const result = await validate(files.servers, pattern);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('site.yaml:2');
  });
});

describe('the glob and regex translators against Python\'s fnmatch and re.match', () => {
  const names = ['web', 'web1', 'web10', 'Web2', 'db-1', 'a.b', 'a-b', ']x', '[x', 'x^', 'été', '٣', 'web_2', 'web 2', 'app\n'];
  const globs = ['web*', 'w?b1', 'web[0-9]', 'web[!1]*', '[]x]*', '[!]]x', '[a-]*', '[x-a]', '*[!a-z]', '[^x]*', 'a[.-]b', '*\\*', '[', 'x[', '*?*'];
  const regexes = ['web', 'web\\d+$', '\\w+$', '(?a)\\w+$', '.*1', '[a-c]-\\d', '(?i)WEB', '(?P<w>w)eb(?P=w)?', 'web{,1}\\d{1,}', '\\d', '\\bweb\\b', '[\\w.]+$', '\\s', 'a{x', '[]x]', 'app$', '(?m)app$', 'web|db'];
  const script = `
import fnmatch, json, re, sys
names, globs, regexes = json.loads(sys.argv[1])
print(json.dumps({
  "globs": [[bool(re.match(fnmatch.translate(g), n)) for n in names] for g in globs],
  "regexes": [[bool(re.compile(r).match(n)) for n in names] for r in regexes],
}))
`;
  const python_ = JSON.parse(execFileSync(python, ['-c', script, JSON.stringify([names, globs, regexes])], { encoding: 'utf8' }));
  it.each(globs.map((g, i) => [g, python_.globs[i]] as const))('glob %s', (glob, matches) => {
    const re = globToRegExp(glob);
    expect(names.map((n) => re.test(n))).toEqual(matches);
  });
  it.each(regexes.map((r, i) => [r, python_.regexes[i]] as const))('regex %s', (regex, matches) => {
    const re = compilePythonRegex(regex);
    expect(names.map((n) => re.test(n))).toEqual(matches);
  });
});
