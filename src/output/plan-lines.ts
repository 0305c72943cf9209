import type { Plan, Step } from '../plan.js';
import { redact, redactDeep } from '../secret.js';
import { quote } from '../shell.js';
import { splitShellWords } from '../shell-words.js';

/**
 * -vv: what a task read and what it will do, as lines a person reads. Masked
 * (a Secret prints as the mask; any known secret value in a fact, a summary or
 * a command is replaced) and bounded: a fact or a command is cut at
 * MAX_VALUE_CHARS, a change lists at most MAX_STEPS steps, so a large file's
 * state or a long package list cannot flood the log.
 */
export const MAX_VALUE_CHARS = 400;
export const MAX_STEPS = 20;

/** One `name = value` per fact the planner used, the value as compact JSON. */
export function factLines(facts: Record<string, unknown>): string[] {
  return Object.entries(facts).map(([name, value]) => `${name} = ${bounded(value === undefined ? 'undefined' : JSON.stringify(redactDeep(value)))}`);
}

/** The plan: "nothing to do: why", or each change's summary with its steps below it. */
export function planLines(plan: Plan): { text: string; steps: string[] }[] {
  if (plan.changes.length === 0) return [{ text: redact(`nothing to do: ${plan.ok ?? 'already as wanted'}`), steps: [] }];
  return plan.changes.map((c) => {
    const steps = c.steps.slice(0, MAX_STEPS).map(stepLine);
    if (c.steps.length > MAX_STEPS) steps.push(`... ${c.steps.length - MAX_STEPS} more steps`);
    return { text: redact(c.summary), steps };
  });
}

/** A step in one line. File contents and stdin are never shown (they may be secret): only that they exist. */
export function stepLine(s: Step): string {
  switch (s.kind) {
    case 'run':
      return `run: ${bounded(maskedCommand(s.command))}${s.stdin !== undefined ? ' (with input on stdin)' : ''}`;
    case 'write':
      return redact(`write ${s.path}${attributes(s)}${s.validate ? `, then validate: ${bounded(maskedCommand(s.validate))}` : ''}${s.backup ? ', keeping a backup' : ''}`);
    case 'upload':
      return redact(`upload ${s.local} to ${s.path}${attributes(s)}`);
    case 'download':
      return redact(`download ${s.path} to ${s.local}`);
  }
}

function attributes(s: { mode?: string; owner?: string; group?: string }): string {
  const parts = [s.mode && `mode ${s.mode}`, s.owner && `owner ${s.owner}`, s.group && `group ${s.group}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * A command as run, masked. A secret inside a shell-quoted word is not
 * contiguous when it holds a quote (`'it'\''s'`), so plain redaction would miss
 * it: the words are read back as the shell reads them, masked one by one, and
 * quoted again for display.
 */
export function maskedCommand(command: string): string {
  let words: string[];
  try {
    words = splitShellWords(command);
  } catch {
    return redact(command);
  }
  const masked = words.map(redact);
  return masked.some((w, i) => w !== words[i]) ? masked.map(quote).join(' ') : redact(command);
}

function bounded(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}... (${text.length - MAX_VALUE_CHARS} more characters)` : text;
}
