import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';
import type { HostRecap, RunEvent, TaskResult, TaskStatus } from './runner.js';
import { redact, redactDeep } from './secret.js';

/** A command's stdout or stderr kept in a report: enough to see what happened, never megabytes. */
export const OUTPUT_LIMIT_BYTES = 4096;

/** One task execution (one loop item) in the report. */
export interface ReportTask {
  name: string;
  play: string;
  type: string;
  handler: boolean;
  status: TaskStatus;
  changed: boolean;
  simulated: boolean;
  item?: string;
  handled?: 'rescued' | 'ignored';
  unknown?: boolean;
  message: string;
  diff: string | null;
  /** The task in its playbook, `file:line`. */
  where?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  stdout?: string;
  stderr?: string;
}

export interface ReportHost {
  recap: Omit<HostRecap, 'host'>;
  tasks: ReportTask[];
}

/** The `--report FILE.json` document; also what the HTML report and JUnit are made from. */
export interface RunReport {
  version: 1;
  provisionVersion: string;
  playbook: string;
  check: boolean;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  hosts: Record<string, ReportHost>;
}

/** Collects results for `--report FILE.json`: per host, per task, and a recap. Secrets are masked. */
export class ReportCollector {
  private readonly tasks = new Map<string, ReportTask[]>();
  private readonly results_: TaskResult[] = [];
  private readonly started = Date.now();

  onEvent = (e: RunEvent): void => {
    if (e.type === 'task-result') {
      // The result arrives as the task ends: its start is its duration earlier.
      const ended = Date.now();
      const list = this.tasks.get(e.result.host) ?? [];
      list.push(reportTask(e.result, ended - e.result.durationMs, ended));
      this.tasks.set(e.result.host, list);
      this.results_.push(e.result);
    }
  };

  /** Every task result of the run, in order. */
  results(): TaskResult[] {
    return [...this.results_];
  }

  build(meta: { playbook: string; check: boolean }, recaps: HostRecap[], ended = Date.now()): RunReport {
    return redactDeep({
      version: 1 as const,
      provisionVersion: provisionVersion(),
      playbook: meta.playbook,
      check: meta.check,
      startedAt: new Date(this.started).toISOString(),
      endedAt: new Date(ended).toISOString(),
      durationMs: ended - this.started,
      hosts: Object.fromEntries(
        recaps.map((r) => {
          const { host, ...recap } = r;
          return [host, { recap, tasks: this.tasks.get(host) ?? [] }];
        }),
      ),
    });
  }
}

function reportTask(t: TaskResult, started: number, ended: number): ReportTask {
  // Built field by field, not by spreading optional objects: one entry per task and host
  // (22,000 at 1,000 hosts), where each spread was an object made and copied; same keys, same order.
  const r: ReportTask = { name: t.task, play: t.play, type: t.type, handler: t.handler, status: t.status, changed: t.changed, simulated: t.simulated } as ReportTask;
  if (t.item !== undefined) r.item = t.item;
  if (t.handled) r.handled = t.handled;
  if (t.unknown) r.unknown = true;
  r.message = t.message;
  r.diff = t.diff ?? null;
  if (t.where?.line !== undefined) r.where = `${t.where.file}:${t.where.line}`;
  r.startedAt = isoTime(started);
  r.endedAt = isoTime(ended);
  r.durationMs = t.durationMs;
  if (t.stdout !== undefined) r.stdout = boundedOutput(t.stdout);
  if (t.stderr !== undefined) r.stderr = boundedOutput(t.stderr);
  return r;
}

/** A millisecond time as ISO text; results arrive many in the same millisecond, each string made once. */
function isoTime(ms: number): string {
  if (ms !== lastIso.ms) lastIso = { ms, text: new Date(ms).toISOString() };
  return lastIso.text;
}

let lastIso = { ms: NaN, text: '' };

/**
 * Masks secrets, then keeps the first OUTPUT_LIMIT_BYTES bytes with a note of
 * what was cut. Masking first: a secret cut in half would no longer be found.
 */
export function boundedOutput(text: string, limit = OUTPUT_LIMIT_BYTES): string {
  const masked = redact(text);
  const bytes = Buffer.from(masked, 'utf8');
  if (bytes.length <= limit) return masked;
  // A character cut in the middle decodes as U+FFFD: dropped.
  const kept = bytes.subarray(0, limit).toString('utf8').replace(/\uFFFD+$/, '');
  return `${kept}\n[… cut: ${bytes.length - Buffer.byteLength(kept)} of ${bytes.length} bytes not kept]`;
}

let cachedVersion: string | undefined;
export function provisionVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
