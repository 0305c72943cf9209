import { relative } from 'node:path';
import * as z from 'zod';
import { becomeFor, connectionTarget, type ConnectionTarget } from './connection-vars.js';
import type { Endpoint } from './ssh/endpoint.js';
import { ConfigError, ConfigErrors, type SourceLocation } from './errors.js';
import type { Inventory, InventoryHost } from './inventory.js';
import { hostPatternProblem, matchHosts, matchLimit } from './host-patterns.js';
import { findLocalFile, readLocalFile } from './local-files.js';
import { COMMON_TASK_KEYS, commonTaskKeys, type LoadedPlaybook, type RawPlay } from './playbook.js';
import { schemaErrors } from './schema-errors.js';
import type { TaskType } from './task-type.js';
import { defineLazy, isTemplated } from './lazy-vars.js';
import { renderTemplate, renderValue, TemplateError } from './template.js';
import { verifySchema, type VerifyCheck } from './verify.js';
import { evaluateWhen } from './when.js';
import { formatPath, type FieldPath } from './yaml-source.js';

/** Field paths are shown relative to their play (`tasks[2].apt.packages`); the line number tells plays apart. */
function displayPath(path: FieldPath): FieldPath {
  return typeof path[0] === 'number' ? path.slice(1) : path;
}

function fieldName(path: FieldPath): string {
  return formatPath(displayPath(path));
}
import { getTaskType, taskTypeNames } from '../tasks/index.js';

export interface CompileOptions {
  extraVars?: Record<string, unknown>;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  /** Render and check `verify:` too (provision test). Ordinary runs skip it: it may use test-only variables. */
  verify?: boolean;
}

/** A task ready to run on one host: arguments rendered with that host's variables and validated. */
export interface CompiledTask {
  name: string;
  type: TaskType;
  args: unknown;
  notify: string[];
  tags: string[];
  become: boolean;
  /** Set when `when:` is false: the task is reported skipped with this reason. */
  skipReason?: string;
  where: SourceLocation;
}

export interface HostPlay {
  name: string;
  tasks: CompiledTask[];
  handlers: Map<string, CompiledTask>;
  /** Handler names in definition order: handlers run in this order, not notification order. */
  handlerOrder: string[];
  verify: VerifyCheck[];
}

export interface HostRun {
  host: InventoryHost;
  /** How to reach the host, from its connection variables (inventory, play vars, -e): one connection for the whole run. */
  target: ConnectionTarget;
  /** The target as ssh_config resolves it, when resolved before the run (see resolveEndpoints). */
  endpoint?: Endpoint;
  plays: HostPlay[];
}

/**
 * Turns playbook + inventory + variables into per-host task lists, or throws
 * ConfigErrors listing every problem found, each with file:line and field.
 * Nothing here touches a host: all input is checked before any connection.
 */
