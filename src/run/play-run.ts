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
  /** Handler names and listen topics notified and not yet run. */
  private readonly notified = new Set<string>();
  private leftOver: string[] = [];
  /** Handlers answered No at --step: still notified, so asked again at the next flush (as in Ansible), and kept in the host's record. */
  private readonly declinedHandlers = new Set<TaskNode>();
  /** The host's record of pending handlers (when the play has handlers). */
  private record?: HandlerRecord;
  /** The handlers of the flush in progress, in order. */
  private flushing: TaskNode[] = [];
  /** What made them due: kept in the host's record until the last of them has run. */
  private flushKeys = new Set<string>();
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
    for (const h of this.leftOver) this.notified.add(h);
    const failed = (await this.runNodes(this.play.nodes)) || (await this.flushHandlers());
    // A handler answered No at the last flush is not asked again: as in Ansible, the play ends without it.
    if (!failed) this.declinedHandlers.clear();
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
    const file: RecordFile = task.become || this.host.conn.user === 'root' ? 'root' : 'user';
    const finishing = handler && this.flushing.at(-1) === node && (!node.task.loop || node.iterations?.at(-1) === task);
    const adding = handler ? [] : task.notify;
    return this.record.forScript(file, this.stillPending(finishing), adding);
  }

  /**
   * Handlers whose facts the apply script of this execution should read ahead
   * for (with the facts of the tasks after it): those due, or due if it
   * changes; in a flush, the handlers after it. So a handler costs its own
   * change only, not a read of its own.
   */
  handlersAhead(node: TaskNode, task: CompiledTask, handler: boolean): CompiledTask[] {
    let ahead: TaskNode[];
    if (handler && this.flushing.includes(node)) ahead = this.flushing.slice(this.flushing.indexOf(node) + 1);
    else ahead = dueHandlers(this.play.handlers, handler ? this.notified : new Set([...this.notified, ...task.notify]), this.declinedHandlers);
    return ahead.flatMap((h) => h.iterations ?? []);
  }

  /** Whether a name in the host's record is still pending; `finishing`: the script ends the flush in progress. Check mode never takes a name back. */
  private stillPending(finishing: boolean): (name: string) => boolean {
    if (this.host.options.check) return () => true;
    const declined = new Set([...this.declinedHandlers].flatMap((h) => recordKeys(h.task)));
    return (name) => this.notified.has(name) || declined.has(name) || (!finishing && this.flushKeys.has(name));
  }

  /** At the end of the play: a record file no script brought up to date (usually none) is written by a script of its own. Returns whether that failed. */
  private async settleRecord(): Promise<boolean> {
    if (!this.record || this.host.options.check) return false;
    for (const { file, step, settle } of this.record.stale(this.stillPending(false))) {
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
      const outcome = await runExecution(this, node, execution, handler, this.upcoming.slice(this.cursor));
      if (node.task.loop && outcome.registered && typeof outcome.registered === 'object' && !isUnknown(outcome.registered)) {
        outcome.registered = { ...outcome.registered, item: execution.item, ansible_loop_var: node.task.loopVar };
      }
      outcomes.push(outcome);
      // set_fact: the host has these from now on, at the level of registered results (Ansible keeps both in one place).
      if (outcome.facts) Object.assign(this.host.registered, outcome.facts);
      this.count(outcome.result, handler);
      if (outcome.notifies) for (const n of execution.notify) this.notified.add(n);
      if (outcome.flushHandlers && (await this.flushHandlers())) return true;
    }
    if (executions.length === 0) {
      this.count({ ...this.skeleton(node, handler), status: 'skipped', message: 'no items in the loop' }, handler);
    }
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

  /**
   * Runs the notified handlers, in definition order. What made them due stays
   * in the host's record until the last of them has run: that handler's
   * script takes it out (or the next script, or the end of the play). A
   * handler answered No stays notified and recorded. Returns whether the host failed.
   */
  private async flushHandlers(): Promise<boolean> {
    const due = dueHandlers(this.play.handlers, this.notified, this.declinedHandlers);
    if (due.length === 0) return false;
    this.flushKeys = new Set(due.flatMap((h) => [...(h.task.name !== undefined ? [h.task.name] : []), ...h.task.listen]));
    this.declinedHandlers.clear();
    for (const h of due) {
      if (h.task.name !== undefined) this.notified.delete(h.task.name);
      for (const l of h.task.listen) this.notified.delete(l);
    }
    this.flushing = due;
    for (const h of due) {
      // Stopped or failed: what made them due stays recorded for the next run.
      if (this.host.options.signal?.aborted || (await this.runTask(h, true))) {
        this.flushing = [];
        return true;
      }
    }
    this.flushing = [];
    this.flushKeys = new Set();
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
function loopResult(outcomes: Outcome[]): Record<string, unknown> {
  const results = outcomes.map((o) => o.registered);
  const field = (k: string): unknown[] => results.map((r) => (r && typeof r === 'object' ? (r as Record<string, unknown>)[k] : undefined));
  return {
    changed: field('changed').some((v) => v === true),
    failed: field('failed').some((v) => v === true),
    skipped: results.length > 0 && field('skipped').every((v) => v === true),
    msg: 'All items completed',
    results,
  };
}
