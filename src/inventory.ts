/**
 * The inventory module's entry: Ansible's inventory model (YAML, INI, directories,
 * group_vars/ and host_vars/, ranges, YAML 1.1) and provision's own format live in
 * src/inventory/; host patterns over an inventory are in src/host-patterns.ts.
 */
export type { Inventory, InventoryGroup, InventoryHost } from './inventory/model.js';
export { ansibleBoolean } from './inventory/ansible-boolean.js';
export { loadInventory, parseInventory, type LoadInventoryOptions } from './inventory/load.js';
export { inventorySchema } from './inventory/native.js';
