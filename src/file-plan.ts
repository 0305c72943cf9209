import { createHash } from 'node:crypto';
import type { FileState } from './facts.js';
import type { Change, Step } from './plan.js';
import { isSecret, type Secret } from './secret.js';
import { cmd } from './shell.js';

/** A file as a task wants it. Shared by copy, template and every task that writes a config file. */
export interface DesiredFile {
  path: string;
  content: string | Secret;
  mode?: string;
  owner?: string;
  group?: string;
  validate?: string;
  backup?: boolean;
}

/**
 * Hex SHA-256 of the content. Remembered for the last contents hashed: compile sharing gives
 * every host of a fleet the same content (one string, one Secret), and each host's plan compared
 * it with its file's hash, hashing it again (a Secret by identity, its text never kept as a key).
 */
export function sha256(content: string | Secret): string {
  const known = isSecret(content) ? secretDigests.get(content) : textDigests.get(content);
  if (known !== undefined) return known;
  const digest = createHash('sha256').update(isSecret(content) ? content.reveal() : content).digest('hex');
  if (isSecret(content)) secretDigests.set(content, digest);
  else {
    if (textDigests.size >= 256) textDigests.clear();
    textDigests.set(content, digest);
  }
  return digest;
}

const textDigests = new Map<string, string>();
const secretDigests = new WeakMap<Secret, string>();

/**
 * Compares a wanted file with the host's (by hash: the host's content is never
 * downloaded to decide) and returns the change, or null when it already matches.
 */
export function planFile(want: DesiredFile, state: FileState): Change | null {
  if (state.exists && state.type !== 'file') {
    throw new Error(`${want.path} exists and is a ${state.type === 'link' ? 'symbolic link' : state.type}, not a regular file`);
  }
  const write: Step = { kind: 'write', path: want.path, content: want.content, mode: want.mode, owner: want.owner, group: want.group, validate: want.validate, backup: want.backup };
  const after = isSecret(want.content) ? want.content.reveal() : want.content;
  if (!state.exists) {
    return { summary: `create ${want.path}${attrs(want)}`, diff: { kind: 'file', path: want.path, after, before: null }, steps: [write] };
  }
  if (state.sha256 !== sha256(want.content)) {
    return { summary: `update ${want.path}`, diff: { kind: 'file', path: want.path, after }, steps: [write] };
  }
  return planAttributes(want, state);
}

/** Owner, group and mode of an existing path; null when they already match. */
export function planAttributes(want: { path: string; mode?: string; owner?: string; group?: string }, state: FileState): Change | null {
  const before: string[] = [];
  const after: string[] = [];
  const steps: Step[] = [];
  if ((want.owner && want.owner !== state.owner) || (want.group && want.group !== state.group)) {
    before.push(`owner: ${state.owner}:${state.group}`);
    after.push(`owner: ${want.owner ?? state.owner}:${want.group ?? state.group}`);
    steps.push({ kind: 'run', command: cmd('chown', `${want.owner ?? ''}${want.group ? `:${want.group}` : ''}`, '--', want.path) });
  }
  if (want.mode && want.mode !== state.mode) {
    before.push(`mode: ${state.mode}`);
    after.push(`mode: ${want.mode}`);
    steps.push({ kind: 'run', command: cmd('chmod', want.mode, '--', want.path) });
  }
  if (!steps.length) return null;
  return { summary: `set ${after.join(', ')} on ${want.path}`, diff: { kind: 'text', label: want.path, before: before.join('\n'), after: after.join('\n') }, steps };
}

function attrs(want: DesiredFile): string {
  const parts = [want.mode && `mode ${want.mode}`, (want.owner || want.group) && `owner ${want.owner ?? ''}${want.group ? `:${want.group}` : ''}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
