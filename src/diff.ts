import { createTwoFilesPatch } from 'diff';
import type { Diff } from './plan.js';
import { redact } from './secret.js';

/**
 * Renders a planned change as text a person reads: unified diffs for files and
 * state, plain lines otherwise. Always redacted: a secret inside a rendered
 * file (an .env with a password) shows as ********.
 */
export function renderDiff(diff: Diff): string {
  switch (diff.kind) {
    case 'file': {
      const before = diff.before ?? '';
      const after = diff.after ?? '';
      const from = diff.before === null || diff.before === undefined ? '/dev/null' : `${diff.path} (before)`;
      const to = diff.after === null ? '/dev/null' : `${diff.path} (after)`;
      return redact(trimHeader(createTwoFilesPatch(from, to, before, after, undefined, undefined, { context: 3 })));
    }
    case 'text':
      return redact(trimHeader(createTwoFilesPatch(`${diff.label} (before)`, `${diff.label} (after)`, withNewline(diff.before), withNewline(diff.after), undefined, undefined, { context: 20 })));
    case 'lines':
      return redact(diff.lines.join('\n'));
  }
}

function withNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : `${s}\n`;
}

/** jsdiff starts with an "Index:"/"====" banner; keep the ---/+++ header and hunks. */
function trimHeader(patch: string): string {
  return patch
    .split('\n')
    .filter((l) => !l.startsWith('Index: ') && !/^=+$/.test(l))
    .join('\n')
    .trimEnd();
}

const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const CYAN = '\x1b[36m';
const RESET = '\x1b[0m';

export function colorizeDiff(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return l;
      if (l.startsWith('+')) return GREEN + l + RESET;
      if (l.startsWith('-')) return RED + l + RESET;
      if (l.startsWith('@@')) return CYAN + l + RESET;
      return l;
    })
    .join('\n');
}
