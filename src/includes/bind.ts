import { ConfigError } from '../errors.js';
import { evaluateCondition } from '../expr/index.js';
import { defineLazy, isTemplated } from '../lazy-vars.js';
import { argumentProblems } from '../roles/argument-specs.js';
import { FAILED, renderArgs, type ExpandContext } from '../task-expand.js';
import type { ParsedBlock, ParsedNode } from '../task-tree.js';
import { valueNames } from '../template.js';
import type { PlayReuse } from './origin.js';

/**
 * The per-host side of reuse, used by compile.ts: an include's loop items and
 * a role's argument check, both decided from the host's variables before the run.
 */

/**
 * The tasks of an include with `loop:`, once per item for this host: each copy
 * sees the item (and its index) above its other variables. A loop that reads a
 * registered result or a host fact is known only during the run: an error,
 * since provision expands includes before it.
 */
export function includeLoop(block: ParsedBlock, vars: Record<string, unknown>, runtime: Set<string>, ctx: ExpandContext): ParsedNode[][] {
  const loop = block.loop!;
  const late = valueNames(loop.value).filter((n) => runtime.has(n));
  if (late.length) {
    ctx.report(new ConfigError(`the loop of this include reads ${late.map((n) => `"${n}"`).join(', ')}, known only during the run (a registered result or host fact); provision expands includes before the run: loop over variables, or put the loop on the included tasks`, loop.where));
    return [];
  }
  const value = renderArgs(loop.value, vars, { source: loop.source, report: ctx.report }, loop.path);
  if (value === FAILED) return [];
  if (!Array.isArray(value)) {
    ctx.report(new ConfigError('a loop needs a list', loop.source.locate(loop.path)));
    return [];
  }
  const items = loop.withItems ? value.flatMap((v) => (Array.isArray(v) ? v : [v])) : value;
  return items.map((item, index) => withLayer(block.block, { [loop.loopVar]: item, ansible_loop_var: loop.loopVar, ...(loop.indexVar ? { [loop.indexVar]: index } : {}) }));
}

function withLayer(nodes: ParsedNode[], layer: Record<string, unknown>): ParsedNode[] {
  return nodes.map((n) => (n.kind === 'task' ? { ...n, vars: [...n.vars, layer] } : { ...n, block: withLayer(n.block, layer), rescue: withLayer(n.rescue, layer), always: withLayer(n.always, layer) }));
}

/**
 * A role's meta/argument_specs, checked against the variables its first task
 * would see on this host (Ansible validates them in a task it adds before the
 * role's tasks). A role whose `when:` is false for the host is not checked, as
 * Ansible skips that task too.
 */
export function checkRoleArguments(check: PlayReuse['argumentChecks'][number], base: Record<string, unknown>, ctx: ExpandContext): void {
  const { use } = check;
  const spec = use.instance.argumentSpec!;
  const scope: Record<string, unknown> = { ...base };
  // A value that cannot be rendered before the run (it reads a host fact or a registered
  // result) is not known yet: not checked here; the tasks that use it render it at run time.
  const notYetKnown = new Set<string>();
  for (const level of [...use.vars, ...use.params]) {
    for (const [k, v] of Object.entries(level)) {
      if (!isTemplated(v)) scope[k] = v;
      else
        defineLazy(scope, k, () => {
          const errors: ConfigError[] = [];
          const r = renderArgs(v, scope, { ...ctx, report: (e) => errors.push(e) }, []);
          if (r !== FAILED && errors.length === 0) return r;
          notYetKnown.add(k);
          return undefined;
        });
    }
  }
  for (const k of Object.keys(ctx.extraVars)) scope[k] = base[k];
  if (check.when.length) {
    try {
      if (evaluateCondition(check.when, scope) === false) return;
    } catch {
      // The condition's own error is reported with the role's tasks.
    }
  }
  const known = Object.fromEntries(Object.entries(spec.options).filter(([name]) => scope[name] !== undefined || !notYetKnown.has(name)));
  for (const problem of argumentProblems(known, (name) => scope[name])) {
    ctx.report(new ConfigError(`role "${use.instance.name}": argument ${problem} (argument_specs in ${spec.file})`, use.instance.entry.where));
  }
}
