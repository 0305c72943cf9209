import { becomeFor, connectionTarget, type ConnectionTarget } from './connection-vars.js';
import type { Endpoint } from './ssh/endpoint.js';
import { ConfigError, ConfigErrors, type SourceLocation } from './errors.js';
import { HOST_FACT_NAMES } from './host-facts.js';
import type { Inventory, InventoryHost } from './inventory.js';
import { hostPatternProblem, matchHosts, matchLimit } from './host-patterns.js';
import type { LoadedPlaybook, RawPlay } from './playbook.js';
import { playTree, type PlayTree } from './includes/play-tree.js';
import { checkRoleArguments, includeLoop } from './includes/bind.js';
import { withChain } from './includes/expand.js';
import type { RoleUse } from './includes/origin.js';
import { TaskSharing } from './task-share.js';
import { FAILED, OMIT, renderArgs, type CompiledTask, type ExpandContext } from './task-expand.js';
import { allTasks, displayField, displayPath, type ParsedBlock, type ParsedNode, type ParsedTask } from './task-tree.js';
import { verifyCheckErrors } from './secret-arguments.js';
// From playbook.ts, not verify.ts: a run needs the schema, not node:http/https/tls, which verify.ts loads for `provision test`.
import { verifySchema, type VerifyCheck } from './playbook.js';
import { lateNames } from './vars/late.js';
import { bindLevels, type VarLevel } from './vars/levels.js';
import { extraLevel, inventoryLevel, yamlLevel } from './vars/sources.js';
import type { FieldPath, YamlSource } from './yaml-source.js';

export type { CompiledTask } from './task-expand.js';

export interface CompileOptions {
  extraVars?: Record<string, unknown>;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  /** -b: the default of the plays' `become:` keyword (Ansible's command-line default; any keyword or ansible_become wins). */
  become?: boolean;
  /** Render and check `verify:` too (provision test). Ordinary runs skip it: it may use test-only variables. */
  verify?: boolean;
  /** Where roles are looked up after the playbook's roles/ and its parent's (ansible.cfg's roles_path, from the caller). */
  rolesPath?: string[];
}

/**
 * A task bound to one host. `iterations` is set when nothing in the task reads
 * a run-time value (a registered result, a host fact): its executions are then
 * rendered and checked before any host is touched. Otherwise the runner expands
 * it (src/task-expand.ts) just before it runs, with the same checks.
 */
export interface TaskNode {
  kind: 'task';
  task: ParsedTask;
  /** The host's variables in this play (before the task's own vars), as known before the run. */
  vars: Record<string, unknown>;
  /** The levels `vars` was bound from: the run binds them again over the host's facts and registered results (PlayRun.scopeFor). */
  levels: HostLevels;
  iterations?: CompiledTask[];
}

/**
 * A host's variables in a play as levels, lowest first, around the place where
 * host facts go at run time (above the inventory, below play vars, as in Ansible).
 */
export interface HostLevels {
  /** Built-in variables (inventory_hostname, groups, hostvars...). */
  base: Record<string, unknown>;
  /** Play defaults, role defaults, the inventory's variables. */
  belowFacts: VarLevel[];
  /** Play vars, vars_files, role vars. */
  aboveFacts: VarLevel[];
  /** -e: above everything. */
  extra: VarLevel;
}

export interface BlockNode {
  kind: 'block';
  block: ParsedBlock;
  tasks: Node[];
  rescue: Node[];
  always: Node[];
}

export type Node = TaskNode | BlockNode;

export interface HostPlay {
  name: string;
  nodes: Node[];
  /** Handlers in definition order: they run in this order, not notification order. */
  handlers: TaskNode[];
  verify: VerifyCheck[];
  /** Read the host facts before the first task (gather_facts, or a task reads one). */
  gatherFacts: boolean;
  /** What expanding a task at run time needs (errors are then the task's failure). */
  context: Omit<ExpandContext, 'report'>;
}

export interface HostRun {
  host: InventoryHost;
  /** How to reach the host, from its connection variables (inventory, play vars, -e): one connection for the whole run. */
  target: ConnectionTarget;
  /** The target as ssh_config resolves it, when resolved before the run (see resolveEndpoints). */
  endpoint?: Endpoint;
  plays: HostPlay[];
}

