import { join } from 'node:path';
import { unsupportedKeyword } from '../ansible-compat.js';
import { ConfigError, type SourceLocation } from '../errors.js';
import { asConditions, asList, type TaskCondition } from '../task-tree.js';
import { ANSIBLE_YAML, YamlSource, type FieldPath } from '../yaml-source.js';
import { parseArgumentSpecs, type OptionSpec } from './argument-specs.js';
import { findRole, roleCandidates, roleFile } from './lookup.js';
import { displayName, loadVarsFile, noteVarsOrigin } from './vars-file.js';

/**
 * A role as a play uses it: one entry of `roles:` (or a dependency in
 * meta/main, or an import_role/include_role) with its files read: defaults,
 * vars, meta (dependencies, allow_duplicates, argument specs), and where its
 * task and handler files are. Nothing here depends on a host.
 */
export interface RoleEntry {
  name: string;
  /** The entry's `vars:`: role vars (above play vars, below task vars). */
  vars: Record<string, unknown>;
  /** The entry's other keys: role parameters (above task vars). */
  params: Record<string, unknown>;
  when: TaskCondition[];
  tags: string[];
  become?: boolean;
  ignoreErrors?: boolean;
  noLog?: boolean;
  /** tasks_from, vars_from, defaults_from, handlers_from (base names). */
  from: { tasks?: string; vars?: string; defaults?: string; handlers?: string };
  where: SourceLocation;
}

export interface RoleInstance {
  name: string;
  dir: string;
  entry: RoleEntry;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  deps: { role: RoleInstance; entry: RoleEntry }[];
  allowDuplicates: boolean;
  /** Ansible's identity of a role use (name, params, when, tags, vars, from files): a repeat runs once unless allow_duplicates. */
  key: string;
  tasksFile?: string;
  handlersFile?: string;
  /** The options of the entry point (`main`, or tasks_from), from meta/argument_specs. */
  argumentSpec?: { options: Record<string, OptionSpec>; file: string };
}

/** Keys of a role entry provision carries out as keywords; an Ansible keyword it does not is refused; any other key is a role parameter. */
const ENTRY_KEYWORDS = ['role', 'name', 'vars', 'when', 'tags', 'become', 'ignore_errors', 'no_log'];

