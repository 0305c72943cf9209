import { isDeepStrictEqual } from 'node:util';
import type { BlockNode, CompiledTask, HostPlay, Node, TaskNode } from '../compile.js';
import { ConfigError, ConfigErrors, ConnectError, ProvisionError } from '../errors.js';
import { isUnknown } from '../expr/index.js';
import { hostFactsFact, hostFactVars } from '../host-facts.js';
import type { Fact } from '../facts.js';
import { wrapScript } from '../remote-script.js';
import { redact } from '../secret.js';
import { expandTask } from '../task-expand.js';
import type { PlanContext } from '../task-type.js';
import type { TaskResult } from './events.js';
import { FactCache, readsFacts } from './fact-cache.js';
import type { HostRunState } from './host-run.js';
import { endFlushCount } from './handler-flushes.js';
import { HandlerRecord, type ScriptRecord } from './handler-record.js';
import { dueHandlers, EMPTY_RECORD, pendingHandlers, recordKeys, type RecordFile } from './pending-handlers.js';
import { RuntimeScopes } from './runtime-scopes.js';
import { handledBy, runExecution, type Outcome } from './task-run.js';

/**
 * One play on one host: walks the task tree (blocks with rescue and always,
 * loops), expands tasks that read run-time values just before they run, keeps
 * registered results, and runs notified handlers at `meta: flush_handlers`
 * and at the end. Returns whether the host failed.
 */
export class PlayRun {
  readonly facts: FactCache;
  readonly planContext: PlanContext;
  readonly handlerState: ReturnType<typeof pendingHandlers> | undefined;
  /**
   * Handlers notified and not yet run, as Ansible keeps them: a notification (by
   * name or listen topic) marks the handlers it names when it is made. A handler
   * answered No at --step stays here (asked again at the next flush, as in Ansible).
   */
  private readonly pending = new Set<TaskNode>();
  private leftOver: string[] = [];
  /** Handlers answered No at --step in the flush in progress. */
  private readonly declinedHandlers = new Set<TaskNode>();
  /** The host's record of pending handlers (when the play has handlers). */
  private record?: HandlerRecord;
  /** Executions known before the run, in order (rescue sections left out): their facts are read ahead, together. */
  private readonly upcoming: CompiledTask[];
  private readonly runtimeScopes = new RuntimeScopes();
  private cursor = 0;

  constructor(
    readonly host: HostRunState,
    readonly play: HostPlay,
  ) {
    this.planContext = { host: host.conn.name, sshPort: host.conn.port };
    this.facts = new FactCache(host.conn, this.planContext);
    this.handlerState = play.handlers.length ? pendingHandlers(play.name) : undefined;
    const walk = (nodes: Node[]): CompiledTask[] => nodes.flatMap((n) => (n.kind === 'task' ? (n.iterations ?? []) : [...walk(n.tasks), ...walk(n.always)]));
    this.upcoming = walk(play.nodes).filter(readsFacts);
  }

  async run(): Promise<boolean> {
    const extra: Fact<unknown>[] = [];
    if (this.handlerState) extra.push(this.handlerState.fact);
    if (this.play.gatherFacts && !this.host.hostFacts) extra.push(hostFactsFact);
    try {
      await this.facts.prefetch(this.upcoming, extra);
      if (this.play.gatherFacts && !this.host.hostFacts) this.host.hostFacts = hostFactVars(this.facts.value(hostFactsFact, false)!);
    } catch (err) {
      // Reading state failed (sudo refused, a fact script broke): the host fails
      // here, like a task would, instead of ending the whole run.
      if (err instanceof ConnectError) throw err;
      this.host.count(this.failure('read host state', 'facts', err));
      return true;
    }
    // Handlers notified by a run that failed before they ran are recorded on the
    // host and run now (Ansible forgets them).
    if (this.handlerState) {
      const held = this.facts.value(this.handlerState.fact, false) ?? EMPTY_RECORD;
      this.record = new HandlerRecord(this.handlerState, { root: [...held.root], user: [...held.user] });
      this.leftOver = [...new Set([...held.root, ...held.user])];
    }
    this.notify(this.leftOver);
    // The play's end is what is left of Ansible's three flushes (src/run/handler-flushes.ts).
    const failed = (await this.runNodes(this.play.nodes)) || (await this.endFlushes());
    // After the last flush, as in Ansible, the play ends without what is still pending: a handler answered
    // No there, or one a handler of that flush notified that comes before it or had run (Ansible's flush is one pass).
    if (!failed) this.pending.clear();
    return (await this.settleRecord()) || failed;
  }

