import * as z from 'zod';
import { ConfigError, ConfigErrors } from './errors.js';
import { schemaErrors } from './schema-errors.js';
import { YamlSource } from './yaml-source.js';

/** One host as the runner needs it: how to reach it and its own variables. */
export interface InventoryHost {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKey?: string;
  knownHosts?: string;
  become: boolean;
  becomePassword?: unknown;
  /** ProxyJump: `[user@]host[:port]`, several joined by commas (`a,b`), or `none`. */
  proxyJump?: string;
  /** Which of port and user the inventory set itself; ~/.ssh/config may supply the others. Absent: both were set. */
  explicit?: { port: boolean; user: boolean };
  vars: Record<string, unknown>;
  /** Groups the host is in, directly or through children, `all` first, parents before children. */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: Record<string, unknown>;
}

export interface Inventory {
  file: string;
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const hostName = z.string().regex(NAME, 'host names use letters, digits, "_", "." and "-"');
const vars = z.record(z.string(), z.unknown()).describe('Variables for templates and tasks.');

const hostSchema = z
  .strictObject({
    address: z.string().min(1).optional().describe('Address or DNS name to connect to. Default: the host name.'),
    port: z.number().int().min(1).max(65535).optional().describe('SSH port. Default 22.'),
    user: z.string().min(1).optional().describe('SSH user. Default: root.'),
    private_key: z.string().optional().describe('Path of the private key file. Default: ssh-agent, then ~/.ssh/id_ed25519, ~/.ssh/id_rsa.'),
    known_hosts: z.string().optional().describe('known_hosts file to check the host key against. Default ~/.ssh/known_hosts.'),
    become: z.boolean().optional().describe('Run tasks through sudo. Default: false (or the play\'s become).'),
    become_password: z.unknown().optional().describe('sudo password; mark it !secret or pass it with -e.'),
    proxy_jump: z.string().min(1).optional().describe('Jump host(s) to reach this host through, as ssh -J: [user@]host[:port], several joined by commas, or none. Default: ProxyJump from ~/.ssh/config.'),
    vars: vars.optional(),
  })
  .nullable();

const groupSchema = z.strictObject({
  hosts: z.array(hostName).optional().describe('Host names in this group.'),
  children: z.array(hostName).optional().describe('Groups whose hosts are also in this group.'),
  vars: vars.optional(),
});

export const inventorySchema = z
  .strictObject({
    hosts: z.record(hostName, hostSchema).describe('Hosts by name.'),
    groups: z.record(hostName, groupSchema).optional().describe('Groups by name.'),
    vars: vars.optional().describe('Variables for every host (the `all` group).'),
  })
  .describe('A provision inventory. Ansible YAML inventories (all:/hosts:/children:/vars:) are accepted too.');

export function loadInventory(file: string): Inventory {
  const source = YamlSource.fromFile(file);
  return parseInventory(source);
}

export function parseInventory(source: YamlSource): Inventory {
  const data = source.data;
  if (data && typeof data === 'object' && !Array.isArray(data) && 'all' in data) return fromAnsible(source);
  const parsed = inventorySchema.safeParse(data);
  if (!parsed.success) throw new ConfigErrors(schemaErrors(parsed.error, source, []));
  const inv = parsed.data;
  const hosts = new Map<string, InventoryHost>();
  for (const [name, h] of Object.entries(inv.hosts)) {
    hosts.set(name, {
      name,
      address: h?.address ?? name,
      port: h?.port ?? 22,
      user: h?.user ?? 'root',
      privateKey: h?.private_key,
      knownHosts: h?.known_hosts,
      become: h?.become ?? false,
      becomePassword: h?.become_password,
      proxyJump: h?.proxy_jump,
      explicit: { port: h?.port !== undefined, user: h?.user !== undefined },
      vars: { ...(h?.vars ?? {}), ...ansibleNames(h ?? {}) },
      groups: [],
    });
  }
  const groups = new Map<string, InventoryGroup>();
  groups.set('all', { name: 'all', hosts: [...hosts.keys()], children: [], vars: inv.vars ?? {} });
  for (const [name, g] of Object.entries(inv.groups ?? {})) {
    if (name === 'all') throw new ConfigError('the group "all" is implicit; put its variables under top-level vars:', source.locate(['groups', 'all']), 'groups.all');
    groups.set(name, { name, hosts: g.hosts ?? [], children: g.children ?? [], vars: g.vars ?? {} });
  }
  const errors: ConfigError[] = [];
  for (const g of groups.values()) {
    g.hosts.forEach((h, i) => {
      if (!hosts.has(h)) errors.push(new ConfigError(`host "${h}" is not defined under hosts:`, source.locate(['groups', g.name, 'hosts', i]), `groups.${g.name}.hosts[${i}]`));
    });
    g.children.forEach((c, i) => {
      if (!groups.has(c)) errors.push(new ConfigError(`group "${c}" is not defined under groups:`, source.locate(['groups', g.name, 'children', i]), `groups.${g.name}.children[${i}]`));
    });
  }
  if (errors.length) throw new ConfigErrors(errors);
  return finish(source.file, hosts, groups, source);
}

/** The native format's connection fields under Ansible's variable names (and provision's own for the two Ansible has none for). */
function ansibleNames(h: NonNullable<z.infer<typeof hostSchema>>): Record<string, unknown> {
  const named: Record<string, unknown> = {
    ansible_host: h.address,
    ansible_port: h.port,
    ansible_user: h.user,
    ansible_ssh_private_key_file: h.private_key,
    ansible_become: h.become,
    // provision's own name, not Ansible's: a -e become_password then overrides it by name.
    become_password: h.become_password,
    provision_known_hosts: h.known_hosts,
    provision_proxy_jump: h.proxy_jump,
  };
  return Object.fromEntries(Object.entries(named).filter(([, v]) => v !== undefined));
}

/** Ansible's YAML inventory: all: { hosts, children, vars } with ansible_* connection variables. */
function fromAnsible(source: YamlSource): Inventory {
  const hosts = new Map<string, InventoryHost>();
  const groups = new Map<string, InventoryGroup>();
  const errors: ConfigError[] = [];
  const ansibleGroup = z.strictObject({
    hosts: z.record(hostName, z.record(z.string(), z.unknown()).nullable()).nullable().optional(),
    children: z.record(hostName, z.unknown()).nullable().optional(),
    vars: vars.nullable().optional(),
  }).nullable();

  const visit = (name: string, raw: unknown, path: (string | number)[]): void => {
    const parsed = ansibleGroup.safeParse(raw);
    if (!parsed.success) {
      errors.push(...schemaErrors(parsed.error, source, path));
      return;
    }
    const g = parsed.data ?? {};
    const group = groups.get(name) ?? { name, hosts: [], children: [], vars: {} };
    groups.set(name, group);
    Object.assign(group.vars, g.vars ?? {});
    for (const [hname, hv] of Object.entries(g.hosts ?? {})) {
      if (!group.hosts.includes(hname)) group.hosts.push(hname);
      const existing = hosts.get(hname);
      const host: InventoryHost = existing ?? { name: hname, address: hname, port: 22, user: 'root', become: false, explicit: { port: false, user: false }, vars: {}, groups: [] };
      for (const [k, v] of Object.entries(hv ?? {})) {
        switch (k) {
          case 'ansible_host': host.address = String(v); break;
          case 'ansible_port': host.port = Number(v); host.explicit!.port = true; break;
          case 'ansible_user': host.user = String(v); host.explicit!.user = true; break;
          case 'ansible_ssh_private_key_file': host.privateKey = String(v); break;
          case 'ansible_become': host.become = v === true || v === 'true' || v === 'yes'; break;
          case 'ansible_become_password': case 'ansible_become_pass': host.becomePassword = v; break;
        }
        // Kept under its own name too, as ansible-inventory shows it: the connection reads them from the merged variables.
        host.vars[k] = v;
      }
      if (!Number.isInteger(host.port) || host.port < 1 || host.port > 65535) {
        errors.push(new ConfigError('ansible_port must be a port number', source.locate([...path, 'hosts', hname, 'ansible_port']), `${hname}.ansible_port`));
      }
      hosts.set(hname, host);
    }
    for (const [child, cv] of Object.entries(g.children ?? {})) {
      if (!group.children.includes(child)) group.children.push(child);
      visit(child, cv, [...path, 'children', child]);
    }
  };
  visit('all', (source.data as Record<string, unknown>).all, ['all']);
  if (errors.length) throw new ConfigErrors(errors);
  const all = groups.get('all')!;
  all.hosts = [...hosts.keys()];
  return finish(source.file, hosts, groups, source);
}

function finish(file: string, hosts: Map<string, InventoryHost>, groups: Map<string, InventoryGroup>, source: YamlSource): Inventory {
  // Each host's groups, ordered all → parents → children, then by name, as Ansible merges group vars.
  const depth = new Map<string, number>();
  const setDepth = (name: string, d: number, seen: Set<string>): void => {
    if (seen.has(name)) throw new ConfigError(`group "${name}" is its own child`, source.locate(['groups', name]), `groups.${name}.children`);
    if ((depth.get(name) ?? -1) >= d) return;
    depth.set(name, d);
    for (const c of groups.get(name)?.children ?? []) setDepth(c, d + 1, new Set([...seen, name]));
  };
  setDepth('all', 0, new Set());
  for (const g of groups.values()) if (!depth.has(g.name)) setDepth(g.name, 1, new Set());
  const memberOf = (host: string): Set<string> => {
    const result = new Set<string>(['all']);
    let grew = true;
    for (const g of groups.values()) if (g.hosts.includes(host)) result.add(g.name);
    while (grew) {
      grew = false;
      for (const g of groups.values()) {
        if (!result.has(g.name) && g.children.some((c) => result.has(c))) {
          result.add(g.name);
          grew = true;
        }
      }
    }
    return result;
  };
  for (const host of hosts.values()) {
    host.groups = [...memberOf(host.name)].sort((a, b) => (depth.get(a)! - depth.get(b)!) || a.localeCompare(b));
  }
  return { file, hosts, groups };
}
