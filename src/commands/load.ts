import { existsSync } from 'node:fs';
import { compile, type HostRun } from '../compile.js';
import { ConfigError } from '../errors.js';
import { UsageError } from '../exit-codes.js';
import { parseExtraVars } from '../extra-vars.js';
import { loadInventory } from '../inventory.js';
import { loadPlaybook } from '../playbook.js';

export interface LoadOptions {
  inventory: string;
  extraVars: string[];
  limit?: string;
  tags?: string;
  skipTags?: string;
}

/** Everything that happens before any host is touched: read, validate, render. */
export function loadAndCompile(playbookFile: string, o: LoadOptions): HostRun[] {
  if (!existsSync(playbookFile)) throw new UsageError(`playbook ${playbookFile} does not exist`);
  if (!existsSync(o.inventory)) throw new ConfigError(`inventory ${o.inventory} does not exist (give one with -i FILE)`);
  const playbook = loadPlaybook(playbookFile);
  const inventory = loadInventory(o.inventory);
  const extraVars = parseExtraVars(o.extraVars);
  const runs = compile(playbook, inventory, {
    extraVars,
    limit: o.limit,
    tags: splitList(o.tags),
    skipTags: splitList(o.skipTags),
  });
  return runs;
}

function splitList(v?: string): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}
