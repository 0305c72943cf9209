import type { SourceLocation } from '../errors.js';

/** One host as the runner needs it: its merged inventory variables, and (for now) how to reach it. */
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
  /** The host's variables merged as Ansible merges them (`ansible-inventory --host NAME`), ansible_* included, unrendered. */
  vars: Record<string, unknown>;
  /** Where each of `vars` was set (the winning definition), for errors about a value. */
  varSources?: Record<string, SourceLocation>;
  /** Groups the host is in, directly or through children: `all` first, then in Ansible's merge order. */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  /** The group's own variables from inventory files (group_vars/ files are merged into each host's vars). */
  vars: Record<string, unknown>;
}

export interface Inventory {
  /** The inventory sources, as given (several -i), joined for messages. */
  file: string;
  /** Hosts in Ansible's order: the order they were first declared. */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}
