import type { HostLevels } from '../compile.js';
import { bindLevels, plainLevel } from '../vars/levels.js';

/**
 * A host's variables at run time, per level set (a play, a role's variant of it):
 * the levels compile kept, bound over the host facts (above the inventory, below
 * play vars) and the registered results (above play vars), with -e on top.
 * Bound again only when facts or registered results changed since, so a play of
 * tasks that read run-time values costs one binding per registered result, not
 * one per task.
 */
export class RuntimeScopes {
  private readonly cache = new Map<HostLevels, { scope: Record<string, unknown>; facts: unknown; registered: Map<string, unknown> }>();

  scope(levels: HostLevels, facts: Record<string, unknown> | undefined, registered: Record<string, unknown>): Record<string, unknown> {
    const hit = this.cache.get(levels);
    if (hit && hit.facts === facts && sameEntries(hit.registered, registered)) return hit.scope;
    const scope = bindLevels([...levels.belowFacts, plainLevel(facts ?? {}), ...levels.aboveFacts, plainLevel(registered), levels.extra], levels.base);
    this.cache.set(levels, { scope, facts, registered: new Map(Object.entries(registered)) });
    return scope;
  }
}

function sameEntries(seen: Map<string, unknown>, now: Record<string, unknown>): boolean {
  const keys = Object.keys(now);
  return keys.length === seen.size && keys.every((k) => seen.has(k) && seen.get(k) === now[k]);
}
