import { ConfigError } from '../errors.js';
import { evaluateCondition } from '../expr/index.js';
import { argumentProblems } from '../roles/argument-specs.js';
import { FAILED, renderArgs, type ExpandContext } from '../task-expand.js';
import type { ParsedBlock, ParsedNode } from '../task-tree.js';
import { valueNames } from '../template.js';
import { copyVars, defineLevel } from '../vars/levels.js';
import { extraLevel } from '../vars/sources.js';
import type { PlayReuse } from './origin.js';

/**
 * The per-host side of reuse, used by compile.ts: an include's loop items and
 * a role's argument check, both decided from the host's variables before the run.
 */

/**
 * The tasks of an include with `loop:`, once per item for this host: each copy
 * sees the item (and its index) above its other variables. A loop that reads a
 * registered result or a host fact (or a variable defined from one: `late`) is
 * known only during the run: an error, since provision expands includes before it.
 */
export function includeLoop(block: ParsedBlock, vars: Record<string, unknown>, late: Pick<ReadonlySet<string>, 'has'>, ctx: ExpandContext): ParsedNode[][] {
  const loop = block.loop!;
  const lateRead = valueNames(loop.value).filter((n) => late.has(n));
  if (lateRead.length) {
    ctx.report(new ConfigError(`the loop of this include reads ${lateRead.map((n) => `"${n}"`).join(', ')}, known only during the run (a registered result or host fact, or a variable defined from one); provision expands includes before the run: loop over variables, or put the loop on the included tasks`, loop.where));
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
  const scope = copyVars(base);
  // A value that cannot be rendered before the run (it reads a host fact or a registered
  // result) is not known yet: not checked here; the tasks that use it render it at run time.
  for (const values of [...use.vars, ...use.params]) defineLevel(scope, { values, error: (key, _path, message) => new ConfigError(message, use.instance.entry.where, key) });
  defineLevel(scope, extraLevel(ctx.extraVars));
  const notYetKnown = new Set<string>();
  const read = (name: string): unknown => {
    try {
      return scope[name];
    } catch {
      notYetKnown.add(name);
      return undefined;
    }
  };
  if (check.when.length) {
    try {
      if (evaluateCondition(check.when, scope) === false) return;
    } catch {
      // The condition's own error is reported with the role's tasks.
    }
  }
  for (const name of Object.keys(spec.options)) read(name);
  const known = Object.fromEntries(Object.entries(spec.options).filter(([name]) => !notYetKnown.has(name)));
  for (const problem of argumentProblems(known, read)) {
    ctx.report(new ConfigError(`role "${use.instance.name}": argument ${problem} (argument_specs in ${spec.file})`, use.instance.entry.where));
  }
}
