import * as z from 'zod';
import { join } from 'node:path';
import { moduleHint, unsupportedKeyword } from './ansible-compat.js';
import { ConfigError, type SourceLocation } from './errors.js';
import { expressionNames } from './expr/index.js';
import { BLOCK_KEYS, blockKeys, COMMON_TASK_KEYS, commonTaskKeys } from './playbook.js';
import { schemaErrors } from './schema-errors.js';
import type { LocalNames, TaskType } from './task-type.js';
import { findLocalFile, readLocalFile } from './local-files.js';
import { templateNames, valueNames } from './template.js';
import { formatPath, type FieldPath, type YamlSource } from './yaml-source.js';
import { getTaskType, taskTypeNames } from '../tasks/index.js';
import { isReuseTask, parseReuse } from './includes/expand.js';
import type { IncludeLoop, Origin, RoleUse } from './includes/origin.js';

/**
 * A play's tasks as parsed from YAML, once for all hosts: which task type,
 * which Ansible keywords, what each block passes down to its tasks. Nothing
 * here depends on a host's variables; binding to a host is src/task-bind.ts.
 */
export type TaskCondition = string | boolean;

export interface ParsedTask {
  kind: 'task';
  path: FieldPath;
  where: SourceLocation;
  type: TaskType;
  typeName: string;
  args: unknown;
  name?: string;
  /** `when:` of the enclosing blocks, then the task's own: all must hold. */
  when: TaskCondition[];
  loop?: { value: unknown; withItems: boolean };
  loopVar: string;
  indexVar?: string;
  label?: string;
  register?: string;
  changedWhen?: TaskCondition[];
  failedWhen?: TaskCondition[];
  ignoreErrors: boolean;
  checkMode?: boolean;
  noLog: boolean;
  become?: boolean;
  notify: string[];
  listen: string[];
  tags: string[];
  /** Variables of the enclosing blocks (outermost first), then the task's own. */
  vars: Record<string, unknown>[];
  /** Where in `vars` role and include params begin (registered results go below them at run time); unset: none. */
  paramsFrom?: number;
  /** In a block with a `rescue:`: a failure here is handled by it. */
  rescued: boolean;
  /** Every variable name the task's templates and conditions read (for: does it depend on run-time values?). */
  reads: Set<string>;
  /** The file the task was written in (a role's or an included file, or the playbook). */
  source: YamlSource;
  /** The role the task belongs to: its defaults sit below the inventory for this task (see compile.ts). */
  role?: RoleUse;
  /** Directories searched first for a template's or file's `src` (a role's own). */
  searchDirs: string[];
  /** How its file was reached (roles, imports), innermost first; empty in the playbook itself. */
  chain: string[];
  /** Added by provision, not written by the user (the handler flush after pre_tasks): not listed. */
  implicit?: boolean;
}

export interface ParsedBlock {
  kind: 'block';
  path: FieldPath;
  where: SourceLocation;
  name?: string;
  block: ParsedNode[];
  rescue: ParsedNode[];
  always: ParsedNode[];
  /** An include_tasks/include_role: what --list-tasks shows for it (Ansible lists the include, not its tasks). */
  listedAs?: string;
  /** Its own tags: it runs only if selected by them; its tasks do not inherit them (Ansible's dynamic includes). */
  gateTags?: string[];
  /** An include with `loop:`: its tasks are bound once per item, per host (compile.ts). */
  loop?: IncludeLoop;
}

export type ParsedNode = ParsedTask | ParsedBlock;

/** What a block (or an import, or a role) passes down to the tasks inside it. */
export interface Inherited {
  when: TaskCondition[];
  become?: boolean;
  tags: string[];
  /** Block, import and include `vars:` (outermost first). */
  vars: Record<string, unknown>[];
  ignoreErrors?: boolean;
  noLog?: boolean;
  rescued: boolean;
  /** Where the tasks come from: role, files, chain of imports (unset: the playbook itself). */
  origin?: Origin;
}

export const TOP: Inherited = { when: [], tags: [], vars: [], rescued: false };

const taskCommonSchema = z.strictObject(commonTaskKeys);
const blockSchema = z.strictObject(blockKeys);

