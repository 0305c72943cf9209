import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { compile, type HostRun } from '../compile.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { SshConfigError } from '../ssh/config.js';
import { resolveEndpoint } from '../ssh/endpoint.js';
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

/**
 * Every host's target as ssh_config resolves it, before any host is touched: a
 * config that cannot be read or asks for what provision does not do is bad
 * input (exit 4) for all hosts at once, not an unreachable host found mid-run.
 */
export function resolveEndpoints(runs: HostRun[], sshConfig: string | undefined): void {
  const errors: ConfigError[] = [];
  for (const run of runs) {
    try {
      run.endpoint = resolveEndpoint(run.target, { sshConfig });
    } catch (err) {
      if (!(err instanceof SshConfigError)) throw err;
      errors.push(new ConfigError(`${run.target.name}: ${err.message}`));
    }
  }
  if (errors.length) throw new ConfigErrors(errors);
}
