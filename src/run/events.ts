/** What the runner reports. Every view (live terminal, plain lines, JSON report) only listens to these events. */

import type { SourceLocation } from '../errors.js';

export type TaskStatus = 'ok' | 'changed' | 'skipped' | 'failed';

export interface TaskResult {
  host: string;
  play: string;
  task: string;
  type: string;
  handler: boolean;
  status: TaskStatus;
  changed: boolean;
  /** The change was only planned, not carried out (check mode, or `check_mode: true`): shown as "would change". */
  simulated: boolean;
  /** Why nothing was done, what was (or would be) changed, or the error. */
  message: string;
  diff?: string;
  /** A loop item's label: each item has its own result line. */
  item?: string;
  /** A failure that does not stop the host: caught by a block's `rescue:`, or `ignore_errors`. */
  handled?: 'rescued' | 'ignored';
  /** Skipped because check mode cannot know its condition or arguments. */
  unknown?: boolean;
  durationMs: number;
  /** The task's place in its playbook: reports and CI annotations point there. */
  where?: SourceLocation;
  /** The paths the task manages (TaskType.files), when it ran or was planned: `provision test --rebuild` compares them. */
  files?: string[];
  /** What a command task printed (unmasked here: every report masks and bounds it). */
  stdout?: string;
  stderr?: string;
}

export interface HostRecap {
  host: string;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  rescued: number;
  ignored: number;
  roundTrips: number;
  error?: string;
}

export type RunEvent =
  | { type: 'run-start'; check: boolean; hosts: string[] }
  | { type: 'host-start'; host: string }
  | { type: 'task-start'; host: string; play: string; task: string; handler: boolean }
  | { type: 'task-result'; result: TaskResult }
  /** A long step is still running (apt installs, certificate issuance): shown so nobody wonders whether it hung. */
  | { type: 'task-alive'; host: string; task: string; elapsedMs: number }
  | { type: 'host-end'; recap: HostRecap }
  | { type: 'run-end'; recaps: HostRecap[] };

export function emptyRecap(host: string): HostRecap {
  return { host, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0, roundTrips: 0 };
}

/** Adds a result to its host's recap: a handled failure counts as rescued or ignored, not failed (as Ansible counts). */
export function countResult(recap: HostRecap, r: TaskResult): void {
  if (r.status === 'failed' && r.handled) recap[r.handled]++;
  else recap[r.status]++;
}
