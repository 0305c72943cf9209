import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { unsupportedKeyword } from '../ansible-compat.js';
import { ConfigError, type SourceLocation } from '../errors.js';
import { decimalModeErrors } from '../mode-literals.js';
import { schemaErrors } from '../schema-errors.js';
import { asConditions, asList, displayField, displayPath, parseTasks, TOP, type Inherited, type ParsedNode, type TaskCondition } from '../task-tree.js';
import { ANSIBLE_YAML, YamlSource, type FieldPath } from '../yaml-source.js';
import { defaultLayers, loadRole, paramsLayers, roleTasksDir, varsLayers, type RoleEntry, type RoleInstance } from '../roles/role.js';
import { displayName, noteVarsOrigin } from '../roles/vars-file.js';
import type { Origin, PlayReuse } from './origin.js';

/**
 * import_tasks, include_tasks, import_role and include_role, expanded into the
 * parsed task tree before the run, so the runner sees ordinary tasks and blocks.
 * Static imports pass their keywords (when, tags, become…) to every task, as in
 * Ansible; dynamic includes keep theirs to themselves (only `apply:` passes
 * keywords on), list as one task, and run only if their own tags are selected.
 */
const KINDS = ['import_tasks', 'include_tasks', 'import_role', 'include_role'] as const;
type ReuseKind = (typeof KINDS)[number];

/** The reuse module a task names (short or ansible.builtin./ansible.legacy.), if any. */
function reuseKind(raw: Record<string, unknown>): { kind: ReuseKind; key: string } | undefined {
  for (const key of Object.keys(raw)) {
    const short = key.replace(/^ansible\.(builtin|legacy)\./, '');
    if ((KINDS as readonly string[]).includes(short)) return { kind: short as ReuseKind, key };
  }
  return undefined;
}

export function isReuseTask(raw: Record<string, unknown>): boolean {
  return !('block' in raw) && reuseKind(raw) !== undefined;
}

const conditions = z.union([z.union([z.string(), z.boolean()]), z.array(z.union([z.string(), z.boolean()]))]);
const stringList = z.union([z.string(), z.array(z.string())]);
const keywords = z.strictObject({
  name: z.string().optional(),
  when: conditions.optional(),
  tags: stringList.optional(),
  become: z.boolean().optional(),
  vars: z.record(z.string(), z.unknown()).optional(),
  ignore_errors: z.boolean().optional(),
  no_log: z.boolean().optional(),
  loop: z.unknown().optional(),
  with_items: z.unknown().optional(),
  loop_control: z.strictObject({ loop_var: z.string().regex(/^[A-Za-z_]\w*$/).optional(), index_var: z.string().regex(/^[A-Za-z_]\w*$/).optional(), label: z.string().optional() }).optional(),
});
const applySchema = z.strictObject({ when: conditions.optional(), tags: stringList.optional(), become: z.boolean().optional(), ignore_errors: z.boolean().optional(), no_log: z.boolean().optional(), vars: z.record(z.string(), z.unknown()).optional() });
const tasksArgs = z.union([z.string().min(1), z.strictObject({ file: z.string().min(1), apply: applySchema.optional() })]);
const roleArgs = z.strictObject({
  name: z.string().min(1).optional(),
  role: z.string().min(1).optional(),
  tasks_from: z.string().min(1).optional(),
  vars_from: z.string().min(1).optional(),
  defaults_from: z.string().min(1).optional(),
  handlers_from: z.string().min(1).optional(),
  allow_duplicates: z.boolean().optional(),
  public: z.boolean().optional(),
  apply: applySchema.optional(),
  rolespec_validate: z.boolean().optional(),
});

type Report = (e: ConfigError) => void;

