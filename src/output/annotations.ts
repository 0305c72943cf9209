import { isAbsolute, relative } from 'node:path';
import type { RunEvent, TaskResult } from '../runner.js';
import { redact } from '../secret.js';

/**
 * GitHub Actions workflow commands: a failed task becomes an error annotation
 * on its playbook file and line (a handled one, rescued or ignored, a warning),
 * an unreachable host an error. Printed on stdout as the events arrive.
 */
export class GithubAnnotations {
  constructor(
    private readonly write: (line: string) => void,
    /** Paths are shown relative to the checkout (GitHub matches them against the repository). */
    private readonly workspace: string,
  ) {}

  onEvent = (e: RunEvent): void => {
    if (e.type === 'task-result' && e.result.status === 'failed') this.write(taskAnnotation(e.result, this.workspace));
    if (e.type === 'host-end' && e.recap.unreachable) this.write(workflowCommand('error', { title: `${e.recap.host}: unreachable` }, redact(e.recap.error ?? 'unreachable')));
  };
}

export function taskAnnotation(r: TaskResult, workspace: string): string {
  const item = r.item !== undefined ? ` [${r.item}]` : '';
  const props: Record<string, string> = {};
  if (r.where) {
    props.file = isAbsolute(r.where.file) ? relative(workspace, r.where.file) : r.where.file;
    if (r.where.line !== undefined) props.line = String(r.where.line);
  }
  props.title = `${r.host}: ${r.task}${item}${r.handled ? ` (${r.handled})` : ''}`;
  return workflowCommand(r.handled ? 'warning' : 'error', props, redact(r.message));
}

/** `::command k=v,k=v::message`, escaped as GitHub's toolkit does (escapeData, escapeProperty). */
export function workflowCommand(command: string, props: Record<string, string>, message: string): string {
  const list = Object.entries(props).map(([k, v]) => `${k}=${escapeProperty(v)}`);
  return `::${command}${list.length ? ` ${list.join(',')}` : ''}::${escapeData(message)}`;
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
