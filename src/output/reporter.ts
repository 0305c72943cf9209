import type { HostRecap, RunEvent, TaskResult } from '../runner.js';
import { redact } from '../secret.js';
import { diffBlock, outputBlock, paint, recapLines, resultLine, type Style } from './format.js';
import { factLines, planLines } from './plan-lines.js';

export interface ReporterOptions {
  diff: boolean;
  /** 0: results only; 1 (-v): every step and each command's output; 2 (-vv): also the facts read and the plan; 3: also SSH (src/commands/run.ts). */
  verbose: number;
  style: Style;
  write: (text: string) => void;
}

/**
 * Plain, line-by-line output for CI logs and pipes: one line per host event
 * and task result, diffs indented below, a recap at the end.
 */
export class PlainReporter {
  constructor(private readonly o: ReporterOptions) {}

  onEvent = (e: RunEvent): void => {
    switch (e.type) {
      case 'run-start':
        this.check = e.check;
        break;
      case 'host-start':
        if (this.o.verbose) this.o.write(`${e.host} | connecting`);
        break;
      case 'task-start':
        if (this.o.verbose) this.o.write(`${e.host} | ${paint(this.o.style, 'gray', 'running')} | ${e.task}`);
        break;
      case 'task-alive':
        this.o.write(`${e.host} | ${paint(this.o.style, 'gray', 'running')} | ${e.task} | still running after ${Math.round(e.elapsedMs / 1000)} s`);
        break;
      case 'task-plan':
        if (this.o.verbose >= 2) this.plan(e);
        break;
      case 'task-result':
        this.result(e.result);
        break;
      case 'host-end':
        if (e.recap.unreachable) this.o.write(paint(this.o.style, 'red', redact(`${e.recap.host} | UNREACHABLE | ${e.recap.error ?? ''}`)));
        break;
    }
  };

  private check = false;

  /** -vv: `host | facts | task | name = value`, then `host | plan | task | summary` with its steps indented below. */
  private plan(e: Extract<RunEvent, { type: 'task-plan' }>): void {
    const label = `${e.handler ? `handler: ${e.task}` : e.task}${e.item !== undefined ? ` (item=${e.item})` : ''}`;
    const line = (kind: string, text: string): void => this.o.write(redact(`${e.host} | ${paint(this.o.style, 'gray', kind)} | ${label} | ${text}`));
    for (const f of factLines(e.facts)) line('facts', f);
    for (const c of planLines(e.plan)) {
      line('plan', c.text);
      for (const s of c.steps) this.o.write(`    ${paint(this.o.style, 'gray', 'step|')} ${s}`);
    }
  }

  private result(r: TaskResult): void {
    this.o.write(resultLine(r, this.o.style));
    if (this.o.verbose >= 1) for (const l of outputBlock(r, this.o.style)) this.o.write(l);
    // In check mode the diff is the point: always shown.
    if (r.diff && (this.o.diff || this.check)) this.o.write(diffBlock(r.diff, this.o.style));
  }

  async finish(recaps: HostRecap[]): Promise<void> {
    this.o.write('');
    for (const l of recapLines(recaps, this.o.style)) this.o.write(l);
  }
}