/** Every execution of a play known before the run, in order (handlers and run-time tasks left out). */
export function staticTasks(play: HostPlay): CompiledTask[] {
  const walk = (nodes: Node[]): CompiledTask[] => nodes.flatMap((n) => (n.kind === 'task' ? (n.iterations ?? []) : [...walk(n.tasks), ...walk(n.rescue), ...walk(n.always)]));
  return walk(play.nodes);
}

/** How many task executions a play has: the static ones, and one per task rendered at run time. */
export function executionCount(play: HostPlay): number {
  const walk = (nodes: Node[]): number => nodes.reduce((n, x) => n + (x.kind === 'task' ? (x.iterations?.length ?? 1) : walk(x.tasks) + walk(x.rescue) + walk(x.always)), 0);
  return walk(play.nodes);
}

/**
 * Turns playbook + inventory + variables into per-host task trees, or throws
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
  // The task trees are parsed once per play, for all hosts, with roles and imports expanded.
  const parsedPlays = playbook.plays.map((play, playIndex) => playTree(play, playbook.origins[playIndex], options.rolesPath ?? [], report));
  // Names only the run can fill: registered results (they outlive their play, as in Ansible) and host facts.
  const runtime = new Set<string>([...HOST_FACT_NAMES]);
  // set_fact's names too: set at the level of registered results, across plays.
  for (const p of parsedPlays) for (const t of [...allTasks(p.tasks), ...allTasks(p.handlers)]) for (const name of [...(t.register ? [t.register] : []), ...(t.type.defines?.(t.args) ?? [])]) runtime.add(name);
  const extra = extraLevel(options.extraVars ?? {});
  // A task whose inputs are the same on many hosts is expanded once for them (src/task-share.ts).
  const sharing = new TaskSharing(new Map<object, string>([[shared.groups, 'groups'], [shared.hostvars, 'hostvars']]));

  playbook.plays.forEach((play, playIndex) => {
    const { source, base } = playbook.origins[playIndex];
    const problem = hostPatternProblem(inventory, play.hosts);
    if (problem) {
      report(new ConfigError(problem, source.locate([...base, 'hosts']), displayField([...base, 'hosts'])));
      return;
    }
    const parsed = parsedPlays[playIndex];
    const handlerTasks = parsed.handlers.filter((h): h is ParsedTask => h.kind === 'task');
    checkNotify(parsed.tasks, handlerTasks, report);
    const selected = selectByTags(parsed.tasks, options);
    const playTasks = [...allTasks(parsed.tasks), ...handlerTasks];
    const usesFacts = playTasks.some((t) => HOST_FACT_NAMES.some((n) => t.reads.has(n)));
    const hosts = matchHosts(inventory, play.hosts).filter((h) => !limited || limited.has(h));
    const levels = playLevels(play, parsed, source, base);
    for (const hostName of hosts) {
      const host = inventory.hosts.get(hostName)!;
      const hv = hostVars(shared, host, levels, playbook, extra, runtime, report);
      if (!hv) continue;
      const { vars } = hv;
      const target = targetFor(hostName, vars, inventory, runs.get(hostName), source.locate([...base, 'hosts']), report);
      if (!target) continue;
      // A role's task sees its own role's defaults above the other roles' (Ansible's order): one set of variables per role use.
      const roleVars = new Map<RoleUse, HostVars | null>();
      const varsFor = (role: RoleUse | undefined): HostVars | null => {
        if (!role) return hv;
        if (!roleVars.has(role)) roleVars.set(role, hostVars(shared, host, { ...levels, low: [...levels.low, ...role.defaults.map((v) => yamlLevel(v, source, [...base, 'roles']))] }, playbook, extra, runtime, report));
        return roleVars.get(role)!;
      };
      let readsLateFact = false;
      // An imported playbook's templates and files are found beside it, as in Ansible.
      const context = { source, playbookFile: source.file, playBecome: play.become ?? options.become, extraVars: options.extraVars ?? {} };
      const ctx: ExpandContext = { ...context, isLate: hv.isLate, report };
      const bind = (nodes: ParsedNode[]): Node[] =>
        nodes.map((n): Node => {
          if (n.kind === 'block') {
            if (n.loop) return { kind: 'block', block: n, tasks: includeLoop(n, vars, { has: hv.isLate }, ctx).map((item) => ({ kind: 'block', block: n, tasks: bind(item), rescue: [], always: [] })), rescue: [], always: [] };
            return { kind: 'block', block: n, tasks: bind(n.block), rescue: bind(n.rescue), always: bind(n.always) };
          }
          const own = varsFor(n.role) ?? hv;
          const taskVars = own.vars;
          const node: TaskNode = { kind: 'task', task: n, vars: taskVars, levels: own.levels };
          const late = [...n.reads].filter(own.isLate);
          // A variable defined from a host fact: the facts must be read for it (gather_facts "as needed").
          if (own.lateFacts.size && late.some((name) => own.lateFacts.has(name))) readsLateFact = true;
          if (late.length === 0) {
            const taskCtx = n.chain.length || own !== hv ? { ...ctx, isLate: own.isLate, ...(n.chain.length ? { report: (e: ConfigError) => report(withChain(e, n.chain)) } : {}) } : ctx;
            const iterations = sharing.expand(n, taskVars, taskCtx);
            if (iterations) {
              node.iterations = iterations;
              checkEarlyFailure(n, iterations, taskVars, taskCtx);
            }
          }
          return node;
        });
      for (const check of parsed.reuse.argumentChecks) checkRoleArguments(check, (varsFor(check.use) ?? hv).vars, ctx);
      const nodes = bind(selected);
      const handlers = bind(handlerTasks) as TaskNode[];
      const verify = (options.verify ? (play.verify ?? []) : []).flatMap((raw, i) => {
        const path = [...base, 'verify', i];
        const rendered = renderArgs(raw, vars, ctx, path);
        if (rendered === FAILED) return [];
        const parsedCheck = verifySchema.safeParse(rendered);
        if (!parsedCheck.success) {
          verifyCheckErrors(parsedCheck.error, rendered, source, path, displayPath(path)).forEach(report);
          return [];
        }
        return [parsedCheck.data];
      });
      const run = runs.get(hostName) ?? { host, target, plays: [] };
      run.plays.push({ name: play.name ?? play.hosts, nodes, handlers, verify, gatherFacts: play.gather_facts ?? (usesFacts || readsLateFact), context });
      runs.set(hostName, run);
    }
  });
  if (errors.length) throw new ConfigErrors(errors);
  return [...runs.values()];
}

/** Every `notify:` names a handler or a handler's `listen:` topic of the play. */
function checkNotify(nodes: ParsedNode[], handlers: ParsedTask[], report: (e: ConfigError) => void): void {
  const names = new Set(handlers.flatMap((h) => [...(h.name !== undefined ? [h.name] : []), ...h.listen]));
  for (const t of allTasks(nodes)) {
    for (const n of t.notify) {
      if (names.has(n)) continue;
      const path = [...t.path, 'notify'];
      report(new ConfigError(`notifies handler "${n}", which this play does not define${names.size ? ` (handlers: ${[...names].join(', ')})` : ''}`, t.source.locate(path), displayField(path)));
    }
  }
}

