import Handlebars from 'handlebars';
import { plainKey } from './args-parse-memo.js';
import type { ConfigError } from './errors.js';
import { isSecret } from './secret.js';
import { expandTask, type CompiledTask, type ExpandContext } from './task-expand.js';
import type { ParsedTask } from './task-tree.js';
import { templateNames } from './template.js';

/**
 * A task's executions, expanded once for all the hosts of a run that give it the same inputs.
 *
 * Expanding a task (rendering its arguments, checking them against its schema, rendering its
 * template file) is a pure function of the values of the variables it reads: at 1,000 hosts the
 * 22 tasks of the bench playbook were expanded 22,000 times for ~30 distinct results. The key of
 * an expansion is the value of every name the task reads (`ParsedTask.reads`, which also decides
 * what waits for the run) and `ansible_become`, so a task reading `inventory_hostname` or a host's
 * own variable is expanded per host, as before, and any host whose values differ gets its own.
 *
 * Shared only when that key is known to be complete and the result is plain data:
 * - a template that can read variables it does not name (handlebars' `this` over all variables,
 *   `@root`, `lookup`) or a template file whose names are not among the task's reads
 *   (a templated `src`, a task type that does not declare them) is expanded per host;
 * - any value read that is not plain JSON data (a Secret, a date) makes the key unknown; the
 *   run's `groups` and `hostvars` (one object for every host) are keyed by identity;
 * - host-less tasks (assert, debug) keep their host's scope: per host;
 * - an expansion that reported an error, or whose executions hold anything but plain data and
 *   Secrets (a class instance), is not shared: the next host expands it again.
 */
export class TaskSharing {
  private readonly tasks = new Map<ParsedTask, TaskShare>();

  /** `sameForAll`: objects every host's variables hold by reference (keyed by identity, never serialised). */
  constructor(private readonly sameForAll: ReadonlyMap<object, string>) {}

  expand(t: ParsedTask, vars: Record<string, unknown>, ctx: ExpandContext): CompiledTask[] | null {
    const share = this.shareOf(t);
    const key = share ? inputKey(t, vars, this.sameForAll) : undefined;
    if (!share || key === undefined) return expandTask(t, vars, ctx);
    const hit = share.results.get(key);
    if (hit) {
      share.hits++;
      return hit;
    }
    let shareable = true;
    const result = expandTask(t, vars, {
      ...ctx,
      report: (e: ConfigError) => {
        shareable = false;
        ctx.report(e);
      },
      onLocalTemplate: (text) => {
        if (!templateReadsKnown(t, text)) shareable = false;
      },
    });
    if (result && shareable && result.every(plainExecution) && share.results.size < MAX_RESULTS) share.results.set(key, result);
    // A task whose every host differs (it reads the host's name) stops paying for keys.
    if (share.hits === 0 && share.results.size >= GIVE_UP_AFTER) share.perHost = true;
    return result;
  }

  private shareOf(t: ParsedTask): TaskShare | undefined {
    let share = this.tasks.get(t);
    if (!share) this.tasks.set(t, (share = { perHost: !taskIsShareable(t), results: new Map(), hits: 0 }));
    return share.perHost ? undefined : share;
  }
}

interface TaskShare {
  perHost: boolean;
  results: Map<string, CompiledTask[]>;
  hits: number;
}

const MAX_RESULTS = 64;
const GIVE_UP_AFTER = 16;

/** The values of what the task reads, as text equal for equal inputs; undefined when one cannot be keyed. */
export function inputKey(t: ParsedTask, vars: Record<string, unknown>, sameForAll: ReadonlyMap<object, string>): string | undefined {
  const parts: string[] = [];
  for (const name of [...t.reads, 'ansible_become']) {
    if (!Object.prototype.hasOwnProperty.call(vars, name)) {
      parts.push('');
      continue;
    }
    let value: unknown;
    try {
      value = vars[name];
    } catch {
      return undefined; // Its error is reported by the expansion itself.
    }
    const same = value !== null && typeof value === 'object' ? sameForAll.get(value) : undefined;
    const text = same !== undefined ? `#${same}` : plainKey(value);
    if (text === undefined) return undefined;
    parts.push(text);
  }
  return JSON.stringify(parts);
}

/** Whether everything that decides this task's expansion is among the names it reads. */
export function taskIsShareable(t: ParsedTask): boolean {
  if (t.type.control) return false;
  return [t.args, t.name, t.loop?.value, t.label, ...t.vars].every((v) => stringsOf(v).every((s) => !templateIsOpaque(s)));
}

/** A template file read by the expansion: its names must be the task's, and none read by other means. */
function templateReadsKnown(t: ParsedTask, text: string): boolean {
  return t.type.reads !== undefined && !templateIsOpaque(text) && templateNames(text).every((n) => t.reads.has(n));
}

function plainExecution(c: CompiledTask): boolean {
  return immutableData(c.args) && immutableData(c.item);
}

/**
 * Data no host can change under another: primitives, Secrets (a schema makes one of a password;
 * immutable, and equal inputs give an equal one), and arrays and plain objects of those.
 */
function immutableData(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return typeof v !== 'function' && typeof v !== 'symbol';
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.every(immutableData);
  return Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(immutableData);
}

function stringsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsOf);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsOf);
  return [];
}

const opaqueCache = new Map<string, boolean>();

/**
 * Whether a handlebars template can read a variable it does not name: `this` where it is all
 * the variables (outside an `each`/`with` block), `@root`, a parent's whole context (`../this`),
 * or the `lookup` helper (a name computed at render time). One that does not parse is opaque.
 */
export function templateIsOpaque(text: string): boolean {
  if (!text.includes('{{')) return false;
  let opaque = opaqueCache.get(text);
  if (opaque !== undefined) return opaque;
  opaque = false;
  const visit = (node: unknown, inBlockContext: boolean): void => {
    if (opaque || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, inBlockContext));
    const n = node as { type?: string; data?: boolean; parts?: string[]; depth?: number; original?: string; path?: { original?: string }; params?: unknown[]; hash?: unknown; program?: unknown; inverse?: unknown };
    if (n.type === 'PathExpression') {
      if (n.data ? n.parts?.[0] === 'root' || (n.depth ?? 0) > 0 : n.parts?.length === 0 && (!inBlockContext || (n.depth ?? 0) > 0)) opaque = true;
      return;
    }
    if (n.path?.original === 'lookup') {
      opaque = true;
      return;
    }
    if (n.type === 'BlockStatement') {
      // Inside each/with, `this` is the item; inside if/unless it is still every variable.
      const changesContext = n.path?.original === 'each' || n.path?.original === 'with';
      visit(n.path, inBlockContext);
      visit(n.params, inBlockContext);
      visit(n.hash, inBlockContext);
      visit(n.program, inBlockContext || changesContext);
      visit(n.inverse, inBlockContext);
      return;
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object') visit(v, inBlockContext);
  };
  try {
    visit(Handlebars.parse(text), false);
  } catch {
    opaque = true;
  }
  opaqueCache.set(text, opaque);
  return opaque;
}