  /**
   * Variables a task sees at run time (before its own vars): the play's levels bound
   * again with host facts above the inventory, registered results above play vars
   * and -e above all, so a variable defined from a fact or a result renders with
   * them (src/vars/levels.ts). One binding per level set until a result is registered.
   */
  scopeFor(node: TaskNode): Record<string, unknown> {
    return this.runtimeScopes.scope(node.levels, this.host.hostFacts, this.host.registered);
  }

  /**
   * The record steps an execution's apply script carries: the handlers it
   * notifies, and what is no longer pending (a handler that has run, a
   * notification changed_when took back). Nothing is written in check mode
   * except by a task that really changes (check_mode: false).
   */
  recordFor(node: TaskNode, task: CompiledTask, handler: boolean): ScriptRecord | undefined {
    if (!this.record) return undefined;
    // A handler's script finishes it with its last item: its keys are taken back after its steps.
    const finishing = handler && (!node.task.loop || node.iterations?.at(-1) === task);
    return this.record.forScript(this.recordFile(task), this.stillPending(finishing ? node : undefined), task.notify, finishing ? recordKeys(node.task) : []);
  }

  /**
   * The notifications of an execution that changed without a script on the host
   * (a debug or assert with changed_when): owed to the record, written by the next
   * script of the same privilege or at the end of the play. Nothing in check mode.
   */
  recordWithoutScript(task: CompiledTask, simulated: boolean): void {
    if (!simulated && task.notify.length) this.record?.owe(this.recordFile(task), task.notify);
  }

  /** The record file a script of this execution can write: under sudo (or logged in as root), root's. */
  private recordFile(task: CompiledTask): RecordFile {
    return task.become || this.host.conn.user === 'root' ? 'root' : 'user';
  }

  /** Marks the handlers these names (handler names or listen topics) notify. */
  private notify(names: readonly string[]): void {
    for (const h of dueHandlers(this.play.handlers, new Set(names), new Set())) this.pending.add(h);
  }

  /**
   * Handlers whose facts the apply script of this execution should read ahead
   * for (with the facts of the tasks after it): those due, or due if it
   * changes; in a flush, the handlers after it. So a handler costs its own
   * change only, not a read of its own.
   */
  handlersAhead(node: TaskNode, task: CompiledTask, handler: boolean): CompiledTask[] {
    const due = new Set([...this.pending, ...dueHandlers(this.play.handlers, new Set(task.notify), new Set())]);
    // In a flush, the handlers after this one (the flush is one pass in definition order).
    const after = handler ? this.play.handlers.slice(this.play.handlers.indexOf(node) + 1) : this.play.handlers;
    return after.filter((h) => due.has(h)).flatMap((h) => h.iterations ?? []);
  }

  /**
   * Whether a name in the host's record is still pending: a handler it names (by name
   * or topic) has not run; `finished`: the handler the script ends. Check mode never takes a name back.
   */
  private stillPending(finished?: TaskNode): (name: string) => boolean {
    if (this.host.options.check) return () => true;
    const live = [...this.pending].filter((h) => h !== finished);
    const keys = new Set(live.flatMap((h) => [...(h.task.name !== undefined ? [h.task.name] : []), ...h.task.listen]));
    return (name) => keys.has(name);
  }

  /** At the end of the play: a record file no script brought up to date (usually none) is written by a script of its own. Returns whether that failed. */
  private async settleRecord(): Promise<boolean> {
    if (!this.record || this.host.options.check) return false;
    for (const { file, step, settle } of this.record.stale(this.stillPending())) {
      try {
        // A record left by an earlier run may be the only thing written: it waits for the run lock like a change.
        await this.host.lockReady;
        const r = await this.host.conn.runScript(wrapScript(step.command), file === 'root');
        if (r.exitCode !== 0) throw new Error(`${step.label} (${file === 'root' ? 'as root' : 'as the login user'}) failed with exit status ${r.exitCode}: ${r.stderr.trim()}`);
        settle();
      } catch (err) {
        if (err instanceof ConnectError) throw err;
        this.host.count(this.failure('handlers', 'handlers', err));
        return true;
      }
    }
    return false;
  }

  private async runNodes(nodes: Node[]): Promise<boolean> {
    for (const node of nodes) {
      if (this.host.options.signal?.aborted) return true;
      const failed = node.kind === 'task' ? await this.runTask(node, false) : await this.runBlock(node);
      if (failed) return true;
    }
    return false;
  }

