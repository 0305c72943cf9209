import type { ReportHost, ReportTask, RunReport } from '../report.js';
import { esc } from './escape.js';
import { SCRIPT } from './script.js';
import { STYLE } from './style.js';

/** A task taking at least this share of the run's slowest task (and at least SLOW_MIN_MS) is marked slow: the few that matter stand out. */
const SLOW_SHARE = 0.5;
const SLOW_MIN_MS = 1000;

/**
 * The run report as one self-contained HTML page (CSS and script inline,
 * nothing loaded from anywhere): the recap, failures first, a timeline per
 * host (a bar per task, coloured by status, slow ones marked), each change
 * with its diff. Every string from the report is escaped; secrets are already
 * masked in the report.
 */
export function renderHtml(report: RunReport): string {
  const hosts = orderHosts(report);
  const all = hosts.flatMap(([host, h]) => h.tasks.map((t) => ({ host, t })));
  const slowest = Math.max(0, ...all.map((x) => x.t.durationMs));
  const slowAt = Math.max(SLOW_MIN_MS, slowest * SLOW_SHARE);
  const failures = all.filter((x) => x.t.status === 'failed');
  const changes = all.filter((x) => x.t.changed);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(`provision: ${report.playbook}`)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${esc(report.playbook)}${report.check ? ' <span class="badge s-skipped">check mode</span>' : ''}</h1>
<div class="meta">provision ${esc(report.provisionVersion)} · ${esc(report.startedAt)} → ${esc(report.endedAt)} · ${seconds(report.durationMs)}</div>
${filters(hosts)}
<h2>Recap</h2>
${recapTable(hosts)}
<h2 id="failures">Failures (${failures.length})</h2>
${failures.length ? failures.map(({ host, t }) => card(host, t, 'failed')).join('\n') : '<p>None.</p>'}
<h2 id="timeline">Timeline</h2>
${hosts.map(([host, h]) => timeline(host, h, report, slowAt)).join('\n')}
<h2 id="changes">${report.check ? 'Would change' : 'Changes'} (${changes.length})</h2>
${changes.length ? changes.map(({ host, t }) => card(host, t, 'changed')).join('\n') : '<p>None.</p>'}
<script>${SCRIPT}</script>
</body></html>
`;
}

/** Hosts with failures first, then unreachable ones, then the rest in run order. */
function orderHosts(report: RunReport): [string, ReportHost][] {
  const rank = (h: ReportHost): number => (h.recap.failed ? 0 : h.recap.unreachable ? 1 : 2);
  return Object.entries(report.hosts)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e[1]) - rank(b.e[1]) || a.i - b.i)
    .map((x) => x.e);
}

function hostStatuses(h: ReportHost): string {
  const s = new Set(h.tasks.map((t) => t.status));
  if (h.recap.unreachable) s.add('failed');
  return [...s].join(' ');
}

function filters(hosts: [string, ReportHost][]): string {
  const opts = hosts.map(([host]) => `<option value="${esc(host)}">${esc(host)}</option>`).join('');
  const statuses = ['failed', 'changed', 'ok', 'skipped'].map((s) => `<option value="${s}">${s}</option>`).join('');
  return `<div class="filters">Host <select id="f-host"><option value="">all</option>${opts}</select>
 Status <select id="f-status"><option value="">all</option>${statuses}</select> <span id="f-count"></span></div>`;
}

function recapTable(hosts: [string, ReportHost][]): string {
  const cols = ['ok', 'changed', 'failed', 'skipped', 'unreachable', 'rescued', 'ignored'] as const;
  const rows = hosts.map(([host, h]) => {
    const cells = cols.map((c) => `<td class="${h.recap[c] && (c === 'failed' || c === 'unreachable') ? 'n-failed' : h.recap[c] && c === 'changed' ? 'n-changed' : ''}">${h.recap[c]}</td>`).join('');
    const error = h.recap.error ? `<div class="where">${esc(h.recap.error)}</div>` : '';
    return `<tr class="recap" data-host="${esc(host)}" data-status="${hostStatuses(h)}"><td>${esc(host)}${error}</td>${cells}</tr>`;
  });
  return `<table><tr><th>host</th>${cols.map((c) => `<th>${c}</th>`).join('')}</tr>\n${rows.join('\n')}</table>`;
}

function taskName(t: ReportTask): string {
  return t.item !== undefined ? `${t.name} [${t.item}]` : t.name;
}

function statusLabel(t: ReportTask): string {
  if (t.status === 'failed' && t.handled) return `failed (${t.handled})`;
  if (t.changed && t.simulated) return 'would change';
  return t.status;
}

function card(host: string, t: ReportTask, kind: 'failed' | 'changed'): string {
  const output = [t.stdout ? `<div>stdout</div><pre>${esc(t.stdout)}</pre>` : '', t.stderr ? `<div>stderr</div><pre>${esc(t.stderr)}</pre>` : ''].join('');
  return `<div class="card ${kind}" data-host="${esc(host)}" data-status="${t.status}">
<span class="badge s-${t.status}">${esc(statusLabel(t))}</span> <b>${esc(host)}</b> · ${esc(taskName(t))} ${t.where ? `<span class="where">${esc(t.where)}</span>` : ''}
<div>${esc(t.message)}</div>${t.diff ? diffBlock(t.diff) : ''}${output}</div>`;
}

function diffBlock(diff: string): string {
  const lines = diff.split('\n').map((l) => {
    const cls = l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : '';
    return cls ? `<span class="${cls}">${esc(l)}</span>` : `${esc(l)}\n`;
  });
  return `<pre class="diff">${lines.join('')}</pre>`;
}

/** One row per task execution: a bar from its start to its end, on the run's time axis. */
function timeline(host: string, h: ReportHost, report: RunReport, slowAt: number): string {
  const t0 = Date.parse(report.startedAt);
  const span = Math.max(1, report.durationMs);
  const pct = (ms: number): string => `${Math.min(100, Math.max(0, (ms / span) * 100)).toFixed(2)}%`;
  const rows = h.tasks.map((t) => {
    const start = Date.parse(t.startedAt) - t0;
    const slow = t.durationMs >= slowAt;
    const tip = `${taskName(t)}: ${statusLabel(t)}, ${seconds(t.durationMs)}${t.where ? ` (${t.where})` : ''}`;
    return `<div class="row${slow ? ' slow' : ''}" data-host="${esc(host)}" data-status="${t.status}" title="${esc(tip)}"><span class="label">${slow ? '<span class="badge s-skipped">slow</span> ' : ''}${esc(taskName(t))}</span><span class="track"><span class="bar s-${t.status}" style="left:${pct(start)};width:${pct(t.durationMs)}"></span></span><span class="dur">${seconds(t.durationMs)}</span></div>`;
  });
  const none = h.recap.unreachable ? `<div class="where">unreachable: ${esc(h.recap.error ?? '')}</div>` : h.tasks.length ? '' : '<div>no tasks</div>';
  return `<section class="host" data-host="${esc(host)}" data-status="${hostStatuses(h)}"><h3>${esc(host)}</h3>${none}\n${rows.join('\n')}</section>`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms / 1000)} s`;
}
