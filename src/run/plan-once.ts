import type { CompiledTask } from '../compile.js';
import type { Plan } from '../plan.js';
import type { PlanContext } from '../task-type.js';

/**
 * A task's plan, made once for every host where it has nothing to do with the same arguments and
 * the same fact values. Planners are pure: arguments shared by compile (src/task-share.ts) and
 * fact values shared by the fact cache (parsed once per distinct output, frozen) give the same
 * plan, and a converged fleet asks for that plan once per host (at 1,000 hosts the planners were
 * ~0.3 ms per host). Only for a type whose `plan` takes no context (declares no `ctx` parameter,
 * so it cannot read the host's name or port) and adds no local facts; only a plan with nothing to
 * do is kept, frozen: a plan with changes gets its diffs filled in per host (src/run/apply.ts).
 */
export function planOnce(task: CompiledTask, values: Record<string, unknown>, ctx: PlanContext): Plan {
  const type = task.type;
  if (type.plan.length >= 3 || type.localFacts || typeof task.args !== 'object' || task.args === null) return type.plan(task.args, values as never, ctx);
  const kept = noOpPlans.get(task.args);
  if (kept && kept.type === type && sameValues(kept.values, values)) return kept.plan;
  const plan = type.plan(task.args, values as never, ctx);
  if (plan.changes.length > 0) return plan;
  const frozen = Object.freeze({ ...plan, changes: Object.freeze([]) as unknown as Plan['changes'] });
  noOpPlans.set(task.args, { type, values, plan: frozen });
  return frozen;
}

const noOpPlans = new WeakMap<object, { type: CompiledTask['type']; values: Record<string, unknown>; plan: Plan }>();

/** Same names, each value the same object (or primitive): fact values shared by the cache compare by identity. */
function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let count = 0;
  for (const name in b) {
    if (!(name in a) || a[name] !== b[name]) return false;
    count++;
  }
  for (const _ in a) count--;
  return count === 0;
}
