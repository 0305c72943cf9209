import type { InventoryHost } from './model.js';

/** The first value that is set, as Ansible reads alias variables (ansible_host before ansible_ssh_host). */
function first(vars: Record<string, unknown>, ...names: string[]): unknown {
  return names.map((n) => vars[n]).find((v) => v !== undefined && v !== null);
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'y', 't']);

/** Ansible's boolean(): true, 1, and the words yes/on/true/y/t/1 in any case. */
export function ansibleBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  return typeof value === 'string' && TRUE_WORDS.has(value.trim().toLowerCase());
}

export type ConnectionFields = Omit<InventoryHost, 'name' | 'vars' | 'varSources' | 'groups'>;

/**
 * The connection fields the SSH side reads today, from a host's merged variables
 * under Ansible's names (and provision's own provision_known_hosts and
 * provision_proxy_jump), so group-level and group_vars/ settings reach the connection.
 */
export function legacyConnectionFields(name: string, vars: Record<string, unknown>): ConnectionFields {
  const port = first(vars, 'ansible_port', 'ansible_ssh_port');
  const user = first(vars, 'ansible_user', 'ansible_ssh_user');
  const optional = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
  return {
    address: String(first(vars, 'ansible_host', 'ansible_ssh_host') ?? name),
    port: port === undefined ? 22 : Number(port),
    user: user === undefined ? 'root' : String(user),
    privateKey: optional(first(vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file')),
    knownHosts: optional(vars.provision_known_hosts),
    become: ansibleBoolean(vars.ansible_become),
    becomePassword: first(vars, 'ansible_become_password', 'ansible_become_pass'),
    proxyJump: optional(vars.provision_proxy_jump),
    explicit: { port: port !== undefined, user: user !== undefined },
  };
}
