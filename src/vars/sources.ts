import { ConfigError } from '../errors.js';
import type { InventoryHost } from '../inventory.js';
import { varsOrigin } from '../roles/vars-file.js';
import { displayField } from '../task-tree.js';
import type { FieldPath, YamlSource } from '../yaml-source.js';
import type { VarLevel } from './levels.js';

/**
 * Where each kind of level comes from, so that a template error in one of its
 * values names the file, line and field it was written at.
 */

/** Variables written in YAML (play vars, a vars file, a role's, a task's): errors at the value's line; a vars file's own origin wins. */
export function yamlLevel(values: Record<string, unknown>, source: YamlSource, path: FieldPath): VarLevel {
  const at = varsOrigin(values) ?? { source, path };
  return {
    values,
    error: (key, inner, message) => {
      const p = [...at.path, key, ...inner];
      return new ConfigError(message, at.source.locate(p), displayField(p));
    },
  };
}

/** A host's merged inventory variables (group_vars, host_vars...): errors name the inventory file, line and variable. */
export function inventoryLevel(host: InventoryHost): VarLevel {
  return {
    values: host.vars,
    error: (key, _inner, message) => new ConfigError(`${message} (in the inventory variable ${key} of host ${host.name})`, host.varSources?.[key], key),
  };
}

/** -e (and a test scenario's variables): above every other level. */
export function extraLevel(values: Record<string, unknown>): VarLevel {
  return { values, error: (key, _inner, message) => new ConfigError(`${message} (in the extra variable ${key}, given with -e or a scenario)`) };
}