export function compile(playbook: LoadedPlaybook, inventory: Inventory, options: CompileOptions = {}): HostRun[] {
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  const report = (e: ConfigError): void => {
    // The same mistake shows once, not once per host.
    if (!seen.has(e.message)) {
      seen.add(e.message);
      errors.push(e);
    }
  };
  let limited: Set<string> | undefined;
  if (options.limit) {
    const matched = matchLimit(inventory, options.limit);
    if (matched.length === 0) throw new ConfigError(`--limit "${options.limit}" matches no host in ${inventory.file}`);
    limited = new Set(matched);
  }

  const runs = new Map<string, HostRun>();
  // Built once for all hosts: with 10,000 hosts, per-host copies would be quadratic.
  const shared = { groups: groupMembers(inventory), hostvars: lazyHostvars(inventory) };
  playbook.plays.forEach((play, playIndex) => {
    const base: FieldPath = playbook.isList ? [playIndex] : [];
    const problem = hostPatternProblem(inventory, play.hosts);
    if (problem) {
      report(new ConfigError(problem, playbook.source.locate([...base, 'hosts']), fieldName([...base, 'hosts'])));
      return;
    }
    const hosts = matchHosts(inventory, play.hosts).filter((h) => !limited || limited.has(h));
    const handlerNames = (play.handlers ?? []).map((h, i) => (typeof h.name === 'string' ? h.name : `handler ${i}`));
    for (const hostName of hosts) {
      const host = inventory.hosts.get(hostName)!;
      const vars = hostVars(inventory, shared, host, play, playbook, options.extraVars ?? {}, base, report);
      if (!vars) continue;
      const target = targetFor(hostName, vars, inventory, runs.get(hostName), playbook.source.locate([...base, 'hosts']), report);
      if (!target) continue;
      const compileList = (list: Record<string, unknown>[], key: 'tasks' | 'handlers'): CompiledTask[] =>
        list.map((raw, i) => compileTask(raw, [...base, key, i], vars, play, host, playbook, report)).filter((t): t is CompiledTask => t !== null);
      const tasks = compileList(play.tasks, 'tasks').filter((t) => selectedByTags(t, options));
      const handlerList = compileList(play.handlers ?? [], 'handlers');
      const handlers = new Map(handlerList.map((h) => [h.name, h]));
      play.tasks.forEach((raw, i) => {
        for (const n of asList(raw.notify)) {
          if (!handlerNames.includes(n)) {
            report(new ConfigError(`notifies handler "${n}", which this play does not define${handlerNames.length ? ` (handlers: ${handlerNames.join(', ')})` : ''}`, playbook.source.locate([...base, 'tasks', i, 'notify']), fieldName([...base, 'tasks', i, 'notify'])));
          }
        }
      });
      const verify = (options.verify ? (play.verify ?? []) : []).flatMap((raw, i) => {
        const path = [...base, 'verify', i];
        const rendered = renderArgs(raw, vars, playbook.source, path, report);
        if (rendered === FAILED) return [];
        const parsed = verifySchema.safeParse(rendered);
        if (!parsed.success) {
          schemaErrors(parsed.error, playbook.source, path, displayPath(path)).forEach(report);
          return [];
        }
        return [parsed.data];
      });
      const run = runs.get(hostName) ?? { host, target, plays: [] };
      run.plays.push({ name: play.name ?? play.hosts, tasks, handlers, handlerOrder: handlerNames, verify });
      runs.set(hostName, run);
    }
  });
  if (errors.length) throw new ConfigErrors(errors);
  return [...runs.values()];
}

function compileTask(
  raw: Record<string, unknown>,
  path: FieldPath,
  vars: Record<string, unknown>,
  play: RawPlay,
  host: InventoryHost,
  playbook: LoadedPlaybook,
  report: (e: ConfigError) => void,
): CompiledTask | null {
  const source = playbook.source;
  const where = source.locate(path);
  const typeKeys = Object.keys(raw).filter((k) => !COMMON_TASK_KEYS.includes(k));
  if (typeKeys.length !== 1) {
    const problem = typeKeys.length === 0 ? 'a task needs one task type' : `a task has exactly one task type, found ${typeKeys.map((k) => `"${k}"`).join(', ')}`;
    report(new ConfigError(`${problem} (one of: ${taskTypeNames().join(', ')})`, where, fieldName(path)));
    return null;
  }
  const typeName = typeKeys[0];
  const type = getTaskType(typeName);
  if (!type) {
    const suggestion = closest(typeName, taskTypeNames());
    report(new ConfigError(`unknown task type "${typeName}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; task types: ${taskTypeNames().join(', ')}`, source.locate(path, typeName), fieldName(path)));
    return null;
  }
  const common = taskCommonSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([k]) => COMMON_TASK_KEYS.includes(k))));
  if (!common.success) {
    schemaErrors(common.error, source, path, displayPath(path)).forEach(report);
    return null;
  }
  const c = common.data;
  const name = c.name !== undefined ? String(safeRender(c.name, vars, source, [...path, 'name'], report) ?? c.name) : defaultName(typeName, raw[typeName]);
  const base = { name, type, notify: asList(c.notify), tags: asList(c.tags), become: becomeFor(vars, c.become, play.become), where };
  if (c.when !== undefined) {
    try {
      if (!evaluateWhen(c.when, vars)) return { ...base, args: undefined, skipReason: `when: ${String(c.when)} is false` };
    } catch (err) {
      report(new ConfigError((err as Error).message, source.locate([...path, 'when']), fieldName([...path, 'when'])));
      return null;
    }
  }
  const argsPath = [...path, typeName];
  const rendered = renderArgs(raw[typeName] ?? {}, vars, source, argsPath, report);
  if (rendered === FAILED) return null;
  const parsed = type.schema.safeParse(rendered);
  if (!parsed.success) {
    schemaErrors(parsed.error, source, argsPath, displayPath(argsPath)).forEach(report);
    return null;
  }
  let args = parsed.data;
  if (type.resolveLocal) {
    try {
      args = type.resolveLocal(args, {
        template: (src) => {
          const file = findLocalFile(src, playbook.file, 'template');
          const text = readLocalFile(file);
          try {
            return renderTemplate(text, vars);
          } catch (err) {
            const e = err as TemplateError;
            throw new LocalFileError(e.message, { file: relative(process.cwd(), file) || file, line: e.line, column: e.column });
          }
        },
        file: (src) => readLocalFile(findLocalFile(src, playbook.file, 'file')),
        playbookFile: playbook.file,
      });
    } catch (err) {
      if (err instanceof LocalFileError) report(new ConfigError(`${err.message} (used by ${fieldName(argsPath)} at ${source.file}:${where.line})`, err.where));
      else report(new ConfigError((err as Error).message, source.locate([...argsPath, 'src']), fieldName([...argsPath, 'src'])));
      return null;
    }
  }
  return { ...base, args };
}

