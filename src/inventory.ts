/**
 * The inventory module's entry: Ansible's inventory model (YAML, INI, directories,
 * group_vars/ and host_vars/, ranges, YAML 1.1) and provision's own format live in
 * src/inventory/; the host patterns over an inventory are below.
 */
import type { Inventory } from './inventory/model.js';

export type { Inventory, InventoryGroup, InventoryHost } from './inventory/model.js';
export { legacyConnectionFields, ansibleBoolean } from './inventory/connection-fields.js';
export { loadInventory, parseInventory, type LoadInventoryOptions } from './inventory/load.js';
export { inventorySchema } from './inventory/native.js';

/** Variables that hold the sudo password, under the names Ansible users know. */
const BECOME_PASSWORD_VARS = ['become_password', 'ansible_become_password', 'ansible_become_pass'] as const;

/** The sudo password among `vars` (the inventory's host vars, or -e), under any of its names. */
export function becomePasswordIn(vars: Record<string, unknown>): unknown {
  return BECOME_PASSWORD_VARS.map((v) => vars[v]).find((v) => v !== undefined && v !== null);
}

/** Hosts of a group including its children's, in inventory order. */
export function groupHosts(inv: Inventory, group: string): string[] {
  return [...inv.hosts.values()].filter((h) => h.groups.includes(group)).map((h) => h.name);
}

/**
 * Ansible's host patterns: `web:db` (union), `web:&prod` (intersection),
 * `web:!staging` (exclusion), globs `web*`, and `all` / `*`. Commas work like colons.
 */
export function matchHosts(inv: Inventory, pattern: string): string[] {
  const terms = pattern.split(/[:,]/).map((t) => t.trim()).filter(Boolean);
  const all = [...inv.hosts.keys()];
  let selected = new Set<string>();
  const resolve = (term: string): string[] => {
    if (term === 'all' || term === '*') return all;
    if (inv.groups.has(term)) return groupHosts(inv, term);
    if (inv.hosts.has(term)) return [term];
    if (/[*?[]/.test(term)) {
      const re = globToRegExp(term);
      const hosts = all.filter((h) => re.test(h));
      for (const g of inv.groups.keys()) if (re.test(g)) hosts.push(...groupHosts(inv, g));
      return hosts;
    }
    return [];
  };
  const positives = terms.filter((t) => !t.startsWith('!') && !t.startsWith('&'));
  for (const t of positives) for (const h of resolve(t)) selected.add(h);
  if (positives.length === 0) selected = new Set(all);
  for (const t of terms.filter((t) => t.startsWith('&'))) {
    const keep = new Set(resolve(t.slice(1)));
    selected = new Set([...selected].filter((h) => keep.has(h)));
  }
  for (const t of terms.filter((t) => t.startsWith('!'))) for (const h of resolve(t.slice(1))) selected.delete(h);
  return all.filter((h) => selected.has(h));
}

/** Names in a pattern that match no host or group: a typo the user should hear about. */
export function unknownPatternTerms(inv: Inventory, pattern: string): string[] {
  return pattern
    .split(/[:,]/)
    .map((t) => t.trim().replace(/^[!&]/, ''))
    .filter((t) => t && t !== 'all' && t !== '*' && !/[*?[]/.test(t) && !inv.groups.has(t) && !inv.hosts.has(t));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
