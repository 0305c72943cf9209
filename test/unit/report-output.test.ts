import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, taskAnnotation, workflowCommand } from '../../src/output/annotations.js';
import { junitXml } from '../../src/output/junit.js';
import { esc } from '../../src/report-html/escape.js';
import { renderHtml } from '../../src/report-html/render.js';
import { boundedOutput, type RunReport } from '../../src/report.js';
import type { TaskResult } from '../../src/run/events.js';
import { MASK, Secret } from '../../src/secret.js';

const SECRET = 'P\'a"s$s`w\\o@r:d/#% x${Y}é';
new Secret(SECRET);

describe('boundedOutput', () => {
  it.each([
    ['nothing to do: empty', '', 10, ''],
    ['short output kept as is', 'hello\n', 10, 'hello\n'],
    ['exactly the limit', 'x'.repeat(10), 10, 'x'.repeat(10)],
    ['cut, with a note', 'x'.repeat(15), 10, `${'x'.repeat(10)}\n[… cut: 5 of 15 bytes not kept]`],
    ['a multi-byte character is not split', 'ab€€', 4, 'ab\n[… cut: 6 of 8 bytes not kept]'],
    ['a secret is masked before cutting (no half secret)', `ab${SECRET}`, 6, `ab${MASK.slice(0, 4)}\n[… cut: 4 of 10 bytes not kept]`],
  ])('%s', (_name, text, limit, expected) => {
    expect(boundedOutput(text, limit)).toBe(expected);
  });
});

describe('GitHub workflow command escaping (as @actions/core)', () => {
  it.each([
    ['nothing to do', 'plain text', 'plain text', 'plain text'],
    ['percent first', '100%', '100%25', '100%25'],
    ['line breaks', 'a\r\nb', 'a%0D%0Ab', 'a%0D%0Ab'],
    ['colon and comma only in properties', 'x: a, b', 'x: a, b', 'x%3A a%2C b'],
    ['an escape already there stays literal', '%0A', '%250A', '%250A'],
  ])('%s', (_name, input, data, property) => {
    expect(escapeData(input)).toBe(data);
    expect(escapeProperty(input)).toBe(property);
  });

  it('a command with and without properties', () => {
    expect(workflowCommand('error', {}, 'm')).toBe('::error::m');
    expect(workflowCommand('error', { file: 'a,b.yaml', line: '3' }, 'm')).toBe('::error file=a%2Cb.yaml,line=3::m');
  });

  it('a failed task: error at its file (relative to the workspace) and line; a handled one a warning; secrets masked', () => {
    const r: TaskResult = { host: 'web', play: 'p', task: 't', type: 'command', handler: false, status: 'failed', changed: false, simulated: false, message: `bad ${SECRET}\nline 2`, durationMs: 1, where: { file: '/ws/playbooks/site.yaml', line: 7 } };
    expect(taskAnnotation(r, '/ws')).toBe(`::error file=playbooks/site.yaml,line=7,title=web%3A t::bad ${MASK}%0Aline 2`);
    expect(taskAnnotation({ ...r, handled: 'ignored', item: 'a' }, '/ws')).toBe(`::warning file=playbooks/site.yaml,line=7,title=web%3A t [a] (ignored)::bad ${MASK}%0Aline 2`);
  });
});

const empty: RunReport = { version: 1, provisionVersion: '0.0.0', playbook: 'site.yaml', check: false, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, hosts: {} };

describe('reports of a run with nothing in it', () => {
  it('JUnit: an empty testsuites element', () => {
    expect(junitXml(empty)).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="provision site.yaml" tests="0" failures="0" errors="0" time="1.000">\n\n</testsuites>\n');
  });

  it('HTML: says there are no failures and no changes', () => {
    const page = renderHtml(empty);
    expect(page).toContain('Failures (0)');
    expect(page).toContain('Changes (0)');
  });
});

describe('escaping', () => {
  it.each([
    ['nothing to do', 'plain', 'plain'],
    ['markup', '<script>x</script>', '&lt;script&gt;x&lt;/script&gt;'],
    ['quotes and ampersand', `a"b'c&d`, 'a&quot;b&#39;c&amp;d'],
  ])('HTML %s', (_name, input, expected) => {
    expect(esc(input)).toBe(expected);
  });

  it('HTML and JUnit carry a task named like markup as text, and control characters XML cannot hold as U+FFFD', () => {
    const task = { name: '<img src=x onerror=alert(1)> & "q"\u0001', play: 'p', type: 'command', handler: false, status: 'failed' as const, changed: false, simulated: false, message: ']]></failure><x>', diff: null, startedAt: empty.startedAt, endedAt: empty.endedAt, durationMs: 5 };
    const report: RunReport = { ...empty, hosts: { 'h"1': { recap: { ok: 0, changed: 0, failed: 1, skipped: 0, unreachable: 0, rescued: 0, ignored: 0, roundTrips: 1 }, tasks: [task] } } };
    const page = renderHtml(report);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const xml = junitXml(report);
    expect(xml).toContain('name="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;\uFFFD"');
    expect(xml).toContain('<failure message="]]&gt;&lt;/failure&gt;&lt;x&gt;" type="failed">]]&gt;&lt;/failure&gt;&lt;x&gt;</failure>');
    expect(xml).toContain('classname="h&quot;1"');
  });
});
