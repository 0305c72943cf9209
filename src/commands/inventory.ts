import { ConfigError } from '../errors.js';
import { UsageError } from '../exit-codes.js';
import { ansibleJson, inventoryGraph, inventoryListJson } from '../inventory/ansible-json.js';
import { loadInventory } from '../inventory.js';

export interface InventoryCommandOptions {
  inventory: string[];
  playbookDir?: string;
  list?: boolean;
  graph?: string | boolean;
  host?: string;
}

/** `provision inventory`: what provision resolved, in ansible-inventory's shapes. Secrets print as ********. */
export function inventoryCommand(o: InventoryCommandOptions): string {
  const modes = [o.list, o.graph, o.host].filter((m) => m !== undefined && m !== false).length;
  if (modes !== 1) throw new UsageError('give one of --list, --graph [GROUP] or --host NAME');
  const inv = loadInventory(o.inventory, { playbookDir: o.playbookDir });
  if (o.list) return ansibleJson(inventoryListJson(inv));
  if (o.host !== undefined) {
    const host = inv.hosts.get(o.host);
    if (!host) throw new ConfigError(`no host named "${o.host}" in ${inv.file}`);
    return ansibleJson(host.vars);
  }
  const top = typeof o.graph === 'string' ? o.graph : 'all';
  if (!inv.groups.has(top)) throw new ConfigError(`no group named "${top}" in ${inv.file}`);
  return inventoryGraph(inv, top).join('\n');
}