/**
 * A `fail` or `assert` whose outcome is known before the run (it reads only
 * variables) and that nothing would catch is bad input: it stops the run before
 * any host is touched (exit 4), instead of failing every host halfway through.
 */
function checkEarlyFailure(t: ParsedTask, iterations: CompiledTask[], vars: Record<string, unknown>, ctx: ExpandContext): void {
  // With failed_when, the task's own verdict is not the last word: the judge decides at run time.
  if (!t.type.control || t.rescued || t.ignoreErrors || t.failedWhen || t.vars.length || t.loop) return;
  for (const it of iterations) {
    if (it.skipReason || it.unknown) continue;
    let outcome;
    try {
      outcome = t.type.control(it.args, vars);
    } catch {
      return; // Decided on the host, where the error is reported.
    }
    if ('failed' in outcome && outcome.failed) ctx.report(new ConfigError(`${outcome.message} (${t.typeName} task "${it.name}", decided from variables before any host is touched)`, t.where, displayField(t.path)));
  }
}

export function selectByTags(nodes: ParsedNode[], options: CompileOptions): ParsedNode[] {
  if (!options.tags?.length && !options.skipTags?.length) return nodes;
  return nodes.flatMap((n): ParsedNode[] => {
    if (n.kind === 'block') {
      // A dynamic include runs only if its own tags are selected (its tasks do not carry them).
      if (n.gateTags && !selectedByTags(n.gateTags, options)) return [];
      return [{ ...n, block: selectByTags(n.block, options), rescue: selectByTags(n.rescue, options), always: selectByTags(n.always, options) }];
    }
    // Ansible never filters its implicit flushes by tags: the handlers still run before post_tasks.
    return n.implicit || selectedByTags(n.tags, options) ? [n] : [];
  });
}

