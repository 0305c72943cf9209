import { ConfigError, type SourceLocation } from '../errors.js';

export interface BuiltGroup {
  name: string;
  hosts: string[];
  children: string[];
  parents: string[];
  vars: Record<string, unknown>;
  varSources: Record<string, SourceLocation>;
  priority: number;
}

export interface BuiltHost {
  name: string;
  /** Groups the host was put in directly. */
  groups: string[];
  vars: Record<string, unknown>;
  varSources: Record<string, SourceLocation>;
}

/**
 * Ansible's InventoryData: what the inventory plugins (YAML, INI, provision's own
 * format) add groups, hosts, children and variables to, in file order. `all` and
 * `ungrouped` exist from the start, as in Ansible.
 */
export class InventoryBuilder {
  readonly hosts = new Map<string, BuiltHost>();
  readonly groups = new Map<string, BuiltGroup>();

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): BuiltGroup {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], parents: [], vars: {}, varSources: {}, priority: 1 };
      this.groups.set(name, g);
    }
    return g;
  }

  addHost(name: string, group?: string, port?: number, where?: SourceLocation): BuiltHost {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, groups: [], vars: {}, varSources: {} };
      this.hosts.set(name, h);
      // As Ansible's Host(name, port): a `host:port` sets ansible_port only where the host is first
      // seen; the same host listed again with another port keeps the first (found by inventory-fuzz).
      if (port !== undefined) this.setHostVar(name, 'ansible_port', port, where);
    }
    if (group) {
      const g = this.addGroup(group);
      if (!g.hosts.includes(name)) g.hosts.push(name);
      if (!h.groups.includes(group)) h.groups.push(group);
    }
    return h;
  }

  setHostVar(host: string, key: string, value: unknown, where?: SourceLocation): void {
    const h = this.addHost(host);
    h.vars[key] = value;
    if (where) h.varSources[key] = where;
  }

  setGroupVar(group: string, key: string, value: unknown, where?: SourceLocation): void {
    const g = this.addGroup(group);
    // As in Ansible, the priority is a property of the group, not a variable.
    if (key === 'ansible_group_priority') {
      const n = pythonInt(value);
      if (n === 'not a number') throw new ConfigError(`ansible_group_priority must be a whole number, found ${JSON.stringify(value)}`, where, `${group}.vars.ansible_group_priority`);
      if (n !== 'ignored') g.priority = n;
      return;
    }
    g.vars[key] = value;
    if (where) g.varSources[key] = where;
  }

  /** Ansible refuses a child that would make a group its own ancestor. */
  addChild(parent: string, child: string, where?: SourceLocation): void {
    const p = this.addGroup(parent);
    const c = this.addGroup(child);
    if (parent === child || this.isDescendant(child, parent)) {
      throw new ConfigError(`adding group "${child}" as a child of "${parent}" makes "${parent}" its own ancestor`, where, `${parent}.children.${child}`);
    }
    if (!p.children.includes(child)) p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  private isDescendant(ancestor: string, name: string): boolean {
    const stack = [...(this.groups.get(ancestor)?.children ?? [])];
    const seen = new Set<string>();
    while (stack.length) {
      const g = stack.pop()!;
      if (g === name) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...(this.groups.get(g)?.children ?? []));
    }
    return false;
  }

  /** Ansible's reconcile_inventory: top-level groups under `all`, hosts in no group under `ungrouped`. */
  reconcile(): void {
    for (const g of this.groups.values()) if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    const ungrouped = this.groups.get('ungrouped')!;
    for (const h of this.hosts.values()) {
      const real = h.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
      if (real.length > 0 && h.groups.includes('ungrouped')) {
        ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
        h.groups = h.groups.filter((g) => g !== 'ungrouped');
      } else if (real.length === 0 && !h.groups.includes('ungrouped')) {
        this.addHost(h.name, 'ungrouped');
      }
    }
  }
}

/**
 * Python's int(value), as Ansible's Group.set_priority applies it: a float is cut toward zero
 * (1.5 → 1), a boolean is 0 or 1, text must be a whole number (' 5 ', '1_0'), and a value
 * int() cannot take at all (null, a list) leaves the priority as it was.
 */
export function pythonInt(value: unknown): number | 'ignored' | 'not a number' {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 'not a number';
  if (typeof value === 'string') return /^\s*[-+]?\d+(?:_\d+)*\s*$/.test(value) ? parseInt(value.replace(/_/g, ''), 10) : 'not a number';
  return 'ignored';
}
