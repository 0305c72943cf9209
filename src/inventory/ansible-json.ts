import type { Inventory } from './model.js';

/**
 * What `ansible-inventory --list` prints: each group reachable from `all` with its
 * `hosts` and `children` (empty keys and empty groups left out, as Ansible does),
 * and every host's merged variables under `_meta.hostvars`.
 */
export function inventoryListJson(inv: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const formatGroup = (name: string): void => {
    const g = inv.groups.get(name)!;
    const entry: Record<string, unknown> = {};
    if (name !== 'all' && g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    if (Object.keys(entry).length) out[name] = entry;
    for (const c of g.children) {
      if (seen.has(c)) continue;
      seen.add(c);
      formatGroup(c);
    }
  };
  formatGroup('all');
  const hostvars: Record<string, unknown> = {};
  for (const h of inv.hosts.values()) if (Object.keys(h.vars).length) hostvars[h.name] = h.vars;
  return { _meta: { hostvars }, ...out };
}

/** What `ansible-inventory --graph [GROUP]` prints: groups, then hosts, as a tree in inventory order. */
export function inventoryGraph(inv: Inventory, top = 'all'): string[] {
  const line = (text: string, depth: number): string => (depth ? `${'  |'.repeat(depth)}--${text}` : text);
  const group = (name: string, depth: number): string[] => {
    const g = inv.groups.get(name)!;
    const lines = [line(`@${name}:`, depth)];
    for (const c of g.children) lines.push(...group(c, depth + 1));
    if (name !== 'all') for (const h of g.hosts) lines.push(line(h, depth + 1));
    return lines;
  };
  return group(top, 0);
}

/** JSON as Ansible prints it: keys sorted, four-space indent, non-ASCII kept. */
export function ansibleJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(sortKeys(value), null, 4);
}