class LocalFileError extends Error {
  constructor(message: string, readonly where: SourceLocation) {
    super(message);
  }
}

const taskCommonSchema = z.strictObject(commonTaskKeys);

const FAILED = Symbol('failed');

function renderArgs(value: unknown, vars: Record<string, unknown>, source: LoadedPlaybook['source'], path: FieldPath, report: (e: ConfigError) => void): unknown {
  let failed = false;
  const out = mapStrings(value, path, (v, p) => {
    const r = safeRender(v, vars, source, p, report);
    if (r === FAILED) failed = true;
    return r;
  });
  return failed ? FAILED : out;
}

/** `value` with every string in it (through lists and plain mappings) replaced by `render(string, its path)`. */
function mapStrings(value: unknown, path: FieldPath, render: (s: string, path: FieldPath) => unknown): unknown {
  if (typeof value === 'string') return render(value, path);
  if (Array.isArray(value)) return value.map((x, i) => mapStrings(x, [...path, i], render));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, mapStrings(x, [...path, k], render)]));
  }
  return value;
}

function safeRender(value: string, vars: Record<string, unknown>, source: LoadedPlaybook['source'], path: FieldPath, report: (e: ConfigError) => void): unknown {
  try {
    return renderValue(value, vars);
  } catch (err) {
    report(new ConfigError((err as Error).message, source.locate(path), fieldName(path)));
    return FAILED;
  }
}

/**
 * Variables for one host in one play, lowest precedence first: built-ins <
 * play defaults < the inventory's merged variables (group_vars, host_vars: see
 * src/inventory/merge.ts) < play vars < -e. Templated values at every level are
 * rendered lazily with the host's final variables, as Ansible does, so an
 * inventory value such as `url: "https://{{ domain }}/app"` sees a `domain` from
 * any level and never reaches a host with its braces.
 */
function hostVars(
  inventory: Inventory,
  shared: { groups: Record<string, string[]>; hostvars: Record<string, unknown> },
  host: InventoryHost,
  play: RawPlay,
  playbook: LoadedPlaybook,
  extra: Record<string, unknown>,
  base: FieldPath,
  report: (e: ConfigError) => void,
): Record<string, unknown> | null {
  const vars = builtinVars(host, shared, playbook);
  let ok = true;
  const playLevel = (section: 'defaults' | 'vars', values: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (!isTemplated(v)) vars[k] = v;
      else
        defineLazy(vars, k, () => {
          const rendered = renderArgs(v, vars, playbook.source, [...base, section, k], report);
          if (rendered === FAILED) ok = false;
          return rendered === FAILED ? undefined : rendered;
        });
    }
  };
  playLevel('defaults', play.defaults ?? {});
  defineInventoryVars(vars, host, (e) => {
    ok = false;
    report(e);
  });
  playLevel('vars', play.vars ?? {});
  Object.assign(vars, extra);
  // Render every lazy value now: a template error is bad input, found before any host is touched.
  for (const k of Object.keys(vars)) void vars[k];
  return ok ? vars : null;
}

