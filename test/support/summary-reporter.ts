import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one `FAILED file > test: first line of the error` line per failed test, then
 * the plain line `N passed, N failed, N skipped`, which CI reads to know how many tests ran
 * (vitest's own summary has another shape). The failures are repeated here because CI keeps only
 * the tail of a long log: the name of what failed must be in it.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const failures: string[] = [];
    for (const m of modules) {
      const before = failed;
      for (const t of m.children.allTests()) {
        const result = t.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') {
          failed++;
          failures.push(`FAILED ${m.moduleId.replace(`${process.cwd()}/`, '')} > ${t.fullName}: ${firstLine(result.errors?.[0]?.message)}`);
        } else skipped++;
      }
      // A file that failed to load, or whose hook failed (its tests then count as skipped), is a failure all the same.
      if (m.state() === 'failed' && failed === before) {
        failed++;
        const suiteError = [...m.children.allSuites()].flatMap((suite) => suite.errors())[0];
        failures.push(`FAILED ${m.moduleId.replace(`${process.cwd()}/`, '')}: ${firstLine((m.errors()[0] ?? suiteError)?.message)}`);
      }
    }
    const listed = failures.length > 0 ? `\n${failures.join('\n')}` : '';
    process.stdout.write(`${listed}\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

function firstLine(message: string | undefined): string {
  return (message ?? 'no message').split('\n')[0]!.slice(0, 300);
}