/** A `roles:` item or meta dependency: a name, or a mapping with `role:` (or `name:`), keywords and parameters. */
export function parseRoleEntry(raw: unknown, path: FieldPath, source: YamlSource, report: (e: ConfigError) => void): RoleEntry | null {
  const where = source.locate(path);
  const named = typeof raw === 'string' ? raw : raw && typeof raw === 'object' ? ((raw as Record<string, unknown>).role ?? (raw as Record<string, unknown>).name) : undefined;
  if (typeof named === 'string' && /\{\{|\{%/.test(named)) {
    report(new ConfigError("a role's name comes from variables; provision reads roles before the run, for all hosts at once: write the name itself", where));
    return null;
  }
  if (typeof raw === 'string' && raw.trim()) return { name: raw.trim(), vars: {}, params: {}, when: [], tags: [], from: {}, where };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    report(new ConfigError('a role is its name, or a mapping with `role:` and its variables', where));
    return null;
  }
  const r = raw as Record<string, unknown>;
  const name = r.role ?? r.name;
  if (typeof name !== 'string' || !name.trim()) {
    report(new ConfigError('a role entry needs `role:` (or `name:`) with the role\'s name', where));
    return null;
  }
  const params: Record<string, unknown> = {};
  let ok = true;
  for (const [k, v] of Object.entries(r)) {
    if (ENTRY_KEYWORDS.includes(k)) continue;
    const refused = k === 'check_mode' ? '"check_mode" is not supported on a role: put it on the tasks' : unsupportedKeyword('task', k);
    if (refused) {
      report(new ConfigError(refused, source.locate(path, k), k));
      ok = false;
    } else if (!/^[A-Za-z_]\w*$/.test(k)) {
      report(new ConfigError(`"${k}" is not a valid variable name for a role parameter`, source.locate(path, k), k));
      ok = false;
    } else params[k] = v;
  }
  const vars = r.vars ?? {};
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) {
    report(new ConfigError('vars: must be a mapping of variable names to values', source.locate([...path, 'vars']), 'vars'));
    ok = false;
  }
  for (const k of ['become', 'ignore_errors', 'no_log']) {
    if (r[k] !== undefined && typeof r[k] !== 'boolean') {
      report(new ConfigError(`${k}: must be true or false`, source.locate([...path, k]), k));
      ok = false;
    }
  }
  if (!ok) return null;
  noteVarsOrigin(vars as object, source, [...path, 'vars']);
  noteVarsOrigin(params, source, path);
  return {
    name: name.trim(),
    vars: vars as Record<string, unknown>,
    params,
    when: asConditions(r.when as TaskCondition | TaskCondition[] | undefined),
    tags: asList(r.tags),
    become: r.become as boolean | undefined,
    ignoreErrors: r.ignore_errors as boolean | undefined,
    noLog: r.no_log as boolean | undefined,
    from: {},
    where,
  };
}

export interface RoleLoadContext {
  playbookDir: string;
  rolesPath: string[];
  /** Role directories being loaded (dependencies): a repeat is a cycle. */
  stack: string[];
  report: (e: ConfigError) => void;
}

/** Reads a role's files for one entry, its dependencies first; null after reporting. */
export function loadRole(entry: RoleEntry, ctx: RoleLoadContext): RoleInstance | null {
  const dir = findRole(entry.name, ctx.playbookDir, ctx.rolesPath);
  if (!dir) {
    ctx.report(new ConfigError(`role "${entry.name}" not found (looked in: ${roleCandidates(entry.name, ctx.playbookDir, ctx.rolesPath).map(displayName).join(', ')})`, entry.where));
    return null;
  }
  if (ctx.stack.includes(dir)) {
    ctx.report(new ConfigError(`role dependency cycle: ${[...ctx.stack, dir].map(displayName).join(' -> ')}`, entry.where));
    return null;
  }
  const named = (folder: string, from: string | undefined): string | undefined => {
    const file = roleFile(dir, folder, from ?? 'main');
    if (from !== undefined && !file) ctx.report(new ConfigError(`role "${entry.name}" has no ${folder}/${from} (.yml, .yaml)`, entry.where));
    return file;
  };
  try {
    const defaultsFile = named('defaults', entry.from.defaults);
    const varsFile = named('vars', entry.from.vars);
    const metaFile = roleFile(dir, 'meta', 'main');
    const meta = metaFile ? YamlSource.fromFile(metaFile, displayName(metaFile), ANSIBLE_YAML) : undefined;
    const metaData = meta?.data && typeof meta.data === 'object' && !Array.isArray(meta.data) ? (meta.data as Record<string, unknown>) : {};
    const deps: RoleInstance['deps'] = [];
    const depList = metaData.dependencies ?? [];
    if (!Array.isArray(depList)) ctx.report(new ConfigError('dependencies: must be a list of roles', meta!.locate(['dependencies']), 'dependencies'));
    else
      depList.forEach((raw, i) => {
        const depEntry = parseRoleEntry(raw, ['dependencies', i], meta!, ctx.report);
        const dep = depEntry && loadRole(depEntry, { ...ctx, stack: [...ctx.stack, dir] });
        if (dep && depEntry) deps.push({ role: dep, entry: depEntry });
      });
    // A boolean only: YAML 1.1's yes/no are booleans; a string ("yes") is refused rather than guessed at.
    if (metaData.allow_duplicates !== undefined && typeof metaData.allow_duplicates !== 'boolean') ctx.report(new ConfigError('expected true or false (yes/no unquoted)', meta!.locate(['allow_duplicates']), 'allow_duplicates'));
    const allowDuplicates = metaData.allow_duplicates === true;
    const entryPoint = entry.from.tasks ?? 'main';
    const specsFile = roleFile(dir, 'meta', 'argument_specs');
    const specsSource = specsFile ? YamlSource.fromFile(specsFile, displayName(specsFile), ANSIBLE_YAML) : meta;
    const specs = specsSource && (specsFile || metaData.argument_specs) ? parseArgumentSpecs(specsSource, ctx.report) : {};
    const spec = specs[entryPoint];
    return {
      name: entry.name,
      dir,
      entry,
      defaults: defaultsFile ? loadVarsFile(defaultsFile).vars : {},
      vars: varsFile ? loadVarsFile(varsFile).vars : {},
      deps,
      allowDuplicates,
      key: JSON.stringify([dir, entry.params, entry.when, entry.tags, entry.from, entry.vars]),
      tasksFile: named('tasks', entry.from.tasks),
      handlersFile: named('handlers', entry.from.handlers),
      ...(spec ? { argumentSpec: { options: spec, file: displayName(specsFile ?? metaFile!) } } : {}),
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.report(err);
    return null;
  }
}

/** Ansible's get_all_dependencies: every dependency, deepest first, in the order they run. */
export function allDependencies(role: RoleInstance): RoleInstance[] {
  return role.deps.flatMap((d) => [...allDependencies(d.role), d.role]);
}

/** The role's defaults for its own tasks (Role.get_default_vars): dependencies', the dep chain's, its own. */
export function defaultLayers(role: RoleInstance, depChain: RoleInstance[]): Record<string, unknown>[] {
  return [...allDependencies(role).flatMap((d) => defaultLayers(d, [])), ...depChain.map((p) => p.defaults), role.defaults];
}

/** The role's variables (Role.get_vars without params): the dep chain's, dependencies', its entry's vars, its vars/. */
export function varsLayers(role: RoleInstance, depChain: RoleInstance[]): Record<string, unknown>[] {
  return [...depChain.flatMap((p) => [p.entry.vars, p.vars]), ...allDependencies(role).flatMap((d) => varsLayers(d, [])), role.entry.vars, role.vars];
}

/** The role's parameters (Role.get_role_params): the dep chain's, then its own. */
export function paramsLayers(role: RoleInstance, depChain: RoleInstance[]): Record<string, unknown>[] {
  return [...depChain.map((p) => p.entry.params), role.entry.params];
}

export function roleTasksDir(role: RoleInstance): string {
  return join(role.dir, 'tasks');
}
