import { existsSync } from 'node:fs';
import { compile, type HostRun } from '../compile.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { SshConfigError } from '../ssh/config.js';
import { resolveEndpoint } from '../ssh/endpoint.js';
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
