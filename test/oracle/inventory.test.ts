import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ansibleInventoryEnv } from '../support/ansible-inventory-env.js';
import { CLI, ROOT } from '../support/provision.js';

/**
 * Differential test: provision and Ansible's own ansible-inventory read the same
 * inventories; the groups, their hosts and children, and every merged variable of
 * every host must be the same.
 */
const FIXTURES = join(ROOT, 'test', 'fixtures', 'inventories');

interface Case {
  name: string;
  /** -i sources, relative to the fixture's folder. */
  sources: string[];
  playbookDir?: string;
}

const cases: Case[] = [
  { name: 'yaml-docs', sources: ['hosts.yaml'] },
  { name: 'yaml-all-vars-only', sources: ['hosts.yaml'] },
  { name: 'yaml-group-connection', sources: ['hosts.yaml'] },
  { name: 'yaml-scalars-1.1', sources: ['hosts.yml'] },
  { name: 'yaml-ranges', sources: ['hosts.yaml'] },
  { name: 'yaml-ungrouped', sources: ['hosts.yaml'] },
  { name: 'yaml-group-priority', sources: ['hosts.yaml'] },
  { name: 'yaml-siblings', sources: ['hosts.yaml'] },
  { name: 'yaml-nested-depth', sources: ['hosts.yaml'] },
  { name: 'yaml-nulls-and-strings', sources: ['hosts.yaml'] },
  { name: 'yaml-templated', sources: ['hosts.yaml'] },
  { name: 'yaml-ssh-aliases', sources: ['hosts.yaml'] },
  { name: 'ini-docs', sources: ['hosts'] },
  { name: 'ini-typing', sources: ['hosts.cfg.inventory'] },
  { name: 'ini-pending-children', sources: ['inventory'] },
  { name: 'ini-ranges-ports', sources: ['hosts'] },
  { name: 'ini-found-by-fuzz', sources: ['hosts'] },
  { name: 'dir-mixed', sources: ['inv'] },
  { name: 'vars-dirs', sources: ['hosts.yaml'] },
  { name: 'playbook-dir', sources: ['inventory/hosts.yaml'], playbookDir: 'play' },
  { name: 'playbook-dir', sources: ['inventory/hosts.yaml'] },
  { name: 'multi-source', sources: ['a.yaml', 'b'] },
  { name: 'multi-source', sources: ['b', 'a.yaml'] },
];

/** ansible-inventory with nothing of this machine's configuration: an empty HOME, no ansible.cfg, an empty working directory. */
async function ansibleInventory(args: string[]): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'ansible-oracle-'));
  const r = await promisify(execFile)('ansible-inventory', args, {
    cwd: home,
    encoding: 'utf8',
    env: ansibleInventoryEnv(home),
  });
  return r.stdout;
}

function provisionInventory(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'inventory', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function argsFor(c: Case): string[] {
  const dir = join(FIXTURES, c.name);
  return [...c.sources.flatMap((s) => ['-i', join(dir, s)]), ...(c.playbookDir ? ['--playbook-dir', join(dir, c.playbookDir)] : [])];
}

type ListJson = Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };

describe('inventories read as ansible-inventory reads them', () => {
  it.each(cases.map((c) => [`${c.name} (-i ${c.sources.join(' -i ')}${c.playbookDir ? ` --playbook-dir ${c.playbookDir}` : ''})`, c] as const))('%s', async (_label, c) => {
    const args = argsFor(c);
    const [theirList, theirGraph] = await Promise.all([ansibleInventory([...args, '--list']), ansibleInventory([...args, '--graph'])]);
    const ours = provisionInventory([...args, '--list']);
    expect(ours.stderr).toBe('');
    expect(ours.status).toBe(0);
    const mine = JSON.parse(ours.stdout) as ListJson;
    const theirs = JSON.parse(theirList) as ListJson;
    // Groups: the same names, each with the same hosts and children in the same order.
    const groupsOf = (j: ListJson) => Object.fromEntries(Object.entries(j).filter(([k]) => k !== '_meta'));
    expect(groupsOf(mine)).toEqual(groupsOf(theirs));
    // Every host, and every merged variable of every host (Ansible leaves out hosts without variables).
    const hostsOf = (j: ListJson) => Object.values(groupsOf(j)).flatMap((g) => (g as { hosts?: string[] }).hosts ?? []);
    expect(new Set(hostsOf(mine))).toEqual(new Set(hostsOf(theirs)));
    for (const host of new Set(hostsOf(theirs))) {
      expect({ host, vars: mine._meta.hostvars[host] ?? {} }).toEqual({ host, vars: theirs._meta.hostvars[host] ?? {} });
    }
    // The tree, as --graph draws it.
    expect(provisionInventory([...args, '--graph']).stdout).toBe(theirGraph);
  });

  it('--host NAME prints that host\'s variables as ansible-inventory --host does', async () => {
    const c = cases.find((x) => x.name === 'playbook-dir')!;
    const args = argsFor(c);
    expect(JSON.parse(provisionInventory([...args, '--host', 'w1']).stdout)).toEqual(JSON.parse(await ansibleInventory([...args, '--host', 'w1'])));
  });

  it('--graph GROUP draws that group\'s subtree as ansible-inventory does', async () => {
    const args = argsFor(cases.find((x) => x.name === 'ini-pending-children')!);
    expect(provisionInventory([...args, '--graph', 'prod']).stdout).toBe(await ansibleInventory([...args, '--graph', 'prod']));
  });
});
