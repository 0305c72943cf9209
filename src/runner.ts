/** The runner: one scheduler (run-all), one host (host-run), one play (play-run), one task (task-run). */
export { runAll } from './run/run-all.js';
export { runHost, type RunOptions } from './run/host-run.js';
export type { HostRecap, RunEvent, TaskResult, TaskStatus } from './run/events.js';
