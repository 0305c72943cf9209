import { Listr, type ListrTaskWrapper } from 'listr2';
import type { HostRun } from '../compile.js';
import { runHost, type HostRecap, type RunEvent, type RunOptions, type TaskResult } from '../runner.js';
import { redact } from '../secret.js';
import { diffBlock, recapLines, resultLine, type Style } from './format.js';

/**
 * Live progress on a terminal with listr2: one line per host showing the task
 * it is on and its counts so far. Diffs and failures are printed after the
 * live view ends, so they don't scroll away inside it.
 */
export async function runLive(runs: HostRun[], options: RunOptions, style: Style, onEvent: (e: RunEvent) => void, showDiff: boolean): Promise<HostRecap[]> {
  const recaps: HostRecap[] = [];
  const results: TaskResult[] = [];
  const list = new Listr(
    runs.map((run) => ({
      title: run.host.name,
      task: async (_ctx: unknown, t: ListrTaskWrapper<unknown, any, any>) => {
        const counts = { ok: 0, changed: 0, failed: 0, skipped: 0 };
        const recap = await runHost(run, options, (e) => {
          onEvent(e);
          if (e.type === 'task-start') t.title = `${run.host.name}: ${e.handler ? 'handler: ' : ''}${e.task}`;
          if (e.type === 'task-alive') t.output = `${e.task}: still running after ${Math.round(e.elapsedMs / 1000)} s`;
          if (e.type === 'task-result') {
            counts[e.result.status]++;
            results.push(e.result);
            t.output = redact(`${e.result.status}: ${e.result.task} — ${e.result.message}`);
          }
        });
        recaps.push(recap);
        const summary = `ok=${recap.ok} changed=${recap.changed} failed=${recap.failed} skipped=${recap.skipped}`;
        if (recap.unreachable) throw new Error(redact(`${run.host.name}: unreachable: ${recap.error ?? ''}`));
        if (recap.failed) throw new Error(`${run.host.name}: ${summary}`);
        t.title = `${run.host.name}: ${summary}`;
      },
    })),
    { concurrent: options.forks, exitOnError: false, rendererOptions: { collapseErrors: false } },
  );
  try {
    await list.run();
  } catch {
    // Failures are in the recaps; listr2 only rethrows them.
  }
  for (const r of results) {
    if (r.status === 'failed' || (r.status === 'changed')) {
      process.stdout.write(`${resultLine(r, style, options.check)}\n`);
      if (r.diff && showDiff) process.stdout.write(`${diffBlock(r.diff, style)}\n`);
    }
  }
  const order = new Map(runs.map((r, i) => [r.host.name, i]));
  recaps.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
  process.stdout.write(`\n${recapLines(recaps, style).join('\n')}\n`);
  return recaps;
}
