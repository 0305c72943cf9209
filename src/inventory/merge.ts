import type { SourceLocation } from '../errors.js';
import type { BuiltGroup, InventoryBuilder } from './builder.js';
import type { Inventory, InventoryGroup, InventoryHost } from './model.js';
import { dirsWithVars, varsFromDirs, type VarsFromFiles } from './vars-dirs.js';

/** Each group's depth: its longest path from `all`, as Ansible's add_child keeps it. */
export function groupDepths(groups: Map<string, { children: string[] }>): Map<string, number> {
  const depth = new Map<string, number>([['all', 0]]);
  const visit = (name: string, d: number): void => {
    if ((depth.get(name) ?? -1) > d || (name !== 'all' && depth.get(name) === d)) return;
    depth.set(name, d);
    for (const c of groups.get(name)?.children ?? []) visit(c, d + 1);
  };
  visit('all', 0);
  return depth;
}

/** Ansible's sort_groups: by depth, then ansible_group_priority, then name. */
export function sortGroups(names: string[], groups: Map<string, BuiltGroup>, depth: Map<string, number>): string[] {
  return [...names].sort((a, b) => (depth.get(a)! - depth.get(b)!) || (groups.get(a)!.priority - groups.get(b)!.priority) || (a < b ? -1 : a > b ? 1 : 0));
}

interface Layer {
  vars: Record<string, unknown>;
  sources: Record<string, SourceLocation>;
}

/**
 * Each host's variables, merged in Ansible's order (lowest first): the inventory
 * files' `all` vars < the other groups' inventory vars (by depth, priority, name) <
 * the inventory's group_vars/all < the playbook's group_vars/all <
 * the inventory's group_vars/GROUP < the playbook's group_vars/GROUP < the
 * inventory files' host vars < the inventory's host_vars/ < the playbook's host_vars/.
 */
export function mergeInventory(builder: InventoryBuilder, file: string, inventoryDirs: string[], playbookDir: string | undefined): Inventory {
  builder.reconcile();
  const depth = groupDepths(builder.groups);
  const playDirs = playbookDir ? [playbookDir] : [];
  const memberships = groupsOfHosts(builder);
  const hosts = new Map<string, InventoryHost>();
  const memo = new Map<string, VarsFromFiles>();
  const fromDirs = (dirs: string[], kind: 'group_vars' | 'host_vars', name: string): VarsFromFiles => varsFromDirs(dirs, kind, name, memo);
  // Every host looks in host_vars/: the directories that have one are found once (a stat per host and directory before).
  const inventoryHostVars = dirsWithVars(inventoryDirs, 'host_vars');
  const playHostVars = dirsWithVars(playDirs, 'host_vars');
  for (const h of builder.hosts.values()) {
    const groups = sortGroups([...memberships.get(h.name)!].filter((g) => g !== 'all'), builder.groups, depth);
    const all = builder.groups.get('all')!;
    // Ansible's VARIABLE_PRECEDENCE: every inventory-file group var (all's, then the others) is
    // below group_vars/all, which is below group_vars/GROUP.
    const layers: Layer[] = [
      { vars: all.vars, sources: all.varSources },
      ...groups.map((g) => ({ vars: builder.groups.get(g)!.vars, sources: builder.groups.get(g)!.varSources })),
      fromDirs(inventoryDirs, 'group_vars', 'all'),
      fromDirs(playDirs, 'group_vars', 'all'),
      ...inventoryDirs.flatMap((d) => groups.map((g) => fromDirs([d], 'group_vars', g))),
      ...groups.map((g) => fromDirs(playDirs, 'group_vars', g)),
      { vars: h.vars, sources: h.varSources },
      varsFromDirs(inventoryHostVars, 'host_vars', h.name),
      varsFromDirs(playHostVars, 'host_vars', h.name),
    ];
    const vars: Record<string, unknown> = {};
    const varSources: Record<string, SourceLocation> = {};
    for (const layer of layers) {
      Object.assign(vars, layer.vars);
      Object.assign(varSources, layer.sources);
    }
    hosts.set(h.name, { name: h.name, vars, varSources, groups: ['all', ...groups] });
  }
  const groups = new Map<string, InventoryGroup>();
  for (const g of builder.groups.values()) groups.set(g.name, { name: g.name, hosts: [...g.hosts], children: [...g.children], vars: { ...g.vars } });
  groups.get('all')!.hosts = [...hosts.keys()];
  return { file, hosts, groups };
}

/** Every group each host is in: its own groups and all their ancestors. */
function groupsOfHosts(builder: InventoryBuilder): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const h of builder.hosts.values()) {
    const result = new Set<string>(['all']);
    const stack = [...h.groups];
    while (stack.length) {
      const g = stack.pop()!;
      if (result.has(g) && g !== 'all') continue;
      result.add(g);
      stack.push(...(builder.groups.get(g)?.parents ?? []));
    }
    out.set(h.name, result);
  }
  return out;
}
