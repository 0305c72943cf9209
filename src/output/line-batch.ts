/**
 * Output lines gathered and written together. A fleet run prints a line per host per task
 * (1,000 hosts × 22 tasks: 22,000 lines), and when stdout is a file or a pipe, as in CI, Node
 * writes each `process.stdout.write` synchronously, one system call each. Lines produced in the
 * same turn of the event loop are instead written as one chunk once that turn's I/O is done
 * (setImmediate), or as soon as they reach `limit` characters; nothing is reordered among them.
 * Whoever writes to the same stream or to stderr by another way calls `flush()` first, so the
 * two stay in order.
 */
export interface LineBatch {
  /** Adds one line (a newline is appended). */
  line(text: string): void;
  /** Writes what is gathered, now. */
  flush(): void;
}

export function lineBatch(write: (chunk: string) => void, limit = 64 * 1024): LineBatch {
  let pending: string[] = [];
  let size = 0;
  let scheduled = false;
  const flush = (): void => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    size = 0;
    write(chunk);
  };
  return {
    line(text) {
      pending.push(`${text}\n`);
      size += text.length + 1;
      if (size >= limit) return flush();
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    },
    flush,
  };
}
