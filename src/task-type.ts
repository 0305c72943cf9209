import type { z } from 'zod';
import type { Fact, FactValues } from './facts.js';
import type { Plan } from './plan.js';

/** What a planner may know besides arguments and facts. Plain data: planners stay pure. */
export interface PlanContext {
  host: string;
  /** The port of the SSH connection in use, so the firewall task can refuse to cut it. */
  sshPort: number;
  /** The address we connected from, as the host sees it (SSH_CLIENT), when known. */
  sshClientAddress?: string;
}

/**
 * One task type (apt, file, nginx_site…). A module in tasks/ exports one of these:
 * a documented zod schema, the facts it must read, and a pure planner.
 */
export interface TaskType<A = any, F extends Record<string, Fact<unknown>> = Record<string, Fact<unknown>>> {
  name: string;
  /** One line for `provision tasks`. */
  summary: string;
  schema: z.ZodType<A>;
  /** A YAML snippet of one task using this type, shown in the docs and tested. */
  example: string;
  facts(args: A, ctx: PlanContext): F;
  plan(args: A, facts: FactValues<F>, ctx: PlanContext): Plan;
  /**
   * Reads the local files the task names (templates, sources) and returns the
   * arguments with their content filled in. Runs before any host is touched.
   */
  resolveLocal?(args: A, local: LocalFiles): A;
  /**
   * Facts about the controller's own files (fetch's destination), read by the
   * runner right before planning, as the host's facts are; merged into the
   * planner's facts under these names. The planner stays pure.
   */
  localFacts?(args: A, ctx: PlanContext): Record<string, unknown>;
  /**
   * Starts slow, pure computations the planner will need (bcrypt) when the run
   * starts, so they overlap connecting and reading the host; the runner awaits
   * it before planning the task. The planner must not depend on it: it only warms a cache.
   */
  prepare?(args: A): Promise<void>;
  /**
   * Paths whose bytes, mode and owner this task decides (files it writes, links
   * it makes). `provision test --rebuild` compares them between the host and a
   * second host built from scratch: they must be the same.
   */
  files?(args: A): string[];
  /**
   * Set for tasks that never touch the host (debug, fail, assert, meta): the
   * runner decides their outcome from their arguments and the variables in
   * scope (registered results, host facts), with no facts and no plan.
   */
  control?(args: A, vars: Record<string, unknown>): ControlOutcome;
  /** Variables the task's arguments read besides their templates (assert's `that` expressions), for deciding whether it reads run-time values. */
  reads?(rawArgs: unknown, local: LocalNames): string[];
  /** Variables the task sets for the rest of the run (set_fact's names), from its unrendered arguments: known before the run, like a `register:` name. */
  defines?(rawArgs: unknown): string[];
  /** Fields this type adds to a registered result, with what they mean (shown by `provision tasks NAME`). */
  resultFields?: Record<string, string>;
}

export interface ControlOutcome {
  failed: boolean;
  /** What the task says (debug's message, fail's msg, which assertion failed). */
  message: string;
  /** The outcome depends on a result check mode cannot know. */
  unknown?: boolean;
  /** meta: flush_handlers. */
  flushHandlers?: boolean;
  /** set_fact: variables the host has from now on, kept with its registered results. */
  facts?: Record<string, unknown>;
  /** What `register:` keeps besides `changed`/`failed`: the fields Ansible's module returns (debug's `msg` or its variable, assert's `assertion`...). Default: `msg`. */
  registers?: Record<string, unknown>;
}

export function defineTask<A, F extends Record<string, Fact<unknown>>>(t: TaskType<A, F>): TaskType<A, F> {
  return t;
}

/** Local file access for `resolveLocal`; relative paths are looked up beside the playbook. */
export interface LocalFiles {
  /** A handlebars template rendered with the host's variables. */
  template(src: string): string;
  /** A plain file's content. */
  file(src: string): string;
  /** The playbook's path: relative local paths that are not looked up (fetch's dest) are relative to its directory, as in Ansible. Unset in unit tests' stubs: `src` is then a plain file whose content `file` gives. */
  playbookFile?: string;
  /** Searched before the playbook's places for a relative `src` (a role's directory). */
  searchDirs?: string[];
}

/** The variable names local files read (a template file's), for a task type's `reads`. */
export interface LocalNames {
  /** Names a template file reads; [] when it cannot be found or read yet (expanding the task reports that). */
  template(src: string): string[];
}
