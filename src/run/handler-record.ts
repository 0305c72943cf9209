import type { RunStep } from '../plan.js';
import { nextContent, type HostRecord, type pendingHandlers, type RecordFile } from './pending-handlers.js';

/** The record steps of one apply script, and how to learn from its result what the host now holds. */
export interface ScriptRecord {
  /** Before the task's steps: the handlers it notifies (with what is no longer pending). */
  before: RunStep[];
  /** After the task's steps: what is no longer pending (a handler that has run, this script's own handler among them). */
  after: RunStep[];
  settle(result: { error?: unknown; failedStep?: number }): void;
}

/**
 * The host's record of pending handlers as this run knows it, kept right
 * without round trips of its own: each apply script carries the step that
 * brings its file up to date. Writes are whole contents, so a file whose state
 * is unsure (a script that died without saying which step failed) is simply
 * written again by the next script of its privilege. Notifications made
 * without a script (a debug or assert whose changed_when says changed) are
 * owed: the next script of their privilege writes them, or the end of the play.
 */
export class HandlerRecord {
  private readonly unsure = new Set<RecordFile>();
  private readonly owed: HostRecord = { root: [], user: [] };

  constructor(
    private readonly files: ReturnType<typeof pendingHandlers>,
    private readonly holds: HostRecord,
  ) {}

  /** Notifications of a task that runs no script on the host: written by the next script of `file`'s privilege, or at the end of the play. */
  owe(file: RecordFile, names: readonly string[]): void {
    this.owed[file] = [...new Set([...this.owed[file], ...names])];
  }

  /**
   * Steps for a script running with `file`'s privilege whose task notifies
   * `adding` if it changes. Its notifications are recorded before its steps,
   * so no moment exists where the host is changed and the record is not
   * (a connection lost mid-script, a signal); if the task then does not
   * change (it failed, changed_when said no), the next script takes them
   * back. A handler run once too often after a cut run beats one never run.
   * Taking back what is no longer pending goes after the steps: a handler
   * stays recorded until its script has succeeded. `ownKeys`: the keys of the
   * handler this script finishes, pending until its steps are done.
   */
  forScript(file: RecordFile, stillPending: (name: string) => boolean, adding: readonly string[], ownKeys: readonly string[] = []): ScriptRecord {
    const adds = [...adding, ...this.owed[file].filter((n) => stillPending(n) || ownKeys.includes(n))];
    const early = adds.length > 0 ? this.contentFor(file, (n) => stillPending(n) || ownKeys.includes(n), adds) : undefined;
    // After the steps, the task's own notifications are pending too (it changed, or the next script takes them back); the handler it finishes is not.
    const late = early ? nextContent(early, (n) => stillPending(n) || (adding.includes(n) && !ownKeys.includes(n)), []) : this.contentFor(file, stillPending, []);
    if (!early && !late) return { before: [], after: [], settle: () => {} };
    const final = late ?? early!;
    return {
      before: early ? [this.files.write(file, early)] : [],
      after: late ? [this.files.write(file, late)] : [],
      settle: ({ error, failedStep }) => {
        if (!error) return this.wrote(file, final);
        if (failedStep === undefined) return this.maybeWrote(file, final);
        // The steps are numbered from 0 across the script: the early step is 0, and ran if a later one failed.
        if (early && failedStep > 0) this.wrote(file, early);
      },
    };
  }

  /** The files whose content is no longer right (owed notifications included), with what each should hold (the end of a play: one script each, usually none). */
  stale(stillPending: (name: string) => boolean): { file: RecordFile; step: RunStep; settle: () => void }[] {
    return (['root', 'user'] as const).flatMap((file) => {
      const content = this.contentFor(file, stillPending, this.owed[file].filter(stillPending));
      return content ? [{ file, step: this.files.write(file, content), settle: () => this.wrote(file, content) }] : [];
    });
  }

  private contentFor(file: RecordFile, stillPending: (name: string) => boolean, adding: readonly string[]): string[] | undefined {
    const next = nextContent(this.holds[file], stillPending, adding);
    if (next || !this.unsure.has(file)) return next;
    return [...this.holds[file].filter(stillPending), ...adding.filter((n) => !this.holds[file].includes(n))];
  }

  /** The file holds `content`: what was owed to it is paid (a name of it not in `content` had run, nothing to write). */
  private wrote(file: RecordFile, content: string[]): void {
    this.holds[file] = content;
    this.unsure.delete(file);
    this.owed[file] = [];
  }

  /** Either the old content or the new: remember both, and write the file again at the next chance. */
  private maybeWrote(file: RecordFile, content: string[]): void {
    this.holds[file] = [...new Set([...this.holds[file], ...content])];
    this.unsure.add(file);
  }
}
