import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inventoryCommand } from '../../src/commands/inventory.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { BINARY_REFUSED, TIMESTAMP_REFUSED } from '../../src/inventory/yaml11.js';
import { CLI } from '../support/provision.js';
import { AnsibleInventoryPool, type AnsibleResult } from './inventory-fuzz/ansible-inventory-pool.js';
import { generateCase, type FuzzCase } from './inventory-fuzz/generate.js';

/**
 * Seeded random differential test: generated inventories (INI, YAML, directories, group_vars/,
 * host_vars/, several -i, a playbook directory) read by ansible-inventory and by provision must
 * give the same groups, hosts, children, merged variables and --graph; where ansible-inventory
 * fails or warns, provision must stop with exit 4 naming the file and line. A failure prints the
 * seed and the files: `generateCase(SEED)` rebuilds them.
 */
const [first, last] = (process.env.INVENTORY_FUZZ_SEEDS ?? '1000-1179').split('-').map(Number);
/** Fixed seeds (INVENTORY_FUZZ_SEEDS=1234 or 1200-1249 reruns some of them). */
const SEEDS = Array.from({ length: (last ?? first) - first + 1 }, (_, i) => first + i);
const pool = new AnsibleInventoryPool(2);
afterAll(() => pool.close());

const root = mkdtempSync(join(tmpdir(), 'inventory-fuzz-'));

interface Prepared {
  fuzz: FuzzCase;
  dir: string;
  args: string[];
  theirs: Promise<[AnsibleResult, AnsibleResult | undefined]>;
}

function prepare(seed: number): Prepared {
  const fuzz = generateCase(seed);
  const dir = join(root, String(seed));
  for (const [path, text] of Object.entries(fuzz.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const args = [...fuzz.sources.flatMap((s) => ['-i', join(dir, s)]), ...(fuzz.playbookDir ? ['--playbook-dir', join(dir, fuzz.playbookDir)] : [])];
  // --graph (which also draws empty groups) for every third case: each call is ~0.3 s of CPU.
  const graph = seed % 3 === 0 ? pool.run([...args, '--graph'], dir) : Promise.resolve(undefined);
  return { fuzz, dir, args, theirs: Promise.all([pool.run([...args, '--list'], dir), graph]) };
}

// Every case is queued at once: the pool works through them while the cases are checked in order.
const prepared = new Map(SEEDS.map((s) => [s, prepare(s)]));

type ListJson = Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };

function ours(p: Prepared, mode: 'list' | 'graph'): { output?: string; error?: Error } {
  const inventory = p.fuzz.sources.map((s) => join(p.dir, s));
  const playbookDir = p.fuzz.playbookDir && join(p.dir, p.fuzz.playbookDir);
  try {
    return { output: inventoryCommand({ inventory, playbookDir, ...(mode === 'list' ? { list: true } : { graph: true }) }) };
  } catch (error) {
    return { error: error as Error };
  }
}

function describeCase(p: Prepared, theirs: (AnsibleResult | undefined)[]): string {
  const files = Object.entries(p.fuzz.files).map(([path, text]) => `--- ${path}\n${text}`).join('');
  return `seed ${p.fuzz.seed}: -i ${p.fuzz.sources.join(' -i ')}${p.fuzz.playbookDir ? ` --playbook-dir ${p.fuzz.playbookDir}` : ''}\n${files}--- ansible-inventory stderr\n${theirs[0]!.stderr}`;
}

/** What provision refuses on purpose where ansible-inventory reads on (README, inventory section). */
const DELIBERATE = [TIMESTAMP_REFUSED, BINARY_REFUSED];

let refusalsRun = 0;
const isDirectory = (path: string): boolean => statSync(path).isDirectory();

function compare(p: Prepared, [list, graph]: [AnsibleResult, AnsibleResult | undefined]): void {
  const mine = ours(p, 'list');
  // Group names with `-` or `.`: Ansible warns and keeps them, as provision does.
  const warnings = list.stderr.replace(/\[WARNING\]: Invalid characters were found in group names[^\n]*\n[^\n]*\n?/g, '');
  if (list.status !== 0 || /\[WARNING\]/.test(warnings)) {
    // Ansible could not read it (or read it only in part): provision stops, naming file and line.
    expect(mine.error, 'provision must refuse what ansible-inventory fails or warns on').toBeInstanceOf(mine.error instanceof ConfigErrors ? ConfigErrors : ConfigError);
    // The file and line (a directory with no inventory file in it has no line).
    const where = (mine.error instanceof ConfigErrors ? mine.error.errors[0] : (mine.error as ConfigError)).where;
    expect(where?.file).toContain(p.dir);
    if (!isDirectory(where!.file)) expect(where?.line).toBeGreaterThan(0);
    // The command's exit status, for the first few refusals (a node start each).
    if (refusalsRun++ >= 5) return;
    const cli = spawnSync(process.execPath, [CLI, 'inventory', ...p.args, '--list'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(cli.status).toBe(4);
    return;
  }
  // A deliberate refusal (README's inventory section) of what Ansible reads on: still file and line.
  if (mine.error && DELIBERATE.some((d) => mine.error!.message.includes(d))) {
    expect(mine.error.message).toMatch(/:\d+:\d+: /);
    return;
  }
  expect(mine.error?.message ?? 'no error').toBe('no error');
  const a = JSON.parse(mine.output!) as ListJson;
  const b = JSON.parse(list.stdout) as ListJson;
  const groupsOf = (j: ListJson) => Object.fromEntries(Object.entries(j).filter(([k]) => k !== '_meta'));
  expect(groupsOf(a)).toEqual(groupsOf(b));
  const hostsOf = (j: ListJson) => Object.values(groupsOf(j)).flatMap((g) => (g as { hosts?: string[] }).hosts ?? []);
  expect(new Set(hostsOf(a))).toEqual(new Set(hostsOf(b)));
  const differences: string[] = [];
  for (const host of new Set(hostsOf(b))) {
    const [va, vb] = [a._meta.hostvars[host] ?? {}, b._meta.hostvars[host] ?? {}];
    for (const k of new Set([...Object.keys(va), ...Object.keys(vb)])) {
      if (!isDeepStrictEqual(va[k], vb[k])) differences.push(`${host}.${k}: provision ${JSON.stringify(va[k])}, ansible ${JSON.stringify(vb[k])}`);
    }
  }
  expect(differences).toEqual([]);
  if (!graph) return;
  expect(graph.status).toBe(0);
  expect(`${ours(p, 'graph').output}\n`).toBe(graph.stdout);
}

describe('generated inventories read as ansible-inventory reads them', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    const p = prepared.get(seed)!;
    const theirs = await p.theirs;
    try {
      compare(p, theirs);
    } catch (err) {
      (err as Error).message = `${describeCase(p, theirs)}\n${(err as Error).message}`;
      throw err;
    }
  });
});
