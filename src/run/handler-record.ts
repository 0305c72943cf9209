import type { RunStep } from '../plan.js';
import { nextContent, type HostRecord, type pendingHandlers, type RecordFile } from './pending-handlers.js';

/** The record steps of one apply script, and how to learn from its result what the host now holds. */
export interface ScriptRecord {
  /** Before the task's steps: the handlers it notifies (with what is no longer pending). */
  before: RunStep[];
  /** After the task's steps, when it notifies nothing: what is no longer pending (a handler that has run). */
  after: RunStep[];
  settle(result: { error?: unknown; failedStep?: number }): void;
}

/**
 * The host's record of pending handlers as this run knows it, kept right
 * without round trips of its own: each apply script carries the step that
 * brings its file up to date. Writes are whole contents, so a file whose state
 * is unsure (a script that died without saying which step failed) is simply
 * written again by the next script of its privilege.
 */
export class HandlerRecord {
  private readonly unsure = new Set<RecordFile>();

  constructor(
    private readonly files: ReturnType<typeof pendingHandlers>,
    private readonly holds: HostRecord,
  ) {}

  /**
   * Steps for a script running with `file`'s privilege whose task notifies
   * `adding` if it changes. Its notifications are recorded before its steps,
   * so no moment exists where the host is changed and the record is not
   * (a connection lost mid-script, a signal); if the task then does not
   * change (it failed, changed_when said no), the next script takes them
   * back. A handler run once too often after a cut run beats one never run.
   * Taking back what is no longer pending goes after the steps: a handler
   * stays recorded until its script has succeeded.
   */
  forScript(file: RecordFile, stillPending: (name: string) => boolean, adding: readonly string[]): ScriptRecord {
    const content = this.contentFor(file, stillPending, adding);
    if (!content) return { before: [], after: [], settle: () => {} };
    const early = adding.length > 0;
    const step = this.files.write(file, content);
    return {
      before: early ? [step] : [],
      after: early ? [] : [step],
      settle: ({ error, failedStep }) => {
        if (!error) return this.wrote(file, content);
        if (failedStep === undefined) return this.maybeWrote(file, content);
        // The steps are numbered from 0 across the script: the early step is 0, and ran if a later one failed.
        if (early && failedStep > 0) this.wrote(file, content);
      },
    };
  }

  /** The files whose content is no longer right, with what each should hold (the end of a play: one script each, usually none). */
  stale(stillPending: (name: string) => boolean): { file: RecordFile; step: RunStep; settle: () => void }[] {
    return (['root', 'user'] as const).flatMap((file) => {
      const content = this.contentFor(file, stillPending, []);
      return content ? [{ file, step: this.files.write(file, content), settle: () => this.wrote(file, content) }] : [];
    });
  }

  private contentFor(file: RecordFile, stillPending: (name: string) => boolean, adding: readonly string[]): string[] | undefined {
    const next = nextContent(this.holds[file], stillPending, adding);
    if (next || !this.unsure.has(file)) return next;
    return [...this.holds[file].filter(stillPending), ...adding.filter((n) => !this.holds[file].includes(n))];
  }

  private wrote(file: RecordFile, content: string[]): void {
    this.holds[file] = content;
    this.unsure.delete(file);
  }

  /** Either the old content or the new: remember both, and write the file again at the next chance. */
  private maybeWrote(file: RecordFile, content: string[]): void {
    this.holds[file] = [...new Set([...this.holds[file], ...content])];
    this.unsure.add(file);
  }
}
