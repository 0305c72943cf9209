import { parse } from 'yaml';
import { ConfigError } from './errors.js';
import { YamlSource } from './yaml-source.js';

/**
 * `-e` as in Ansible: `key=value` (several, space-separated), `@file.yaml`
 * (a YAML mapping; `!secret` marks secrets), or inline JSON/YAML `{...}`.
 * Later -e options override earlier ones. In key=value, `true`/`false` and
 * whole numbers become booleans and numbers (so `-e apt_upgrade=false` can
 * fill a boolean field); everything else stays a string (`-e version=1.10`).
 */
export function parseExtraVars(items: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const item of items) {
    if (item.startsWith('@')) {
      const source = YamlSource.fromFile(item.slice(1));
      if (!isMapping(source.data)) throw new ConfigError('an -e @file must hold a mapping of variable names to values', source.locate([]));
      Object.assign(vars, source.data);
    } else if (item.trim().startsWith('{')) {
      const data = parse(item);
      if (!isMapping(data)) throw new ConfigError(`-e ${item}: expected a mapping`);
      Object.assign(vars, data);
    } else {
      for (const pair of item.split(/\s+/).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new ConfigError(`-e ${pair}: expected key=value, @file.yaml or {json}`);
        const key = pair.slice(0, eq);
        if (!/^[A-Za-z_][\w]*$/.test(key)) throw new ConfigError(`-e ${pair}: "${key}" is not a valid variable name`);
        vars[key] = scalar(pair.slice(eq + 1));
      }
    }
  }
  return vars;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function scalar(value: string): unknown {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?(0|[1-9]\d{0,14})$/.test(value)) return Number(value);
  return value;
}
