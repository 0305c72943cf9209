import { writeFileSync } from 'node:fs';
import type { HostRecap, RunEvent, TaskResult } from './runner.js';
import { redactDeep } from './secret.js';

/** Collects results for `--report FILE.json`: per host, per task, and a recap. Secrets are masked. */
export class ReportCollector {
  private readonly tasks = new Map<string, TaskResult[]>();
  private readonly started = Date.now();

  onEvent = (e: RunEvent): void => {
    if (e.type === 'task-result') {
      const list = this.tasks.get(e.result.host) ?? [];
      list.push(e.result);
      this.tasks.set(e.result.host, list);
    }
  };

  /** Every task result of the run, in order, per host. */
  results(): TaskResult[] {
    return [...this.tasks.values()].flat();
  }

  build(meta: { playbook: string; check: boolean }, recaps: HostRecap[]) {
    return redactDeep({
      version: 1,
      playbook: meta.playbook,
      check: meta.check,
      durationMs: Date.now() - this.started,
      hosts: Object.fromEntries(
        recaps.map((r) => [
          r.host,
          {
            recap: { ok: r.ok, changed: r.changed, failed: r.failed, skipped: r.skipped, unreachable: r.unreachable, rescued: r.rescued, ignored: r.ignored, roundTrips: r.roundTrips, error: r.error },
            tasks: (this.tasks.get(r.host) ?? []).map((t) => ({
              name: t.task,
              play: t.play,
              type: t.type,
              handler: t.handler,
              status: t.status,
              changed: t.changed,
              simulated: t.simulated,
              ...(t.item !== undefined ? { item: t.item } : {}),
              ...(t.handled ? { handled: t.handled } : {}),
              ...(t.unknown ? { unknown: true } : {}),
              message: t.message,
              diff: t.diff ?? null,
              durationMs: t.durationMs,
            })),
          },
        ]),
      ),
    });
  }

  write(file: string, meta: { playbook: string; check: boolean }, recaps: HostRecap[]): void {
    writeFileSync(file, `${JSON.stringify(this.build(meta, recaps), null, 2)}\n`);
  }
}