/** Control keys provision reads itself; everything else in a task mapping is its one task type. */
export function parseTasks(list: Record<string, unknown>[], path: FieldPath, source: YamlSource, report: (e: ConfigError) => void, handlers = false, inherited: Inherited = TOP): ParsedNode[] {
  const out: ParsedNode[] = [];
  list.forEach((raw, i) => {
    const p = [...path, i];
    if (isReuseTask(raw)) {
      out.push(...parseReuse(raw, p, source, report, handlers, inherited));
      return;
    }
    const node = 'block' in raw ? parseBlock(raw, p, source, report, inherited) : parseTask(raw, p, source, report, handlers, inherited);
    if (node) out.push(node);
  });
  return out;
}

function parseBlock(raw: Record<string, unknown>, path: FieldPath, source: YamlSource, report: (e: ConfigError) => void, inherited: Inherited): ParsedBlock | null {
  const where = source.locate(path);
  for (const key of Object.keys(raw)) {
    if (BLOCK_KEYS.includes(key)) continue;
    const why = unsupportedKeyword('block', key);
    report(new ConfigError(why ?? `"${key}" is not a key of a block (block keys: ${BLOCK_KEYS.join(', ')})`, source.locate(path, key), displayField([...path, key])));
    return null;
  }
  const parsed = blockSchema.safeParse(raw);
  if (!parsed.success) {
    schemaErrors(parsed.error, source, path, displayPath(path)).forEach(report);
    return null;
  }
  const b = parsed.data;
  const inner: Inherited = {
    when: [...inherited.when, ...asConditions(b.when)],
    become: b.become ?? inherited.become,
    tags: [...inherited.tags, ...asList(b.tags)],
    vars: b.vars ? [...inherited.vars, b.vars] : inherited.vars,
    ignoreErrors: b.ignore_errors ?? inherited.ignoreErrors,
    noLog: b.no_log ?? inherited.noLog,
    rescued: inherited.rescued,
    origin: inherited.origin,
  };
  const rescue = b.rescue ?? [];
  return {
    kind: 'block',
    path,
    where,
    name: b.name,
    block: parseTasks(b.block, [...path, 'block'], source, report, false, { ...inner, rescued: inner.rescued || rescue.length > 0 }),
    rescue: parseTasks(rescue, [...path, 'rescue'], source, report, false, inner),
    always: parseTasks(b.always ?? [], [...path, 'always'], source, report, false, inner),
  };
}

