import * as z from 'zod';
import { ConfigError, ConfigErrors } from '../errors.js';
import { schemaErrors } from '../schema-errors.js';
import type { YamlSource } from '../yaml-source.js';
import type { InventoryBuilder } from './builder.js';

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
  .describe('A provision inventory. Ansible inventories (YAML with all:/hosts:/children:/vars:, INI, directories) are accepted too.');

/** provision's own fields, under the names Ansible (or provision, for its own settings) gives the variables. */
const FIELD_VARS = {
  address: 'ansible_host',
  port: 'ansible_port',
  user: 'ansible_user',
  private_key: 'ansible_ssh_private_key_file',
  known_hosts: 'provision_known_hosts',
  become: 'ansible_become',
  // provision's own name: a -e become_password then overrides it by name (Ansible's names still win over it).
  become_password: 'become_password',
  proxy_jump: 'provision_proxy_jump',
} as const;

/** provision's format: top-level `hosts:` (with connection fields), `groups:`, `vars:`. */
export function isNativeInventory(data: Record<string, unknown>): boolean {
  const keys = Object.keys(data);
  return keys.includes('hosts') && keys.every((k) => ['hosts', 'groups', 'vars'].includes(k));
}

export function readNative(source: YamlSource, into: InventoryBuilder): void {
  const parsed = inventorySchema.safeParse(source.data);
  if (!parsed.success) throw new ConfigErrors(schemaErrors(parsed.error, source, []));
  const inv = parsed.data;
  for (const [name, h] of Object.entries(inv.hosts)) {
    into.addHost(name);
    for (const [field, varName] of Object.entries(FIELD_VARS)) {
      const value = h?.[field as keyof typeof FIELD_VARS];
      if (value !== undefined) into.setHostVar(name, varName, value, source.locate(['hosts', name, field]));
    }
    for (const [k, v] of Object.entries(h?.vars ?? {})) into.setHostVar(name, k, v, source.locate(['hosts', name, 'vars', k]));
  }
  for (const [k, v] of Object.entries(inv.vars ?? {})) into.setGroupVar('all', k, v, source.locate(['vars', k]));
  const groups = inv.groups ?? {};
  if ('all' in groups) throw new ConfigError('the group "all" is implicit; put its variables under top-level vars:', source.locate(['groups', 'all']), 'groups.all');
  for (const name of Object.keys(groups)) into.addGroup(name);
  const errors: ConfigError[] = [];
  for (const [name, g] of Object.entries(groups)) {
    for (const [k, v] of Object.entries(g.vars ?? {})) into.setGroupVar(name, k, v, source.locate(['groups', name, 'vars', k]));
    (g.hosts ?? []).forEach((h, i) => {
      if (!(h in inv.hosts)) errors.push(new ConfigError(`host "${h}" is not defined under hosts:`, source.locate(['groups', name, 'hosts', i]), `groups.${name}.hosts[${i}]`));
      else into.addHost(h, name);
    });
    (g.children ?? []).forEach((c, i) => {
      const where = source.locate(['groups', name, 'children', i]);
      if (!(c in groups)) errors.push(new ConfigError(`group "${c}" is not defined under groups:`, where, `groups.${name}.children[${i}]`));
      else into.addChild(name, c, where);
    });
  }
  if (errors.length) throw new ConfigErrors(errors);
}