function selectedByTags(tags: string[], options: CompileOptions): boolean {
  if (options.skipTags?.some((t) => tags.includes(t))) return false;
  if (!options.tags?.length) return true;
  return tags.includes('always') || options.tags.some((t) => tags.includes(t));
}

/** The play's levels around the inventory: `low` below it (defaults), `high` above it (vars), -e added last. */
interface PlayLevels {
  low: VarLevel[];
  high: VarLevel[];
}

/**
 * Ansible's precedence around the inventory for every task of a play: play
 * `defaults:` < the roles' defaults (in play order; a role's task adds its own
 * role's on top, see varsFor) < inventory < play `vars:` < `vars_files:` < the
 * roles' vars (vars/main and the entries' `vars:`, as private_role_vars=false).
 */
function playLevels(play: RawPlay, tree: PlayTree, source: YamlSource, base: FieldPath): PlayLevels {
  return {
    low: [yamlLevel(play.defaults ?? {}, source, [...base, 'defaults']), ...tree.reuse.exported.flatMap((r) => r.defaults.map((v) => yamlLevel(v, source, [...base, 'roles'])))],
    high: [
      yamlLevel(play.vars ?? {}, source, [...base, 'vars']),
      ...tree.varsFiles.map((v) => yamlLevel(v, source, [...base, 'vars_files'])),
      ...tree.reuse.exported.flatMap((r) => r.vars.map((v) => yamlLevel(v, source, [...base, 'roles']))),
    ],
  };
}

/** A host's variables in a play before the run, the levels they come from, and which of them only the run can render. */
interface HostVars {
  vars: Record<string, unknown>;
  levels: HostLevels;
  /** Variables that read a host fact or a registered result, directly or through others. */
  late: Set<string>;
  /** Those of them that read a host fact (the facts must be gathered for a task that reads one). */
  lateFacts: Set<string>;
  /** A late variable, a host fact or a registered name. */
  isLate: (name: string) => boolean;
}

const FACT_NAMES: ReadonlySet<string> = new Set(HOST_FACT_NAMES);

/**
 * Variables for one host in one play, lowest precedence first: built-ins <
 * the play's low levels < the inventory's merged variables (group_vars, host_vars: see
 * src/inventory/merge.ts) < the play's high levels < -e. Templated values at every level are
 * rendered lazily with the host's final variables, as Ansible does (src/vars/levels.ts), so an
 * inventory value such as `url: "https://{{ domain }}/app"` sees a `domain` from
 * any level and never reaches a host with its braces.
 */
function hostVars(
  shared: { groups: Record<string, string[]>; hostvars: Record<string, unknown> },
  host: InventoryHost,
  play: PlayLevels,
  playbook: LoadedPlaybook,
  extra: VarLevel,
  runtime: ReadonlySet<string>,
  report: (e: ConfigError) => void,
): HostVars | null {
  const levels: HostLevels = { base: builtinVars(host, shared, playbook), belowFacts: [...play.low, inventoryLevel(host)], aboveFacts: play.high, extra };
  const all = [...levels.belowFacts, ...levels.aboveFacts, extra];
  const vars = bindLevels(all, levels.base);
  const late = lateNames(all, runtime);
  let ok = true;
  // Render every value that does not wait for the run now: a template error is bad input, found
  // before any host is touched. The others are rendered by the tasks that read them, at run time.
  for (const k of Object.keys(vars)) {
    if (late.has(k)) continue;
    try {
      void vars[k];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      ok = false;
      report(err);
    }
  }
  const isLate = (name: string): boolean => runtime.has(name) || late.has(name);
  return ok ? { vars, levels, late, lateFacts: late.size ? lateNames(all, FACT_NAMES) : late, isLate } : null;
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
    omit: OMIT,
  };
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
    // A connection variable defined from a run-time value throws its own ConfigError (src/vars/levels.ts).
    if (err instanceof ConfigError) report(err);
    else if (err instanceof ConfigErrors) err.errors.forEach(report);
    else throw err;
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
        // A template error in it throws: the ConfigError names the inventory file and variable.
        built ??= bindLevels([inventoryLevel(h)], builtinVars(h, shared, undefined));
        return built;
      },
    });
  }
  return out;
}

