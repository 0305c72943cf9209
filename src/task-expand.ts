import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { parseArgs } from './args-parse-memo.js';
import { becomeFor } from './connection-vars.js';
import { ConfigError, type SourceLocation } from './errors.js';
import { containsUnknown, evaluateCondition, isUnknown } from './expr/index.js';
import { findLocalFile, readLocalFile } from './local-files.js';
import { taskArgumentErrors } from './secret-arguments.js';
import { isSecret, shownText } from './secret.js';
import type { ParsedTask } from './task-tree.js';
import { displayField, displayPath } from './task-tree.js';
import type { TaskType } from './task-type.js';
import { renderTemplate, renderValue, TemplateError } from './template.js';
import { lateNames } from './vars/late.js';
import { bindLevels, copyVars, plainLevel } from './vars/levels.js';
import { mapStrings } from './vars/map-strings.js';
import { extraLevel, yamlLevel } from './vars/sources.js';
import type { FieldPath, YamlSource } from './yaml-source.js';

export { mapStrings };

/** One execution of a task on one host (one item of a loop): arguments rendered with that host's variables and checked. */
export interface CompiledTask {
  name: string;
  type: TaskType;
  args: unknown;
  notify: string[];
  tags: string[];
  become: boolean;
  /** Set when `when:` is false: the task is reported skipped with this reason. */
  skipReason?: string;
  /** Set in check mode when the task's condition or arguments depend on a result check mode cannot know: reported as such, never guessed. */
  unknown?: string;
  /** The loop item, and what its output line shows. */
  item?: unknown;
  label?: string;
  where: SourceLocation;
  /** The task's variables (its vars, loop item): host-less tasks (assert, debug) decide over them, and every task's changed_when/failed_when. */
  scope?: Record<string, unknown>;
}

export interface ExpandContext {
  source: YamlSource;
  playbookFile: string;
  /** The play's `become:`. */
  playBecome?: boolean;
  /** -e: above task vars, as in Ansible's precedence. */
  extraVars: Record<string, unknown>;
  /**
   * At run time, the host's registered results: above task vars, below role and
   * include params (Ansible's precedence), so they are put back over the task's vars.
   */
  registered?: Record<string, unknown>;
  /** Before the run: whether a name is known only during it (a host fact, a registered result, a variable defined from one). */
  isLate?: (name: string) => boolean;
  report: (e: ConfigError) => void;
  /** Told the text of each local template file the task renders (src/task-share.ts checks its names). */
  onLocalTemplate?: (text: string) => void;
}

/**
 * Turns one parsed task into its executions for one host: the loop's items,
 * each with its `when:` decided and its arguments rendered and validated. The
 * same function serves before the run (tasks that read no run-time value) and
 * during it (tasks that read registered results or host facts, with those in
 * `vars`), so an error reads the same either way. Returns null after reporting.
 */
export function expandTask(t: ParsedTask, vars: Record<string, unknown>, given: ExpandContext): CompiledTask[] | null {
  // Errors point into the file the task was written in (a role's, an imported one).
  const ctx = given.source === t.source ? given : { ...given, source: t.source };
  const scope = t.vars.length ? taskScope(t, vars, ctx) : vars;
  if (!scope) return null;
  const name = t.name !== undefined ? taskName(t.name, scope) : defaultName(t.typeName, t.args);
  const base = { name, type: t.type, notify: t.notify, tags: t.tags, where: t.where };
  if (!t.loop) return one(t, scope, base, ctx, undefined);
  const items = loopItems(t, scope, ctx);
  if (items === null) return null;
  if (isUnknown(items)) return [{ ...base, args: undefined, become: false, unknown: `its loop depends on a result check mode cannot know` }];
  const out: CompiledTask[] = [];
  for (const [index, item] of (items as unknown[]).entries()) {
    const itemScope = copyVars(scope, { [t.loopVar]: item, ansible_loop_var: t.loopVar, ...(t.indexVar ? { [t.indexVar]: index } : {}) });
    const label = t.label !== undefined ? shown(safeRender(t.label, itemScope, ctx, [...t.path, 'loop_control', 'label']) ?? t.label) : describeItem(item);
    const r = one(t, itemScope, base, ctx, { item, label });
    if (r === null) return null;
    out.push(...r);
  }
  return out;
}

