import { fstatSync, openSync, writeSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import tty from 'node:tty';
import { UsageError } from '../exit-codes.js';
import type { Ask } from '../run/step.js';

/**
 * Where --step reads its answers: stdin when it is a terminal or carries input
 * (a pipe, a file: `yes y | provision site.yaml --step`), as Ansible's input()
 * reads stdin; else the controlling terminal (/dev/tty). With neither, nobody
 * could answer: a usage error before any host is touched, instead of a run
 * that waits forever.
 */
export interface StepPrompt {
  ask: Ask;
  close(): void;
}

export function openStepPrompt(): StepPrompt {
  const source = answerSource();
  if (!source) throw new UsageError('--step needs a terminal or piped input to read the answers from, and there is none');
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let ended = false;
  const rl: Interface = createInterface({ input: source.input, terminal: false });
  // Read only as answers are wanted: endless input (`yes y |`) must neither fill memory nor starve the run.
  rl.pause();
  rl.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
    if (waiting.length === 0) rl.pause();
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w(null);
  });
  return {
    ask: async (question) => {
      source.write(question);
      const line = lines.length ? lines.shift()! : ended ? null : await new Promise<string | null>((resolve) => {
        waiting.push(resolve);
        rl.resume();
      });
      // A typed answer was echoed by the terminal; a piped one is written out, so the log reads as a dialogue.
      source.write(source.echo ? `${line ?? ''}\n` : line === null ? '\n' : '');
      return line;
    },
    close: () => {
      rl.close();
      if (source.input === process.stdin) process.stdin.pause();
      else source.input.destroy();
    },
  };
}

interface AnswerSource {
  input: NodeJS.ReadableStream & { destroy(): void };
  /** Where the question goes: the terminal the answer comes from, else stderr (stdout stays the run's lines). */
  write: (text: string) => void;
  /** Whether to write the answer out after reading it (nobody's terminal echoed it). */
  echo: boolean;
}

function answerSource(): AnswerSource | undefined {
  const stderr = (text: string): void => void process.stderr.write(text);
  if (process.stdin.isTTY) return { input: process.stdin, write: stderr, echo: false };
  if (stdinCarriesInput()) return { input: process.stdin, write: stderr, echo: true };
  try {
    const fd = openSync('/dev/tty', 'r+');
    return { input: new tty.ReadStream(fd), write: (text) => void writeSync(fd, text), echo: false };
  } catch {
    return undefined;
  }
}

/** stdin is a pipe, a file or a socket: someone gave input. /dev/null or a closed stdin is none. */
function stdinCarriesInput(): boolean {
  try {
    const s = fstatSync(0);
    return s.isFIFO() || s.isFile() || s.isSocket();
  } catch {
    return false;
  }
}
