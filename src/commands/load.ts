import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { compile, type HostRun } from '../compile.js';
import { ConfigError } from '../errors.js';
import { UsageError } from '../exit-codes.js';
import { parseExtraVars } from '../extra-vars.js';
import { loadInventory } from '../inventory.js';
import { loadPlaybook } from '../playbook.js';

export interface LoadOptions {
  /** -i: one or more inventory files or directories (default inventory/hosts.yaml). */
  inventory: string | string[];
  extraVars: string[];
  limit?: string;
  tags?: string;
  skipTags?: string;
}

/** Everything that happens before any host is touched: read, validate, render. */
export function loadAndCompile(playbookFile: string, o: LoadOptions): HostRun[] {
  if (!existsSync(playbookFile)) throw new UsageError(`playbook ${playbookFile} does not exist`);
  const sources = inventorySources(o.inventory);
  for (const source of sources) if (!existsSync(source)) throw new ConfigError(`inventory ${source} does not exist (give one with -i FILE)`);
  const playbook = loadPlaybook(playbookFile);
  const inventory = loadInventory(sources, { playbookDir: dirname(playbookFile) });
  const extraVars = parseExtraVars(o.extraVars);
  const runs = compile(playbook, inventory, {
    extraVars,
    limit: o.limit,
    tags: splitList(o.tags),
    skipTags: splitList(o.skipTags),
  });
  return runs;
}

export function inventorySources(given: string | string[] | undefined): string[] {
  const list = Array.isArray(given) ? given : given ? [given] : [];
  return list.length ? list : ['inventory/hosts.yaml'];
}

function splitList(v?: string): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}
