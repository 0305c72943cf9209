import { isSecret } from './secret.js';

/**
 * Commands are data: an argv list, quoted for the remote POSIX shell by the one
 * function below. Nothing else in the code base builds a shell string from a
 * value. Secrets cannot be arguments: every command word of a script shows in
 * the host's process list (`ps`, /proc/PID/cmdline, readable by every user),
 * even though the script itself travels on stdin. A secret travels on stdin, in
 * a here-document, or in a file written from one. `quote` and `cmd` refuse a
 * Secret (by type, never by value: a short secret can equal an innocent word).
 */

/** Why a secret cannot be a command word; task validation gives the same reason, with file, line and field. */
export const SECRET_WORD_REASON =
  'this argument becomes a command word on the host and would show in its process list; a secret can only reach a host on stdin or inside a file';

/** Thrown when a Secret reaches a command line: a bug in a planner, never shown with the value. */
export class SecretWordError extends Error {
  constructor() {
    super(`a secret was about to become a command word: ${SECRET_WORD_REASON}`);
  }
}

/** Quotes one word for a POSIX shell so the shell sees exactly the literal value. */
export function quote(word: string): string {
  if (isSecret(word)) throw new SecretWordError();
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
  if (isSecret(text)) throw new SecretWordError();
  return new RawShell(text);
}

export function cmd(...words: Word[]): string {
  return words.map((w) => (w instanceof RawShell ? w.text : quote(w))).join(' ');
}
