import { isTemplated } from '../lazy-vars.js';
import { valueNames } from '../template.js';
import type { VarLevel } from './levels.js';

/**
 * The variables of `levels` that depend on run-time values: a value whose
 * template reads a name in `runtime` (a host fact, a registered result), directly
 * or through other variables of the levels. Such a variable cannot be rendered
 * before the run; a task that reads it is expanded when it runs.
 *
 * Only a name's top definition counts (it hides the ones below), except where
 * a value reads its own name: that means the definition one level down, as
 * when it is rendered (src/lazy-vars.ts). A name in `runtime` is late whatever
 * level defines it too: facts sit above the inventory, registered results above
 * play and task vars (Ansible's precedence).
 */
export function lateNames(levels: readonly VarLevel[], runtime: Pick<ReadonlySet<string>, 'has'>): Set<string> {
  const late = new Set<string>();
  const top = new Map<string, boolean>();
  const visiting = new Set<string>();
  /** Whether `name`, as defined by the levels below index `bound`, is late. */
  const isLate = (name: string, bound: number): boolean => {
    if (runtime.has(name)) return true;
    const memoable = bound === levels.length;
    if (memoable && top.has(name)) return top.get(name)!;
    let i = bound - 1;
    while (i >= 0 && !Object.prototype.hasOwnProperty.call(levels[i].values, name)) i--;
    let result = false;
    const key = `${name}@${i}`;
    if (i >= 0 && !levels[i].plain && !visiting.has(key)) {
      const value = levels[i].values[name];
      if (isTemplated(value)) {
        visiting.add(key);
        result = valueNames(value).some((n) => isLate(n, n === name ? i : levels.length));
        visiting.delete(key);
      }
    }
    if (memoable) top.set(name, result);
    return result;
  };
  for (const level of levels) {
    if (level.plain) continue;
    for (const [k, v] of Object.entries(level.values)) if (isTemplated(v) && isLate(k, levels.length)) late.add(k);
  }
  return late;
}
