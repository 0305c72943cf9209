import { colorizeDiff } from '../diff.js';
import type { HostRecap, TaskResult } from '../runner.js';
import { redact } from '../secret.js';

export interface Style {
  color: boolean;
}

/**
 * Whether to colour output, by the conventions terminals and CI systems use, in
 * Node's order: FORCE_COLOR=0 (or false) is off and any other FORCE_COLOR is on,
 * whatever else says; then NO_COLOR (non-empty) is off, TERM=dumb is off, and
 * otherwise colour goes to a terminal only.
 */
export function wantsColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

const codes = { green: 32, yellow: 33, red: 31, cyan: 36, gray: 90, bold: 1 } as const;

export function paint(style: Style, color: keyof typeof codes, text: string): string {
  return style.color ? `\x1b[${codes[color]}m${text}\x1b[0m` : text;
}

const statusColor = { ok: 'green', changed: 'yellow', skipped: 'cyan', failed: 'red' } as const;

/** One grep-able line per task result: `host | changed | task name | what`. */
export function resultLine(r: TaskResult, style: Style): string {
  const status = r.status === 'changed' && r.simulated ? 'would change' : r.status === 'failed' && r.handled ? `failed (${r.handled})` : r.unknown && r.status === 'skipped' ? 'unknown' : r.status;
  const label = `${r.handler ? `handler: ${r.task}` : r.task}${r.item !== undefined ? ` (item=${r.item})` : ''}`;
  return redact(`${r.host} | ${paint(style, statusColor[r.status], status)} | ${label} | ${r.message}`);
}

/** A command's output under its result line (-v), indented, masked: `stdout| ...`, `stderr| ...`. */
export function outputBlock(r: Pick<TaskResult, 'stdout' | 'stderr'>, style: Style): string[] {
  const block = (label: string, text: string | undefined): string[] =>
    text ? redact(text.replace(/\n$/, '')).split('\n').map((l) => `    ${paint(style, 'gray', `${label}|`)} ${l}`) : [];
  return [...block('stdout', r.stdout), ...block('stderr', r.stderr)];
}

export function diffBlock(diff: string, style: Style): string {
  const text = style.color ? colorizeDiff(diff) : diff;
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Ansible's familiar recap. */
export function recapLines(recaps: HostRecap[], style: Style): string[] {
  const width = Math.max(4, ...recaps.map((r) => r.host.length));
  const lines = [paint(style, 'bold', 'RECAP')];
  for (const r of recaps) {
    const bad = r.failed > 0 || r.unreachable > 0;
    const name = paint(style, bad ? 'red' : r.changed ? 'yellow' : 'green', r.host.padEnd(width));
    lines.push(
      `${name} : ok=${r.ok} changed=${r.changed} failed=${r.failed} skipped=${r.skipped} unreachable=${r.unreachable}${r.rescued ? ` rescued=${r.rescued}` : ''}${r.ignored ? ` ignored=${r.ignored}` : ''}` + (r.error ? `\n${' '.repeat(width)}   ${paint(style, 'red', redact(r.error))}` : ''),
    );
  }
  return lines;
}
