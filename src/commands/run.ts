import { EXIT } from '../exit-codes.js';
import { wantsColor } from '../output/format.js';
import { lineBatch } from '../output/line-batch.js';
import { PlainReporter } from '../output/reporter.js';
import { writeFileSync } from 'node:fs';
import { ReportCollector, type RunReport } from '../report.js';
import { redact } from '../secret.js';
import { runAll, type HostRecap, type RunEvent } from '../runner.js';
import { StepGate } from '../run/step.js';
import type { HostRun } from '../compile.js';
import type { Secret } from '../secret.js';
import { loadAndCompile, resolveEndpoints, type LoadOptions } from './load.js';

export interface RunCommandOptions extends LoadOptions {
  check: boolean;
  diff: boolean;
  failOnChange: boolean;
  forks: number;
  report?: string;
  /** -v count (a boolean from `provision test`'s --verbose). */
  verbose: number | boolean;
  /** --report-html FILE: the run report as one self-contained HTML page. */
  reportHtml?: string;
  /** --junit FILE: JUnit XML for CI systems. */
  junit?: string;
  acceptNewHostKeys: boolean;
  /** false: ansible.cfg / $ANSIBLE_HOST_KEY_CHECKING host_key_checking = False (src/settings/). */
  hostKeyChecking?: boolean;
  connectTimeout: number;
  /** ssh_config file (--ssh-config). */
  sshConfig?: string;
  /** sudo password asked for by --ask-become-pass. */
  becomePassword?: Secret;
  /** --step: ask before each task (src/run/step.ts). */
  step?: boolean;
}

/** `provision PLAYBOOK`: compile (no host touched if that fails), run, report; returns the exit status. */
export async function runPlaybook(playbookFile: string, o: RunCommandOptions): Promise<number> {
  const runs = loadAndCompile(playbookFile, o);
  resolveEndpoints(runs, o.sshConfig);
  return (await executeRuns(playbookFile, runs, o)).exitCode;
}

export interface RunOutcome {
  exitCode: number;
  recaps: HostRecap[];
  report: ReportCollector;
}

export async function executeRuns(playbookFile: string, runs: HostRun[], o: RunCommandOptions): Promise<RunOutcome> {
  const color = wantsColor(process.env, process.stdout.isTTY === true);
  const verbosity = Number(o.verbose);
  const style = { color };
  const report = new ReportCollector();
  const abort = new AbortController();
  // stdout's lines go out a batch per event-loop turn (src/output/line-batch.ts); anything written
  // to stderr or asked on the terminal flushes them first, so the order stays what it was.
  const out = lineBatch((chunk) => void process.stdout.write(chunk));
  const warn = (text: string): void => {
    out.flush();
    process.stderr.write(text);
  };
  // --step: where answers come from is settled now, so a run nobody can answer stops before any host.
  const prompt = o.step ? (await import('../output/step-prompt.js')).openStepPrompt() : undefined;
  const step = prompt
    ? new StepGate(async (question) => {
        out.flush();
        const reply = await prompt.ask(question);
        if (reply === null && !abort.signal.aborted) {
          warn('--step: no more answers (end of input): finishing the running tasks, then stopping.\n');
          abort.abort();
        }
        return reply;
      })
    : undefined;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) {
      out.flush();
      process.exit(EXIT.interrupted);
    }
    warn('\nInterrupted: finishing the running task on each host, then stopping (Ctrl-C again to quit at once).\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const options = {
    check: o.check,
    diff: o.diff || o.check,
    forks: o.forks,
    connect: {
      acceptNewHostKeys: o.acceptNewHostKeys,
      hostKeyChecking: o.hostKeyChecking,
      onUncheckedHostKey: (host: string, note: string) => warn(`[WARNING]: ${host}: ${note}\n`),
      connectTimeoutMs: o.connectTimeout * 1000,
      sshConfig: o.sshConfig,
      becomePassword: o.becomePassword,
      // -vvv: the SSH exchange, as `ssh -vvv` would show it (ssh2's own log lines), masked like all output.
      ...(verbosity >= 3 ? { sshDebug: (host: string, line: string) => out.line(redact(`${host} | ssh | ${line}`)) } : {}),
    },
    signal: abort.signal,
    step,
  };
  let recaps: HostRecap[];
  // A dumb terminal cannot redraw lines: plain output there.
  // --step asks on the terminal: the live view's redrawing would overwrite the questions.
  const live = process.stdout.isTTY === true && !process.env.CI && process.env.TERM !== 'dumb' && verbosity === 0 && !step;
  try {
    // One scheduler (runAll); the live view or the plain lines, and the report, listen to its events.
    // listr2 loads only for a terminal: plain runs (CI, pipes, benchmarks) skip its start-up cost.
    const view = live
      ? new (await import('../output/live.js')).LiveView(style, o.diff || o.check)
      : new PlainReporter({ diff: o.diff, verbose: verbosity, style, write: out.line });
    // In GitHub Actions, a failed task also becomes an annotation on its playbook line.
    const annotations = process.env.GITHUB_ACTIONS === 'true' ? new (await import('../output/annotations.js')).GithubAnnotations(out.line, process.env.GITHUB_WORKSPACE || process.cwd()) : undefined;
    recaps = await runAll(runs, options, (e: RunEvent) => {
      report.onEvent(e);
      view.onEvent(e);
      annotations?.onEvent(e);
    });
    await view.finish(recaps);
  } finally {
    out.flush();
    process.off('SIGINT', onSigint);
    prompt?.close();
  }
  await writeReports(report.build({ playbook: playbookFile, check: o.check }, recaps), o);
  return { exitCode: exitStatus(recaps, o, abort.signal.aborted), recaps, report };
}

/** The files asked for with --report, --report-html and --junit, all from the same masked report. */
async function writeReports(built: RunReport, o: RunCommandOptions): Promise<void> {
  if (o.report) writeFileSync(o.report, `${JSON.stringify(built, null, 2)}\n`);
  if (o.reportHtml) writeFileSync(o.reportHtml, (await import('../report-html/render.js')).renderHtml(built));
  if (o.junit) writeFileSync(o.junit, (await import('../output/junit.js')).junitXml(built));
}

function exitStatus(recaps: HostRecap[], o: RunCommandOptions, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  if (recaps.some((r) => r.failed > 0)) return EXIT.hostFailed;
  if (recaps.some((r) => r.unreachable > 0)) return EXIT.unreachable;
  if (o.check && o.failOnChange && recaps.some((r) => r.changed > 0)) return EXIT.drift;
  return EXIT.ok;
}