function one(t: ParsedTask, scope: Record<string, unknown>, base: Omit<CompiledTask, 'args' | 'become'>, ctx: ExpandContext, item: { item: unknown; label: string } | undefined): CompiledTask[] | null {
  let become: boolean;
  try {
    become = becomeFor(scope, t.become, ctx.playBecome);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const host = scope.inventory_hostname;
    ctx.report(new ConfigError(typeof host === 'string' ? `host ${host}: ${err.message}` : err.message, ctx.source.locate(t.path), displayField(t.path)));
    return null;
  }
  const withItem = { ...base, ...(item ? item : {}), become };
  if (t.when.length) {
    let decided: boolean | object;
    try {
      decided = evaluateCondition(t.when, scope);
    } catch (err) {
      // A variable the condition read failed: its own error names where it was written.
      ctx.report(err instanceof ConfigError ? err : new ConfigError((err as Error).message, ctx.source.locate([...t.path, 'when']), displayField([...t.path, 'when'])));
      return null;
    }
    if (isUnknown(decided)) return [{ ...withItem, args: undefined, unknown: `when: ${t.when.join(' and ')} depends on a result check mode cannot know` }];
    if (decided === false) return [{ ...withItem, args: undefined, skipReason: `when: ${t.when.map(String).join(' and ')} is false` }];
  }
  const argsPath = [...t.path, t.typeName];
  const rendered = renderArgs(t.args, scope, ctx, argsPath);
  if (rendered === FAILED) return null;
  dropOmitted(rendered);
  if (containsUnknown(rendered)) return [{ ...withItem, args: undefined, unknown: 'its arguments depend on a result check mode cannot know' }];
  const parsed = parseArgs(t.type.schema, rendered);
  if (!parsed.success) {
    taskArgumentErrors(parsed.error, rendered, t.typeName, ctx.source, argsPath, displayPath(argsPath)).forEach(ctx.report);
    return null;
  }
  let args = parsed.data;
  if (t.type.resolveLocal) {
    try {
      args = t.type.resolveLocal(args, {
        template: (src) => {
          const file = findLocalFile(src, ctx.playbookFile, 'template', t.searchDirs);
          const text = readLocalFile(file);
          ctx.onLocalTemplate?.(text);
          try {
            return renderTemplate(text, scope);
          } catch (err) {
            const e = err as TemplateError;
            throw new LocalFileError(e.message, { file: relative(process.cwd(), file) || file, line: e.line, column: e.column });
          }
        },
        file: (src) => readLocalFile(findLocalFile(src, ctx.playbookFile, 'file', t.searchDirs)),
        playbookFile: ctx.playbookFile,
        searchDirs: t.searchDirs,
      });
    } catch (err) {
      if (err instanceof LocalFileError) ctx.report(new ConfigError(`${err.message} (used by ${displayField(argsPath)} at ${ctx.source.file}:${t.where.line})`, err.where));
      else ctx.report(new ConfigError((err as Error).message, ctx.source.locate([...argsPath, 'src']), displayField([...argsPath, 'src'])));
      return null;
    }
  }
  return [{ ...withItem, args, scope }];
}

/**
 * The host's variables with the enclosing blocks' and the task's own `vars:` over them,
 * registered results over those (at run time), role and include params, and -e over
 * all (Ansible's precedence). Before the run (a task that reads no run-time value),
 * every task variable is rendered now, so a template error is bad input; at run time
 * only what the task reads is, when it reads it.
 */
