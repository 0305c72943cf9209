import type { SourceLocation } from '../errors.js';

/** One host: its merged inventory variables (how to reach it is read from them: src/connection-vars.ts). */
export interface InventoryHost {
  name: string;
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