  /** Ansible's block: on a failure, rescue; always, always. A rescued host goes on. */
  private async runBlock(block: BlockNode): Promise<boolean> {
    let failed = await this.runNodes(block.tasks);
    if (failed && block.rescue.length && !this.host.options.signal?.aborted) failed = await this.runNodes(block.rescue);
    const alwaysFailed = this.host.options.signal?.aborted ? false : await this.runNodes(block.always);
    return failed || alwaysFailed;
  }

  /** A task, all its loop items; registers its result. Returns whether it failed (an ignored failure does not count). */
  private async runTask(node: TaskNode, handler: boolean): Promise<boolean> {
    const step = await this.takeStep(node, handler);
    // No answer can come (input ended): the run was stopped, like Ctrl-C.
    if (step === null) return true;
    if (!step) {
      // Not run, so nothing is registered: as in Ansible, the variable stays as it was.
      if (handler) this.declinedHandlers.add(node);
      this.count({ ...this.skeleton(node, handler), status: 'skipped', message: 'skipped: answered no at --step' }, handler);
      return false;
    }
    const executions = node.iterations ?? this.expand(node);
    if (executions instanceof Error) {
      this.count(this.failure(node.task.name ?? node.task.typeName, node.task.typeName, executions, node.task), handler);
      return !node.task.ignoreErrors;
    }
    const outcomes: Outcome[] = [];
    const before = node.task.type.defines ? { ...this.host.registered } : undefined;
    for (const [index, planned] of executions.entries()) {
      if (this.host.options.signal?.aborted) return true;
      const execution = index > 0 ? this.againAfterFacts(node, executions, index, planned) : planned;
      if (execution instanceof Error) {
        this.count(this.failure(planned.name, node.task.typeName, execution, node.task), handler);
        return !node.task.ignoreErrors;
      }
      this.host.emit({ type: 'task-start', host: this.host.conn.name, play: this.play.name, task: execution.name, handler });
      const at = this.upcoming.indexOf(execution);
      if (at >= 0) this.cursor = at + 1;
      const from = this.cursor;
      const outcome = await runExecution(this, node, execution, handler, () => this.upcoming.slice(from));
      if (node.task.loop && outcome.registered && typeof outcome.registered === 'object' && !isUnknown(outcome.registered)) {
        outcome.registered = { ...outcome.registered, item: execution.item, ansible_loop_var: node.task.loopVar };
      }
      outcomes.push(outcome);
      // set_fact: the host has these from now on, at the level of registered results (Ansible keeps both in one place).
      if (outcome.facts) Object.assign(this.host.registered, outcome.facts);
      this.count(outcome.result, handler);
      if (outcome.notifies) this.notify(execution.notify);
      if (outcome.flushHandlers && (await this.flushHandlers())) return true;
    }
    if (executions.length === 0) {
      this.count({ ...this.skeleton(node, handler), status: 'skipped', message: 'no items in the loop' }, handler);
    }
    if (before && outcomes.some((o) => o.result.status === 'failed')) takeBackFacts(this.host.registered, before, outcomes);
    if (node.task.register) this.host.registered[node.task.register] = node.task.loop ? loopResult(outcomes) : (outcomes[0]?.registered ?? { changed: false, skipped: true });
    // A failure a rescue will handle still ends the block (the rescue runs); an ignored one does not.
    return outcomes.some((o) => o.result.status === 'failed' && o.result.handled !== 'ignored');
  }

  /**
   * --step: whether the operator wants this task run (null: no answer can
   * come). Keyed by the task's place in the playbook and how often this host
   * reached it, so every host shares one answer. `meta` is not asked, as in Ansible.
   */
  private async takeStep(node: TaskNode, handler: boolean): Promise<boolean | null> {
    const gate = this.host.options.step;
    if (!gate || node.task.typeName === 'meta') return true;
    const { file, line, column } = node.task.where;
    const place = `${handler ? 'handler' : 'task'} ${file}:${line}:${column}`;
    const visit = this.host.stepVisits.get(place) ?? 0;
    this.host.stepVisits.set(place, visit + 1);
    return gate.take(`${place} #${visit}`, this.taskName(node), handler);
  }

  private taskName(node: TaskNode): string {
    return node.iterations?.[0]?.name ?? node.task.name ?? node.task.typeName;
  }

  /** The fields of a result line for a task as a whole (not one loop item). */
  private skeleton(node: TaskNode, handler: boolean): Omit<TaskResult, 'status' | 'message'> {
    return { host: this.host.conn.name, play: this.play.name, task: this.taskName(node), type: node.task.typeName, handler, changed: false, simulated: false, durationMs: 0, where: node.task.where };
  }

