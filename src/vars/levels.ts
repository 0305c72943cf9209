import { ConfigError } from '../errors.js';
import { defineLazy, isTemplated } from '../lazy-vars.js';
import { renderValue } from '../template.js';
import type { FieldPath } from '../yaml-source.js';
import { mapStrings } from './map-strings.js';

/**
 * One level of variables (play vars, a vars file, the inventory's, -e...) and
 * how to name where one of its values was written, for a template error in it.
 */
export interface VarLevel {
  values: Record<string, unknown>;
  /** Values the run found (registered results, host facts): never templates, whatever text they hold (Ansible marks them unsafe). */
  plain?: boolean;
  /** The error for `message` in the value of `key` (`path`: where in that value, for lists and mappings). */
  error(key: string, path: FieldPath, message: string): ConfigError;
}

/**
 * The variables a template sees: `base`, then `levels` lowest first (a later
 * level's value replaces an earlier one's, whole). A templated value is rendered
 * lazily, on first read, against the returned object, so it sees every level,
 * whatever level defined the names it reads (Ansible's lazy templating). The same
 * levels bound over another base (the host's facts, registered results) render
 * against that base: nothing rendered for one base leaks into another.
 *
 * A value whose template fails throws a ConfigError naming where the value was
 * written; whoever read it (a task argument, a condition, another variable)
 * fails with that error, and the next read tries again (nothing wrong is cached).
 */
export function bindLevels(levels: readonly VarLevel[], base: Record<string, unknown>): Record<string, unknown> {
  const vars = copyVars(base);
  for (const level of levels) defineLevel(vars, level);
  return vars;
}

/** Puts one level's values on `vars`, over what is there; templated ones lazily, rendered against `vars`. */
export function defineLevel(vars: Record<string, unknown>, level: VarLevel): void {
  for (const [k, v] of Object.entries(level.values)) {
    if (level.plain || !isTemplated(v)) {
      Object.defineProperty(vars, k, { value: v, enumerable: true, configurable: true, writable: true });
      continue;
    }
    defineLazy(vars, k, () =>
      mapStrings(v, [], (text, path) => {
        try {
          return renderValue(text, vars);
        } catch (err) {
          // A variable this one reads failed: that variable's own error says where.
          if (err instanceof ConfigError) throw err;
          throw level.error(k, path, (err as Error).message);
        }
      }),
    );
  }
}

/**
 * A copy of a variables object that keeps lazy values lazy (a spread would
 * render every one of them, including those that can only be rendered later).
 */
export function copyVars(vars: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(vars)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  return out;
}

/** A level of plain values (registered results, host facts, a loop item): nothing in it is a template. */
export function plainLevel(values: Record<string, unknown>): VarLevel {
  return { values, plain: true, error: (key, _path, message) => new ConfigError(`${message} (in ${key})`) };
}
