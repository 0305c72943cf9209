import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
/** The command as installed: the launcher of the bundled CLI (`npm run build`). */
export const CLI = join(ROOT, 'bin', 'provision.cjs');

export interface ProvisionResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Parsed --report JSON (absent when the run stopped before running, e.g. bad input). */
  report?: Report;
}

export interface Report {
  hosts: Record<string, { recap: { ok: number; changed: number; failed: number; skipped: number; unreachable: number; roundTrips: number; error?: string }; tasks: { name: string; status: string; changed: boolean; message: string; diff: string | null; type: string; handler: boolean }[] }>;
}

/**
 * The CLI's subcommands (`provision --help` lists the same: test/integration/cli-flags.test.ts checks it).
 * Anything else first on the command line is a playbook run, which gets --report.
 */
/** A playbook that fails unless its task ran as root: the failure names the user, so the exit status tells who ran it. */
export const WHOAMI_PLAYBOOK = `- hosts: all
  tasks:
    - name: who
      command: id -un
      register: who
    - name: must be root
      fail: { msg: "ran as {{ who.stdout }}" }
      when: who.stdout != 'root'
`;

export const SUBCOMMANDS = ['validate', 'config', 'inventory', 'sandbox', 'test', 'vault', 'report', 'init', 'tasks', 'schema', 'completion', '__complete'];

export interface RunCliOptions {
  /** Piped to the CLI's stdin (--step answers); without it stdin is /dev/null. */
  input?: string;
  /** Start the CLI in a session of its own, without a controlling terminal (no /dev/tty to ask on). */
  noTerminal?: boolean;
}

/** Runs the built CLI as a user would, with --report on a playbook run, and returns everything it said. */
export async function runCli(args: string[], env: Record<string, string> = {}, options: RunCliOptions = {}): Promise<ProvisionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-run-'));
  const reportFile = join(dir, 'report.json');
  const withReport = SUBCOMMANDS.includes(args[0]) ? args : [...args, '--report', reportFile];
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...withReport], {
      env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: options.noTerminal === true,
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as Report) : undefined;
      resolvePromise({ exitCode: code ?? -1, stdout, stderr, report });
    });
  });
}

/** Writes files (playbook, templates…) into a fresh directory; returns its path. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-project-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

/** Sum of a report's recaps over hosts. */
export function totals(report: Report | undefined): { ok: number; changed: number; failed: number; skipped: number; unreachable: number } {
  const t = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 };
  for (const h of Object.values(report?.hosts ?? {})) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += h.recap[k];
  return t;
}