function taskScope(t: ParsedTask, vars: Record<string, unknown>, ctx: ExpandContext): Record<string, unknown> | null {
  const split = t.paramsFrom ?? t.vars.length;
  const level = (values: Record<string, unknown>) => yamlLevel(values, ctx.source, [...t.path, 'vars']);
  const own = t.vars.map(level);
  const scope = bindLevels([...own.slice(0, split), ...(ctx.registered ? [plainLevel(ctx.registered)] : []), ...own.slice(split), extraLevel(ctx.extraVars)], vars);
  if (ctx.registered) return scope;
  let ok = true;
  let late: Set<string> | undefined;
  for (const k of new Set(t.vars.flatMap((v) => Object.keys(v)))) {
    try {
      void scope[k];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // A variable the task does not read that waits for the run (a role's var defined from a fact): not an error now.
      late ??= lateNames(own, { has: (n) => ctx.isLate?.(n) ?? false });
      if (late.has(k)) continue;
      ok = false;
      ctx.report(err);
    }
  }
  return ok ? scope : null;
}

function loopItems(t: ParsedTask, scope: Record<string, unknown>, ctx: ExpandContext): unknown[] | object | null {
  const path = [...t.path, t.loop!.withItems ? 'with_items' : 'loop'];
  const value = renderArgs(t.loop!.value, scope, ctx, path);
  if (value === FAILED) return null;
  if (isUnknown(value)) return value as object;
  if (!Array.isArray(value)) {
    ctx.report(new ConfigError(`a loop needs a list, got ${describe(value)}`, ctx.source.locate(path), displayField(path)));
    return null;
  }
  if (value.some((v) => isUnknown(v))) return value.find((v) => isUnknown(v)) as object;
  // with_items flattens one level, as Ansible's does.
  return t.loop!.withItems ? value.flatMap((v) => (Array.isArray(v) ? v : [v])) : value;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

/** A name or label rendered from a secret shows it masked, the rest of its text readable. */
function shown(value: unknown): string {
  return isSecret(value) ? shownText(value) : String(value);
}

function describeItem(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item);
}

function taskName(text: string, scope: Record<string, unknown>): string {
  try {
    return shown(renderValue(text, scope));
  } catch {
    // A name that reads the loop item, or a later result: shown as written.
    return text;
  }
}

class LocalFileError extends Error {
  constructor(
    message: string,
    readonly where: SourceLocation,
  ) {
    super(message);
  }
}

export const FAILED = Symbol('failed');

/**
 * Ansible's `omit`: an argument whose value renders to it is left out, as if
 * not written (`email: "{{ default acme_email omit }}"`). A random marker, so no
 * real value can be mistaken for it.
 */
export const OMIT = `__omit_place_holder__${randomBytes(8).toString('hex')}`;

function dropOmitted(value: unknown): void {
  if (Array.isArray(value)) value.forEach(dropOmitted);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      if (v === OMIT) delete (value as Record<string, unknown>)[k];
      else dropOmitted(v);
    }
  }
}

export function renderArgs(value: unknown, vars: Record<string, unknown>, ctx: Pick<ExpandContext, 'source' | 'report'>, path: FieldPath): unknown {
  let failed = false;
  const out = mapStrings(value, path, (v, p) => {
    const r = safeRender(v, vars, ctx, p);
    if (r === FAILED) failed = true;
    return r;
  });
  return failed ? FAILED : out;
}

export function safeRender(value: string, vars: Record<string, unknown>, ctx: Pick<ExpandContext, 'source' | 'report'>, path: FieldPath): unknown {
  try {
    return renderValue(value, vars);
  } catch (err) {
    // A variable the value read failed: its own error names where it was written.
    ctx.report(err instanceof ConfigError ? err : new ConfigError((err as Error).message, ctx.source.locate(path), displayField(path)));
    return FAILED;
  }
}

export function defaultName(type: string, args: unknown): string {
  if (args && typeof args === 'object') {
    const a = args as Record<string, unknown>;
    const subject = a.name ?? a.dest ?? a.path ?? a.packages ?? a.command ?? a.domains ?? a.var;
    if (subject !== undefined && typeof subject !== 'object') return `${type} ${String(subject)}`;
    if (Array.isArray(subject)) return `${type} ${subject.join(', ')}`;
  }
  if (typeof args === 'string') return `${type} ${args}`;
  return type;
}