/** One import and include task as the nodes it stands for (none after reporting a problem). */
export function parseReuse(raw: Record<string, unknown>, path: FieldPath, source: YamlSource, report: Report, handler: boolean, inherited: Inherited): ParsedNode[] {
  const { kind, key } = reuseKind(raw)!;
  const at = (p: FieldPath, k?: string): SourceLocation => source.locate(p, k);
  const dynamic = kind.startsWith('include_');
  const fail = (message: string, p: FieldPath, k?: string): ParsedNode[] => {
    report(new ConfigError(message, at(p, k), displayField(k ? [...p, k] : p)));
    return [];
  };
  if (handler) return fail(`${kind} in handlers is not supported: write the handlers in the role's or play's handlers`, path, key);
  const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key));
  for (const k of Object.keys(rest)) {
    if (k in keywords.shape) continue;
    const refused = unsupportedKeyword('task', k);
    return fail(refused ?? `"${k}" is not supported on ${kind} (it takes: ${Object.keys(keywords.shape).join(', ')})`, path, k);
  }
  const parsed = keywords.safeParse(rest);
  if (!parsed.success) {
    schemaErrors(parsed.error, source, path, displayPath(path)).forEach(report);
    return [];
  }
  const k = parsed.data;
  const loopValue = k.loop ?? k.with_items;
  if (loopValue !== undefined && !dynamic) return fail(`${kind} cannot loop (as in Ansible): use ${kind.replace('import_', 'include_')}`, path, k.loop !== undefined ? 'loop' : 'with_items');
  const argsSchema = kind.endsWith('_tasks') ? tasksArgs : roleArgs;
  const args = argsSchema.safeParse(raw[key]);
  if (!args.success) {
    schemaErrors(args.error, source, [...path, key], displayPath([...path, key])).forEach(report);
    return [];
  }
  const a = args.data as z.infer<typeof tasksArgs> | z.infer<typeof roleArgs>;
  const apply = typeof a === 'object' && 'apply' in a ? a.apply : undefined;
  if (apply && !dynamic) return fail(`apply: is for include_tasks and include_role; ${kind}'s own keywords already apply to every task`, [...path, key], 'apply');
  if (typeof a === 'object' && 'public' in a && a.public !== undefined && kind !== 'include_role') return fail('public: is for include_role (an imported role is always public)', [...path, key], 'public');
  const origin = inherited.origin ?? defaultOrigin(source);
  const where = at(path);
  const label = `${dynamic ? 'included' : 'imported'} by ${describe(where)}`;
  if (k.vars) noteVarsOrigin(k.vars, source, [...path, 'vars']);
  // An include's vars are Ansible's "include params" (above role params); an import's are like a block's.
  const includeParams = k.vars && dynamic ? [...origin.includeParams, k.vars] : origin.includeParams;
  const own = { when: asConditions(k.when), tags: asList(k.tags) };
  // Static: the import's keywords reach every task. Dynamic: only `apply:`'s do (and when/vars, see README).
  const inner: Inherited = dynamic
    ? {
        when: [...inherited.when, ...own.when, ...asConditions(apply?.when)],
        tags: [...inherited.tags, ...asList(apply?.tags)],
        become: apply?.become ?? inherited.become,
        vars: apply?.vars ? [...inherited.vars, apply.vars] : inherited.vars,
        ignoreErrors: apply?.ignore_errors ?? inherited.ignoreErrors,
        noLog: apply?.no_log ?? inherited.noLog,
        rescued: inherited.rescued,
      }
    : {
        when: [...inherited.when, ...own.when],
        tags: [...inherited.tags, ...own.tags],
        become: k.become ?? inherited.become,
        vars: k.vars ? [...inherited.vars, k.vars] : inherited.vars,
        ignoreErrors: k.ignore_errors ?? inherited.ignoreErrors,
        noLog: k.no_log ?? inherited.noLog,
        rescued: inherited.rescued,
      };
  let nodes: ParsedNode[];
  if (typeof a === 'string' || 'file' in a) {
    const fileName = typeof a === 'string' ? a : a.file;
    const file = resolveTaskFile(fileName, source, origin);
    if (file instanceof ConfigError) return fail(file.problem, [...path, key]);
    if (origin.stack.includes(file)) return fail(`include cycle: ${[...origin.stack, file].map(displayName).join(' -> ')}`, [...path, key]);
    const taskOrigin: Origin = { ...origin, includeParams, stack: [...origin.stack, file], chain: [label, ...origin.chain] };
    nodes = parseTaskFile(file, { ...inner, origin: taskOrigin }, report);
  } else {
    const name = a.name ?? a.role;
    if (!name) return fail(`${kind} needs name: (the role)`, [...path, key]);
    if (/\{\{|\{%/.test(name) || Object.values(a).some((v) => typeof v === 'string' && /\{\{|\{%/.test(v))) return fail(templatedName(kind), [...path, key]);
    const entry: RoleEntry = {
      name,
      // Ansible gives the task's vars to the role (role vars) and to its tasks (include params).
      vars: k.vars ?? {},
      params: {},
      when: [],
      tags: [],
      from: { tasks: a.tasks_from, vars: a.vars_from, defaults: a.defaults_from, handlers: a.handlers_from },
      where,
    };
    const role = loadRole(entry, { playbookDir: origin.play.playbookDir, rolesPath: origin.play.rolesPath, stack: [], report });
    if (!role) return [];
    if (origin.stack.includes(role.dir)) return fail(`role cycle: role "${name}" imports itself (${[...origin.stack, role.dir].map(displayName).join(' -> ')})`, [...path, key]);
    // import_role/include_role run the role even if it ran before (allow_duplicates defaults to true on them).
    if (a.allow_duplicates === false && origin.play.ran.has(role.key)) return [];
    origin.play.ran.add(role.key);
    const parent = origin.role;
    const depChain = parent ? [...parent.depChain, parent.instance] : [];
    nodes = expandRole(role, { ...inner, origin: { ...origin, includeParams } }, depChain, `${label}, role ${name}`, kind === 'import_role' || a.public === true, report);
  }
  if (!dynamic) return nodes;
  const loop = loopValue === undefined ? undefined : { value: loopValue, withItems: k.with_items !== undefined, loopVar: k.loop_control?.loop_var ?? 'item', indexVar: k.loop_control?.index_var, source, path: [...path, k.loop !== undefined ? 'loop' : 'with_items'], where };
  return [
    {
      kind: 'block',
      path,
      where,
      name: k.name,
      block: nodes,
      rescue: [],
      always: [],
      listedAs: k.name ?? kind,
      gateTags: [...new Set([...inherited.tags, ...own.tags])],
      ...(loop ? { loop } : {}),
    },
  ];
}

/**
 * A role's tasks for one use: its dependencies first (each once per play unless
 * allow_duplicates), then its own tasks; its handlers join the play's.
 * `exported`: its defaults and vars are seen by every task of the play (roles:, import_role).
 */
export function expandRole(role: RoleInstance, inherited: Inherited, depChain: RoleInstance[], label: string, exported: boolean, report: Report): ParsedNode[] {
  const origin = inherited.origin!;
  const play = origin.play;
  const out: ParsedNode[] = [];
  const withSelf = { ...inherited, origin: { ...origin, stack: [...origin.stack, role.dir] } };
  for (const d of role.deps) {
    if (!d.role.allowDuplicates && play.ran.has(d.role.key)) continue;
    play.ran.add(d.role.key);
    out.push(...expandRole(d.role, withEntry(withSelf, d.entry), [...depChain, role], `dependency of role ${role.name} (${describe(d.entry.where)})`, false, report));
  }
  const use = { instance: role, depChain, vars: varsLayers(role, depChain), params: paramsLayers(role, depChain), defaults: defaultLayers(role, depChain) };
  // What the whole play sees is the role's own get_vars/get_default_vars, without the chain it was imported through.
  if (exported) play.exported.push(depChain.length ? { ...use, vars: varsLayers(role, []), defaults: defaultLayers(role, []) } : use);
  if (role.argumentSpec) play.argumentChecks.push({ use, when: inherited.when });
  const roleOrigin: Origin = { ...origin, role: use, searchDirs: [role.dir], stack: [...origin.stack, role.dir], chain: [label, ...origin.chain] };
  if (role.tasksFile) out.push(...parseTaskFile(role.tasksFile, { ...inherited, origin: roleOrigin }, report));
  if (role.handlersFile) play.handlers.push(...parseTaskFile(role.handlersFile, { ...TOP, origin: roleOrigin }, report, true));
  return out;
}

/** What a role entry (`roles:` item or dependency) passes to the role's tasks. */
export function withEntry(inherited: Inherited, entry: RoleEntry): Inherited {
  return {
    ...inherited,
    when: [...inherited.when, ...entry.when],
    tags: [...inherited.tags, ...entry.tags],
    become: entry.become ?? inherited.become,
    ignoreErrors: entry.ignoreErrors ?? inherited.ignoreErrors,
    noLog: entry.noLog ?? inherited.noLog,
  };
}

const CHAINED = new WeakSet<ConfigError>();

/** The error with how its file was reached: "(imported by playbooks/site.yaml:8:7, role nginx)". */
export function withChain(e: ConfigError, chain: string[]): ConfigError {
  const out = new ConfigError(`${e.problem} (${chain.join('; ')})`, e.where, e.field);
  CHAINED.add(out);
  return out;
}

/** A file of tasks (a role's tasks/main, an imported file), parsed with its origin; problems name the chain that reached it. */
function parseTaskFile(file: string, inherited: Inherited, report: Report, handlers = false): ParsedNode[] {
  const chain = inherited.origin!.chain;
  // The innermost file's report names the whole chain; the files around it pass that on unchanged.
  const chained: Report = (e) => report(!chain.length || CHAINED.has(e) ? e : withChain(e, chain));
  let source: YamlSource;
  try {
    source = YamlSource.fromFile(file, displayName(file), ANSIBLE_YAML);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    chained(err);
    return [];
  }
  const data = source.data ?? [];
  if (!Array.isArray(data) || data.some((t) => !t || typeof t !== 'object' || Array.isArray(t))) {
    chained(new ConfigError('a tasks file is a list of tasks', source.locate([])));
    return [];
  }
  decimalModeErrors(source, data).forEach(chained);
  return parseTasks(data as Record<string, unknown>[], [], source, chained, handlers, inherited);
}

/**
 * An import's file: relative to the importing file's directory, then (in a
 * role) the role's tasks/, then the playbook's directory, as Ansible searches.
 */
function resolveTaskFile(name: string, source: YamlSource, origin: Origin): string | ConfigError {
  if (/\{\{|\{%/.test(name)) return new ConfigError(templatedName('the file'));
  const dirs = [dirname(resolve(source.file)), ...(origin.role ? [roleTasksDir(origin.role.instance)] : []), origin.play.playbookDir];
  const candidates = [...new Set(dirs.map((d) => resolve(d, name)))];
  const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  return found ?? new ConfigError(`tasks file "${name}" not found (looked in: ${candidates.map(displayName).join(', ')})`);
}

function templatedName(what: string): string {
  return `${what}'s name comes from variables; provision expands imports and includes before the run, for all hosts at once: write the name itself (use when: to choose between includes)`;
}

function describe(where: SourceLocation): string {
  return `${where.file}${where.line ? `:${where.line}` : ''}${where.line && where.column ? `:${where.column}` : ''}`;
}

/** A tree parsed without a play (completion, unit tests): its roles are looked up beside the file. */
export function defaultOrigin(source: YamlSource, rolesPath: string[] = []): Origin {
  const play: PlayReuse = { playbookDir: dirname(resolve(source.file)), rolesPath, exported: [], handlers: [], ran: new Set(), argumentChecks: [] };
  return { includeParams: [], searchDirs: [], stack: [resolve(source.file)], chain: [], play };
}

export type { TaskCondition };
