import { parseKv, KvError } from './ansible-kv.js';
import { ConfigError } from './errors.js';
import { ANSIBLE_YAML, YamlSource } from './yaml-source.js';

/**
 * `-e` as Ansible reads it (utils/vars.py, load_extra_vars): `@file` (a YAML
 * or JSON mapping; `!secret` marks secrets), inline YAML/JSON starting with
 * `{` (a `[` list is refused, as Ansible refuses it), or `key=value` pairs split
 * as Ansible splits them (quotes, backslash escapes: see ansible-kv.ts).
 * Later -e options override earlier ones, key by key.
 *
 * One deliberate difference: an unquoted `true`/`false` or whole number in
 * key=value becomes a boolean or number (Ansible keeps the string), so
 * `-e apt_upgrade=false` can fill a boolean field; quote it to keep a string
 * (`-e "version='10'"`). Errors never repeat a value: it may be a secret.
 */
export function parseExtraVars(items: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  items.forEach((item, index) => Object.assign(vars, parseOne(item, `-e #${index + 1}`)));
  return vars;
}

function parseOne(item: string, where: string): Record<string, unknown> {
  if (!item) return {};
  if (item.startsWith('@')) {
    const source = YamlSource.fromFile(item.slice(1), item.slice(1), { ...ANSIBLE_YAML, vaultFile: 'secrets' });
    if (!isMapping(source.data)) throw new ConfigError('an -e @file must hold a mapping of variable names to values', source.locate([]));
    return source.data;
  }
  if (item[0] === '/' || item[0] === '.') throw new ConfigError(`${where}: a file name needs an @ in front: -e @${item}`);
  if (item[0] === '{' || item[0] === '[') {
    const data = YamlSource.fromText(item, where, ANSIBLE_YAML).data;
    if (!isMapping(data)) throw new ConfigError(`${where}: inline YAML/JSON must be a mapping of variable names to values`);
    return data;
  }
  let parsed;
  try {
    parsed = parseKv(item);
  } catch (err) {
    if (err instanceof KvError) throw new ConfigError(`${where}: cannot split key=value pairs: ${err.message} (the value is not shown: it may be a secret)`);
    throw err;
  }
  if (parsed.raw.length) throw new ConfigError(`${where}: expected key=value, @file.yaml or {json}; ${parsed.raw.length === 1 ? 'one word has' : `${parsed.raw.length} words have`} no "=" (quote a value that holds spaces: key='a b')`);
  const vars: Record<string, unknown> = {};
  for (const { key, value, quoted } of parsed.pairs) {
    if (!/^[A-Za-z_]\w*$/.test(key)) throw new ConfigError(`${where}: "${key}" is not a valid variable name`);
    vars[key] = quoted ? value : scalar(value);
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
