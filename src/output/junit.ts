import type { ReportTask, RunReport } from '../report.js';

/**
 * JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters): one
 * testsuite per host, one testcase per task execution (classname = host,
 * name = task [item]). A failure is a <failure>; an unreachable host an
 * <error>; a skipped task <skipped>; a change shows in <system-out>
 * ("changed: …" and the diff), as JUnit has no "changed" outcome.
 * Made from the (already masked) report.
 */
export function junitXml(report: RunReport): string {
  const suites = Object.entries(report.hosts).map(([host, h]) => {
    const cases = h.tasks.map((t) => testCase(host, t));
    if (h.recap.unreachable) cases.push(`    <testcase classname="${attr(host)}" name="connect" time="0">\n      <error message="${attr(h.recap.error ?? 'unreachable')}" type="unreachable">${text(h.recap.error ?? '')}</error>\n    </testcase>`);
    const failures = h.tasks.filter((t) => t.status === 'failed' && !t.handled).length;
    const skipped = h.tasks.filter((t) => t.status === 'skipped' || (t.status === 'failed' && t.handled)).length;
    const time = seconds(h.tasks.reduce((n, t) => n + t.durationMs, 0));
    const timestamp = (h.tasks[0]?.startedAt ?? report.startedAt).replace(/Z$/, '');
    return `  <testsuite name="${attr(host)}" tests="${cases.length}" failures="${failures}" errors="${h.recap.unreachable ? 1 : 0}" skipped="${skipped}" time="${time}" timestamp="${timestamp}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const all = Object.values(report.hosts);
  const count = (f: (h: (typeof all)[number]) => number): number => all.reduce((n, h) => n + f(h), 0);
  const tests = count((h) => h.tasks.length + (h.recap.unreachable ? 1 : 0));
  const failures = count((h) => h.tasks.filter((t) => t.status === 'failed' && !t.handled).length);
  const errors = count((h) => (h.recap.unreachable ? 1 : 0));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(`provision ${report.playbook}`)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(report.durationMs)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function testCase(host: string, t: ReportTask): string {
  const name = t.item !== undefined ? `${t.name} [${t.item}]` : t.name;
  const file = t.where ? ` file="${attr(t.where.replace(/:\d+$/, ''))}" line="${t.where.match(/:(\d+)$/)?.[1] ?? ''}"` : '';
  const open = `    <testcase classname="${attr(host)}" name="${attr(name)}" time="${seconds(t.durationMs)}"${file}>`;
  const body: string[] = [];
  // A failure that a rescue or ignore_errors handled did not fail the run: shown as skipped with why.
  if (t.status === 'failed' && t.handled) body.push(`      <skipped message="${attr(`failed, ${t.handled}: ${t.message}`)}"/>`);
  else if (t.status === 'failed') body.push(`      <failure message="${attr(t.message)}" type="failed">${text(t.message)}</failure>`);
  else if (t.status === 'skipped') body.push(`      <skipped message="${attr(t.message)}"/>`);
  const out = [t.changed ? `${t.simulated ? 'would change' : 'changed'}: ${t.message}` : '', t.diff ?? '', t.stdout ?? ''].filter(Boolean).join('\n');
  if (out) body.push(`      <system-out>${text(out)}</system-out>`);
  if (t.stderr) body.push(`      <system-err>${text(t.stderr)}</system-err>`);
  return body.length ? `${open}\n${body.join('\n')}\n    </testcase>` : open.replace(/>$/, '/>');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// XML 1.0 cannot carry most control characters, even escaped: they become U+FFFD.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
