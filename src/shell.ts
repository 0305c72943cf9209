/**
 * Commands are data: an argv list, quoted for the remote POSIX shell by the one
 * function below. Nothing else in the code base builds a shell string from a
 * value. Secrets cannot be arguments (they would show in the remote process
 * list); they travel on stdin.
 */

/** Quotes one word for a POSIX shell so the shell sees exactly the literal value. */
export function quote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command to run on the host, as words. `raw` marks shell syntax we wrote ourselves. */
export type Word = string | RawShell;

export class RawShell {
  constructor(readonly text: string) {}
}

/** Trusted shell syntax (pipes, redirections, `&&`). Never pass user input here. */
export function raw(text: string): RawShell {
  return new RawShell(text);
}

export function cmd(...words: Word[]): string {
  return words.map((w) => (w instanceof RawShell ? w.text : quote(w))).join(' ');
}
