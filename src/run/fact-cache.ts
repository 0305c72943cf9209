import type { CompiledTask } from '../compile.js';
import { CommandError } from '../errors.js';
import type { Fact, FactOutput } from '../facts.js';
import { factBatch, type FactBatch } from '../remote-script.js';
import type { HostConnection } from '../ssh/connection.js';
import type { PlanContext } from '../task-type.js';

/** Whether a task execution reads host facts at all (skipped, unknown and host-less tasks do not). */
export function readsFacts(t: CompiledTask): boolean {
  return !t.skipReason && !t.unknown && !t.type.control;
}

/** Fact outputs read from the host, by fact key and privilege. */
export class FactCache {
  /** By privilege (read as root, as the login user), then by fact key. */
  private readonly outputs = { root: new Map<string, FactOutput>(), user: new Map<string, FactOutput>() };
  /** Each execution's fact reads, asked of its task type once. */
  private readonly reads = new WeakMap<CompiledTask, Record<string, Fact<unknown>>>();
  constructor(
    private readonly conn: HostConnection,
    private readonly ctx: PlanContext,
  ) {}

  /** What a task execution reads on the host, by the names its planner uses. */
  factsOf(task: CompiledTask): Record<string, Fact<unknown>> {
    let facts = this.reads.get(task);
    if (!facts) {
      facts = sharedFacts(task) ?? (task.type.facts(task.args, this.ctx) as Record<string, Fact<unknown>>);
      this.reads.set(task, facts);
    }
    return facts;
  }

  private level(root: boolean): Map<string, FactOutput> {
    return root ? this.outputs.root : this.outputs.user;
  }

  /** Whether facts wanted with this `become` are read as root. Logged in as root, sudo changes nothing: one level. */
  private asRoot(become: boolean): boolean {
    return become || this.conn.user === 'root';
  }

  /** Reads what this task needs, together with what the tasks after it need, if not read yet. */
  async ensure(task: CompiledTask, upcoming: () => CompiledTask[]): Promise<void> {
    const level = this.level(this.asRoot(task.become));
    const own = this.factsOf(task);
    for (const name in own) if (!level.has(own[name].key)) return this.prefetch(upcoming(), [], task.name);
  }

  /**
   * One script per privilege level for all facts of `upcoming` (and `extra`,
   * read without sudo) that are not known yet: in a run where nothing changes,
   * a whole play costs one round trip.
   */
  async prefetch(upcoming: CompiledTask[], extra: Fact<unknown>[], taskName = 'reading facts'): Promise<void> {
    for (const root of [true, false]) {
      const missing = new Map<string, Fact<unknown>>();
      if (this.asRoot(false) === root) for (const f of extra) if (!this.level(root).has(f.key)) missing.set(f.key, f);
      for (const t of upcoming) {
        if (this.asRoot(t.become) !== root || !readsFacts(t)) continue;
        for (const f of Object.values(this.factsOf(t))) {
          if (!this.level(root).has(f.key)) missing.set(f.key, f);
        }
      }
      if (missing.size === 0) continue;
      const batch = factBatch([...missing.values()]);
      const r = await this.conn.runScript(batch.script, root);
      if (r.exitCode !== 0) {
        throw new CommandError(this.conn.name, taskName, root ? 'sudo sh -s (reading facts)' : 'sh -s (reading facts)', r.exitCode, r.stderr);
      }
      const parsed = batch.parse(r.stdout);
      for (const f of missing.values()) {
        const out = parsed.get(f.key);
        if (!out) throw new CommandError(this.conn.name, taskName, `reading fact ${f.key}`, r.exitCode, `no output for this fact\n${r.stderr}`);
        this.level(root).set(f.key, out);
      }
    }
  }

  /** A batch reading every fact of `upcoming` at `become`'s privilege level, to run right after a change. */
  followUp(upcoming: CompiledTask[], become: boolean): { batch: FactBatch; facts: Fact<unknown>[]; root: boolean } | undefined {
    const root = this.asRoot(become);
    const wanted = new Map<string, Fact<unknown>>();
    for (const t of upcoming) {
      if (this.asRoot(t.become) !== root || !readsFacts(t)) continue;
      for (const f of Object.values(this.factsOf(t))) wanted.set(f.key, f);
    }
    if (wanted.size === 0) return undefined;
    const facts = [...wanted.values()];
    return { batch: factBatch(facts), facts, root };
  }

  /** Keeps what a follow-up batch read; a fact it did not report is simply read again later. */
  store(followUp: { batch: FactBatch; facts: Fact<unknown>[]; root: boolean }, stdout: string): void {
    const parsed = followUp.batch.parse(stdout);
    for (const f of followUp.facts) {
      const out = parsed.get(f.key);
      if (out) this.level(followUp.root).set(f.key, out);
    }
  }

  value<T>(f: Fact<T>, become: boolean): T | undefined {
    const out = this.level(this.asRoot(become)).get(f.key);
    return out ? f.parse(out) : undefined;
  }

  values(wanted: Record<string, Fact<unknown>>, become: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const level = this.level(this.asRoot(become));
    for (const name in wanted) out[name] = parseShared(wanted[name], level.get(wanted[name].key)!);
    return out;
  }

  /** After a change, what we read may be stale: read again before the next plan. */
  invalidate(): void {
    this.outputs.root.clear();
    this.outputs.user.clear();
  }
}

/**
 * The facts of arguments that compile sharing (src/task-share.ts) gave to many hosts, asked of
 * the task type once for all of them: facts are plain data (a key, a script, a parser). Only for a
 * type whose `facts` takes the arguments alone (declares no `ctx` parameter): such a function
 * cannot read the host's context, so its answer for these arguments is every host's.
 */
function sharedFacts(task: CompiledTask): Record<string, Fact<unknown>> | undefined {
  if (task.type.facts.length >= 2 || typeof task.args !== 'object' || task.args === null) return undefined;
  const known = factsByArgs.get(task.args);
  if (known?.type === task.type) return known.facts;
  const facts = task.type.facts(task.args, undefined as never) as Record<string, Fact<unknown>>;
  factsByArgs.set(task.args, { type: task.type, facts });
  return facts;
}

const factsByArgs = new WeakMap<object, { type: CompiledTask['type']; facts: Record<string, Fact<unknown>> }>();

/**
 * A fact's value for an output, parsed once for every host that sent the same bytes (hosts
 * converged by one playbook mostly do: at 1,000 hosts the parsers were ~0.3 ms per host). Kept by
 * fact key, the last output only: facts with one key are one fact (src/facts.ts). The value is
 * shared, so it is frozen: a planner that changed its facts would throw, not leak into other hosts.
 */
export function parseShared(f: Fact<unknown>, out: FactOutput): unknown {
  const last = lastParse.get(f.key);
  if (last && last.stdout === out.stdout && last.exitCode === out.exitCode) return last.value;
  const value = deepFreeze(f.parse(out));
  lastParse.set(f.key, { stdout: out.stdout, exitCode: out.exitCode, value });
  return value;
}

const lastParse = new Map<string, { stdout: string; exitCode: number; value: unknown }>();

function deepFreeze<T>(value: T): T {
  // Typed arrays cannot be frozen (their bytes stay writable); a parser returning one keeps it as is.
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