function parseTask(raw: Record<string, unknown>, path: FieldPath, source: YamlSource, report: (e: ConfigError) => void, handler: boolean, inherited: Inherited): ParsedTask | null {
  const where = source.locate(path);
  const typeKeys: string[] = [];
  for (const key of Object.keys(raw)) {
    if (COMMON_TASK_KEYS.includes(key)) continue;
    if (getTaskType(key)) {
      typeKeys.push(key);
      continue;
    }
    const keyword = unsupportedKeyword('task', key);
    if (keyword) {
      report(new ConfigError(keyword, source.locate(path, key), displayField([...path, key])));
      return null;
    }
    typeKeys.push(key);
  }
  if (typeKeys.length !== 1) {
    const problem = typeKeys.length === 0 ? 'a task needs one task type' : `a task has exactly one task type, found ${typeKeys.map((k) => `"${k}"`).join(', ')}`;
    report(new ConfigError(`${problem} (one of: ${taskTypeNames().join(', ')})`, where, displayField(path)));
    return null;
  }
  const typeName = typeKeys[0];
  const type = getTaskType(typeName);
  if (!type) {
    const hint = moduleHint(typeName);
    const suggestion = closest(typeName, taskTypeNames());
    const message = hint ?? `unknown task type "${typeName}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; task types: ${taskTypeNames().join(', ')}`;
    report(new ConfigError(message, source.locate(path, typeName), displayField(path)));
    return null;
  }
  const common = taskCommonSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([k]) => COMMON_TASK_KEYS.includes(k))));
  if (!common.success) {
    schemaErrors(common.error, source, path, displayPath(path)).forEach(report);
    return null;
  }
  const c = common.data;
  if (c.loop !== undefined && c.with_items !== undefined) {
    report(new ConfigError('give either loop or with_items, not both', source.locate([...path, 'with_items']), displayField([...path, 'with_items'])));
    return null;
  }
  if (c.listen !== undefined && !handler) {
    report(new ConfigError('listen: is for handlers (a task names them with notify:)', source.locate([...path, 'listen']), displayField([...path, 'listen'])));
    return null;
  }
  const loopValue = c.loop ?? c.with_items;
  const when = [...inherited.when, ...asConditions(c.when)];
  const changedWhen = c.changed_when === undefined ? undefined : asConditions(c.changed_when);
  const failedWhen = c.failed_when === undefined ? undefined : asConditions(c.failed_when);
  const role = inherited.origin?.role;
  // Ansible's order: role vars < block and task vars < role params < include params (-e is added above all later).
  const vars = [...(role?.vars ?? []), ...inherited.vars, ...(c.vars ? [c.vars] : []), ...(role?.params ?? []), ...(inherited.origin?.includeParams ?? [])];
  const reads = new Set<string>([
    ...valueNames(raw[typeName]),
    ...(type.reads?.(raw[typeName], localNames(source, inherited.origin)) ?? []),
    ...valueNames(c.name),
    ...valueNames(loopValue),
    ...valueNames(c.loop_control?.label),
    ...when.flatMap(conditionNames),
    // The judge's conditions too (a name they read may be known only at run time), but not the task's own result.
    ...[...(changedWhen ?? []), ...(failedWhen ?? [])].flatMap(conditionNames).filter((n) => n !== c.register),
    ...vars.flatMap((v) => valueNames(v)),
  ]);
  return {
    kind: 'task',
    path,
    where,
    type,
    typeName,
    args: raw[typeName] ?? {},
    // Ansible shows a role's task as "ROLE : name" (an unnamed one by its type alone).
    name: c.name !== undefined && role ? `${role.instance.name} : ${c.name}` : c.name,
    when,
    ...(loopValue !== undefined ? { loop: { value: loopValue, withItems: c.with_items !== undefined } } : {}),
    loopVar: c.loop_control?.loop_var ?? 'item',
    indexVar: c.loop_control?.index_var,
    label: c.loop_control?.label,
    register: c.register,
    changedWhen,
    failedWhen,
    ignoreErrors: c.ignore_errors ?? inherited.ignoreErrors ?? false,
    checkMode: c.check_mode,
    noLog: c.no_log ?? inherited.noLog ?? false,
    become: c.become ?? inherited.become,
    notify: asList(c.notify),
    // A role's handler is shown as "ROLE : name" and answers to its bare name too, as in Ansible.
    listen: [...asList(c.listen), ...(handler && role && c.name !== undefined ? [c.name] : [])],
    tags: [...new Set([...inherited.tags, ...asList(c.tags)])],
    vars,
    paramsFrom: vars.length - (role?.params.length ?? 0) - (inherited.origin?.includeParams?.length ?? 0),
    rescued: inherited.rescued,
    reads,
    source,
    ...(role ? { role } : {}),
    searchDirs: inherited.origin?.searchDirs ?? [],
    chain: inherited.origin?.chain ?? [],
  };
}

/**
 * A template file's names count as the task's reads: a template that uses a
 * host fact or a registered result is rendered at run time, when they exist.
 */
function localNames(source: YamlSource, origin: Origin | undefined): LocalNames {
  // Looked up as the task will be: the role's own directories first, then beside the playbook.
  const besidePlaybook = origin ? join(origin.play.playbookDir, 'playbook') : source.file;
  return {
    template(src) {
      if (src.includes('{{')) return [];
      try {
        return templateNames(readLocalFile(findLocalFile(src, besidePlaybook, 'template', origin?.searchDirs ?? [])));
      } catch {
        return [];
      }
    },
  };
}

/** The names a condition reads; a syntax error is reported when it is evaluated. */
function conditionNames(c: TaskCondition): string[] {
  try {
    return expressionNames(c);
  } catch {
    return [];
  }
}

/** Every task of a tree, in order (blocks, then rescue, then always). */
export function allTasks(nodes: ParsedNode[]): ParsedTask[] {
  return nodes.flatMap((n) => (n.kind === 'task' ? [n] : [...allTasks(n.block), ...allTasks(n.rescue), ...allTasks(n.always)]));
}

export function asConditions(v: TaskCondition | TaskCondition[] | undefined): TaskCondition[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Field paths are shown relative to their play (`tasks[2].apt.packages`); the line number tells plays apart. */
export function displayPath(path: FieldPath): FieldPath {
  return typeof path[0] === 'number' ? path.slice(1) : path;
}

export function displayField(path: FieldPath): string {
  return formatPath(displayPath(path));
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
