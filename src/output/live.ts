import { Listr, type ListrTaskWrapper } from 'listr2';
import type { HostRecap, RunEvent, TaskResult } from '../runner.js';
import { redact } from '../secret.js';
import { diffBlock, recapLines, resultLine, type Style } from './format.js';

/**
 * Live progress on a terminal with listr2: one line per host showing the task
 * it is on and its counts so far. It only listens to the runner's events (the
 * runner is the one scheduler); diffs and failures are printed after the live
 * view ends, so they don't scroll away inside it.
 */
export class LiveView {
  private readonly hosts = new Map<string, { wrapper?: ListrTaskWrapper<unknown, any, any>; done: () => void; finished: Promise<void>; recap?: HostRecap }>();
  private readonly results: TaskResult[] = [];
  private list?: Promise<void>;

  constructor(
    private readonly style: Style,
    private readonly showDiff: boolean,
  ) {}

  onEvent = (e: RunEvent): void => {
    switch (e.type) {
      case 'run-start':
        this.start(e.hosts);
        break;
      case 'task-start': {
        const w = this.hosts.get(e.host)?.wrapper;
        if (w) w.title = `${e.host}: ${e.handler ? 'handler: ' : ''}${e.task}`;
        break;
      }
      case 'task-alive': {
        const w = this.hosts.get(e.host)?.wrapper;
        if (w) w.output = `${e.task}: still running after ${Math.round(e.elapsedMs / 1000)} s`;
        break;
      }
      case 'task-result': {
        this.results.push(e.result);
        const w = this.hosts.get(e.result.host)?.wrapper;
        if (w) w.output = redact(`${e.result.status}: ${e.result.task}${e.result.item ? ` (${e.result.item})` : ''} — ${e.result.message}`);
        break;
      }
      case 'host-end': {
        const h = this.hosts.get(e.recap.host);
        if (h) {
          h.recap = e.recap;
          h.done();
        }
        break;
      }
      default:
        break;
    }
  };

  private start(names: string[]): void {
    for (const name of names) {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      this.hosts.set(name, { done, finished });
    }
    const list = new Listr(
      names.map((name) => ({
        title: `${name}: waiting`,
        task: async (_ctx: unknown, t: ListrTaskWrapper<unknown, any, any>) => {
          const h = this.hosts.get(name)!;
          h.wrapper = t;
          await h.finished;
          const r = h.recap!;
          const summary = `ok=${r.ok} changed=${r.changed} failed=${r.failed} skipped=${r.skipped}`;
          if (r.unreachable) throw new Error(redact(`${name}: unreachable: ${r.error ?? ''}`));
          if (r.failed) throw new Error(`${name}: ${summary}`);
          t.title = `${name}: ${summary}`;
        },
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    // Failures are in the recaps; listr2 only rethrows them.
    this.list = list.run().then(
      () => undefined,
      () => undefined,
    );
  }

  /** Waits for the live view to end, then prints changes and failures, and the recap. */
  async finish(recaps: HostRecap[]): Promise<void> {
    await this.list;
    for (const r of this.results) {
      if (r.status === 'failed' || r.status === 'changed') {
        process.stdout.write(`${resultLine(r, this.style)}\n`);
        if (r.diff && this.showDiff) process.stdout.write(`${diffBlock(r.diff, this.style)}\n`);
      }
    }
    process.stdout.write(`\n${recapLines(recaps, this.style).join('\n')}\n`);
  }
}