function builtinVars(host: InventoryHost, shared: { groups: Record<string, string[]>; hostvars: Record<string, unknown> }, playbook: LoadedPlaybook | undefined): Record<string, unknown> {
  return {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    // The inventory's ansible_host, when it has one, is defined over this.
    ansible_host: host.name,
    group_names: host.groups.filter((g) => g !== 'all'),
    groups: shared.groups,
    ...(playbook ? { playbook_dir: playbook.file.replace(/\/[^/]*$/, '') || '.' } : {}),
    hostvars: shared.hostvars,
  };
}

/** The host's inventory variables on `vars`, templated ones lazily; a template error names the inventory file, line and variable. */
function defineInventoryVars(vars: Record<string, unknown>, host: InventoryHost, fail: (e: ConfigError) => void): void {
  for (const [k, v] of Object.entries(host.vars)) {
    if (!isTemplated(v)) {
      vars[k] = v;
      continue;
    }
    defineLazy(vars, k, () => {
      try {
        return mapStrings(v, [k], (text) => renderValue(text, vars));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        fail(new ConfigError(`${err.message} (in the inventory variable ${k} of host ${host.name})`, host.varSources?.[k], k));
        return undefined;
      }
    });
  }
}

/**
 * The host's connection target from its variables in this play. provision keeps
 * one connection per host for the whole run, so a later play whose variables
 * would connect differently (another port or user) is an error, not a silent reuse.
 */
function targetFor(
  hostName: string,
  vars: Record<string, unknown>,
  inventory: Inventory,
  earlier: HostRun | undefined,
  where: SourceLocation,
  report: (e: ConfigError) => void,
): ConnectionTarget | null {
  let target: ConnectionTarget;
  try {
    target = connectionTarget(hostName, vars, { file: inventory.file });
  } catch (err) {
    if (!(err instanceof ConfigErrors)) throw err;
    err.errors.forEach(report);
    return null;
  }
  if (earlier && !sameConnection(earlier.target, target)) {
    report(new ConfigError(`this play's variables connect to ${hostName} differently from an earlier play's (${describeTarget(earlier.target)} vs ${describeTarget(target)}); provision keeps one connection per host: set connection variables in the inventory or with -e`, where, 'hosts'));
    return null;
  }
  return earlier?.target ?? target;
}

function sameConnection(a: ConnectionTarget, b: ConnectionTarget): boolean {
  const { becomePassword: pa, ...ra } = a;
  const { becomePassword: pb, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb) && pa?.reveal() === pb?.reveal();
}

function describeTarget(t: ConnectionTarget): string {
  return `${t.user ?? '(default user)'}@${t.address}${t.port ? `:${t.port}` : ''}`;
}

/** `groups`: every group's hosts, children's included, in inventory order. */
function groupMembers(inventory: Inventory): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const g of inventory.groups.keys()) groups[g] = [];
  for (const h of inventory.hosts.values()) for (const g of h.groups) groups[g]?.push(h.name);
  return groups;
}

/**
 * `hostvars`: each host's inventory variables (rendered with that host's own
 * inventory-level variables), built only when a template reads that host: with
 * 10,000 hosts, building all of them for every host would be quadratic.
 */
function lazyHostvars(inventory: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const shared = { groups: groupMembers(inventory), hostvars: out };
  for (const h of inventory.hosts.values()) {
    let built: Record<string, unknown> | undefined;
    Object.defineProperty(out, h.name, {
      enumerable: true,
      get: () => {
        if (!built) {
          built = builtinVars(h, shared, undefined);
          defineInventoryVars(built, h, (e) => {
            throw e;
          });
        }
        return built;
      },
    });
  }
  return out;
}

function selectedByTags(task: CompiledTask, options: CompileOptions): boolean {
  if (options.skipTags?.some((t) => task.tags.includes(t))) return false;
  if (!options.tags?.length) return true;
  return task.tags.includes('always') || options.tags.some((t) => task.tags.includes(t));
}

function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function defaultName(type: string, args: unknown): string {
  if (args && typeof args === 'object') {
    const a = args as Record<string, unknown>;
    const subject = a.name ?? a.dest ?? a.path ?? a.packages ?? a.command ?? a.domains;
    if (subject !== undefined) return `${type} ${Array.isArray(subject) ? subject.join(', ') : String(subject)}`;
  }
  return type;
}

/** The known name within edit distance 2, for "did you mean". */
function closest(word: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const n of names) {
    const d = editDistance(word, n);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
