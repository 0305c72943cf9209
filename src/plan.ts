import type { Secret } from './secret.js';

/**
 * What a task wants done, computed by a pure planner from its arguments and
 * the host's facts. The runner carries it out — or, in check mode, only shows
 * it. Task code never asks "is this check mode?".
 */
export interface Plan {
  /** Empty: nothing to do. */
  changes: Change[];
  /** Why nothing needs doing ("nginx, certbot already installed"). */
  ok?: string;
  /**
   * With nothing to do: what `register:` holds besides `changed` and `failed`
   * where the task's Ansible module returns more for that case (command skipped
   * by `creates:`); `check`: the same in check mode, which Ansible words differently.
   */
  okResult?: { run: Record<string, unknown>; check: Record<string, unknown> };
}

export interface Change {
  /** One line a person reads: "install nginx, certbot". */
  summary: string;
  diff?: Diff;
  steps: Step[];
}

export type Diff =
  /** A file's new content; the runner fetches the old content itself when a diff is wanted. */
  | { kind: 'file'; path: string; after: string | null; before?: string | null }
  /** Any before/after text (a rule list, a unit's state). */
  | { kind: 'text'; label: string; before: string; after: string }
  /** Free lines, e.g. "+ user alice" for htpasswd (never a hash). */
  | { kind: 'lines'; lines: string[] };

export type Step = RunStep | WriteStep | UploadStep | DownloadStep;

/** A shell command line built with `cmd()` from shell.ts. */
export interface RunStep {
  kind: 'run';
  command: string;
  /** Fed to the command's stdin (never its arguments): passwords, SQL with passwords. */
  stdin?: string | Secret;
  /**
   * Variables exported to the command, set by the script itself (which travels
   * on stdin), never as `env NAME=value` words on a command line.
   */
  environment?: Record<string, string | Secret>;
  /** A short label for error messages when the command itself would leak (rare). */
  label?: string;
}

/** Atomic file write: temp file in the same directory, fsync, rename. */
export interface WriteStep {
  kind: 'write';
  path: string;
  content: string | Secret;
  /**
   * How the content string becomes bytes. `latin1`: one character per byte, for
   * files whose lines a task must keep byte for byte whatever their encoding (htpasswd).
   */
  encoding?: 'utf8' | 'latin1';
  /** Octal string like "0640". Unset: keep the existing file's mode, or 0644 for a new file. */
  mode?: string;
  owner?: string;
  group?: string;
  /** Run after the file is in place; if it fails, the previous file is put back and the task fails. */
  validate?: string;
  /** Keep a copy of the replaced file as PATH.provision-backup-TIMESTAMP. */
  backup?: boolean;
}

/**
 * A controller file put in place on the host, atomically, like a write, but its
 * bytes travel over SFTP on the run's connection (a tree of files, a large or
 * binary file), never inside the script. The runner stages it in a private
 * directory of the login user (0700, the file 0600) and the step's script,
 * under sudo when the task has become, moves it into place and sets its owner
 * and mode. `sha256` is what the planner compared: the host checks the staged
 * bytes against it, so a local file edited mid-run is refused, not half-copied.
 */
export interface UploadStep {
  kind: 'upload';
  path: string;
  /** Absolute path on the controller. */
  local: string;
  sha256: string;
  /** Octal string. Unset: keep the replaced file's mode, or 0644 for a new file. */
  mode?: string;
  owner?: string;
  group?: string;
}

/**
 * A host file copied to the controller (fetch): over SFTP, into a temp file
 * beside `local`, checked against `sha256` (what the planner saw), renamed
 * into place. Under become, the script copies it first to the login user's
 * private staging directory (0600), as the login user may not read it.
 */
export interface DownloadStep {
  kind: 'download';
  path: string;
  /** Absolute path on the controller. */
  local: string;
  sha256: string;
}

export function nothingToDo(reason: string): Plan {
  return { changes: [], ok: reason };
}

export function run(command: string, stdin?: string | Secret): RunStep {
  return stdin === undefined ? { kind: 'run', command } : { kind: 'run', command, stdin };
}
