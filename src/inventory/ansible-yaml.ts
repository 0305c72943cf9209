import { ConfigError } from '../errors.js';
import type { FieldPath, YamlSource } from '../yaml-source.js';
import type { InventoryBuilder } from './builder.js';
import { expandHostPattern, HostRangeError } from './host-ranges.js';

const SECTIONS = ['hosts', 'children', 'vars'];

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Ansible's YAML inventory plugin: every top-level key is a group; a group has
 * `hosts`, `children` and `vars` at any depth. Where Ansible only warns and skips
 * (an unknown key, a group that is not a mapping), provision stops: a typo there
 * would silently drop hosts.
 */
export function readAnsibleYaml(source: YamlSource, into: InventoryBuilder): void {
  const data = source.data as Record<string, unknown>;
  for (const [group, body] of Object.entries(data)) readGroup(source, into, group, body, [group]);
}

function readGroup(source: YamlSource, into: InventoryBuilder, group: string, body: unknown, path: FieldPath): void {
  const fail = (problem: string, at: FieldPath, key?: string): never => {
    throw new ConfigError(problem, source.locate(at, key), at.join('.'));
  };
  if (body !== null && !isMapping(body)) fail(`group "${group}" must be a mapping of hosts, children and vars`, path);
  into.addGroup(group);
  if (body === null) return;
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    if (!SECTIONS.includes(key)) fail(`unexpected key "${key}" in group "${group}": only hosts, children and vars are valid`, path, key);
    // Ansible reads `hosts: web1` as one host without variables.
    const value = typeof raw === 'string' ? { [raw]: null } : raw;
    if (value === null) continue;
    if (!isMapping(value)) fail(`"${key}" of group "${group}" must be a mapping`, [...path, key]);
    const section = value as Record<string, unknown>;
    if (key === 'vars') {
      for (const [k, v] of Object.entries(section)) into.setGroupVar(group, k, v, source.locate([...path, 'vars', k]));
    } else if (key === 'children') {
      for (const [child, childBody] of Object.entries(section)) {
        readGroup(source, into, child, childBody, [...path, 'children', child]);
        into.addChild(group, child, source.locate([...path, 'children'], child));
      }
    } else {
      for (const [pattern, hostVars] of Object.entries(section)) {
        const at = [...path, 'hosts', pattern];
        if (hostVars !== null && !isMapping(hostVars)) fail(`the variables of host "${pattern}" must be a mapping (name: value), or empty`, at);
        let expanded;
        try {
          expanded = expandHostPattern(pattern);
        } catch (err) {
          if (!(err instanceof HostRangeError)) throw err;
          throw new ConfigError(err.message, source.locate([...path, 'hosts'], pattern), at.join('.'));
        }
        for (const name of expanded.names) {
          into.addHost(name, group, expanded.port, source.locate([...path, 'hosts'], pattern));
          for (const [k, v] of Object.entries((hostVars as Record<string, unknown> | null) ?? {})) into.setHostVar(name, k, v, source.locate([...at, k]));
        }
      }
    }
  }
}