  /**
   * A loop item of a set_fact rendered at run time sees what the items before it
   * set (Ansible's loop does the same): rendered again with them. Ansible renders
   * the loop's list once, before the first item: a list that changes because of
   * what the items set is an error here, not another list in silence.
   */
  private againAfterFacts(node: TaskNode, executions: CompiledTask[], index: number, planned: CompiledTask): CompiledTask | Error {
    if (node.iterations || !node.task.type.defines) return planned;
    const again = this.expand(node);
    if (again instanceof Error) return again;
    if (again.length !== executions.length || !isDeepStrictEqual(again[index].item, planned.item)) {
      return new ConfigError(`the loop's list reads a variable this ${node.task.typeName} sets (Ansible renders the list once, before the first item; provision would render it again after each): set the list in a task before the loop`, node.task.where, 'loop');
    }
    return again[index];
  }

  /** A task that reads run-time values, rendered and checked now; a problem is this task's failure, named like a config error. */
  private expand(node: TaskNode): CompiledTask[] | Error {
    const errors: ConfigError[] = [];
    let executions: CompiledTask[] | null = null;
    try {
      executions = expandTask(node.task, this.scopeFor(node), { ...this.play.context, registered: this.host.registered, report: (e) => errors.push(e) });
    } catch (err) {
      // A variable read outside a template (become's ansible_become) failed to render: the task's failure.
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err);
    }
    return executions && errors.length === 0 ? executions : new ConfigErrors(errors);
  }

  /** The play's end: what is left of Ansible's three flushes (src/run/handler-flushes.ts), each a full pass. */
  private async endFlushes(): Promise<boolean> {
    for (let i = 0; i < endFlushCount(this.play.nodes); i++) if (await this.flushHandlers()) return true;
    return false;
  }

  /**
   * Runs the notified handlers as Ansible's flush does: one pass in definition
   * order, a handler running if it is notified when the pass reaches it: one
   * that a handler of the pass notifies runs in this flush if it comes after
   * that handler, else at the next flush (after the last flush: not at all),
   * even if it ran in this one. A handler is taken out of the host's record by
   * its own script, after its steps; one that fails stays recorded, as does one
   * answered No (still notified: asked again at the next flush). Returns whether the host failed.
   */
  private async flushHandlers(): Promise<boolean> {
    this.declinedHandlers.clear();
    for (const h of this.play.handlers) {
      if (!this.pending.has(h)) continue;
      // Stopped or failed: it stays pending, and recorded for the next run.
      if (this.host.options.signal?.aborted || (await this.runTask(h, true))) return true;
      // Run (or its failure ignored): a notification of itself made while it ran is spent too, as in Ansible.
      if (!this.declinedHandlers.has(h)) this.pending.delete(h);
    }
    return false;
  }

  private count(r: TaskResult, handler: boolean): void {
    if (handler && this.leftOver.includes(r.task)) r.message += ' (notified by an earlier run that stopped before its handlers)';
    this.host.count(r);
  }

  private failure(task: string, type: string, err: unknown, t?: TaskNode['task']): TaskResult {
    const message = err instanceof ProvisionError ? err.message : redact(err instanceof Error ? err.message : String(err));
    const handled = t ? handledBy(t) : undefined;
    return { host: this.host.conn.name, play: this.play.name, task, type, handler: false, status: 'failed', changed: false, simulated: false, message, durationMs: 0, ...(t ? { where: t.where } : {}), ...(handled ? { handled } : {}) };
  }
}

/** A loop's registered result: Ansible's shape, each item's result under `results`. */
/**
 * A set_fact that failed (one item of its loop is enough) sets nothing, as in Ansible: its items
 * saw each other's variables on the way (failed ones' too), but the host keeps what it had before.
 */
function takeBackFacts(registered: Record<string, unknown>, before: Record<string, unknown>, outcomes: Outcome[]): void {
  for (const name of new Set(outcomes.flatMap((o) => Object.keys(o.facts ?? {})))) {
    if (Object.hasOwn(before, name)) registered[name] = before[name];
    else delete registered[name];
  }
}

function loopResult(outcomes: Outcome[]): Record<string, unknown> {
  const results = outcomes.map((o) => o.registered);
  const field = (k: string): unknown[] => results.map((r) => (r && typeof r === 'object' ? (r as Record<string, unknown>)[k] : undefined));
  // Ansible's loop result: `failed` only when an item failed (then with its own message).
  const failed = field('failed').some((v) => v === true);
  return {
    changed: field('changed').some((v) => v === true),
    ...(failed ? { failed } : {}),
    skipped: results.length > 0 && field('skipped').every((v) => v === true),
    msg: failed ? 'One or more items failed' : 'All items completed',
    results,
  };
}
