import { fileGroup, unitGroup, type FactGroupReader } from './fact-groups.js';
import { cmd, quote } from './shell.js';

/**
 * A fact is something a task needs to know about the host before it plans: a
 * file's hash, a package's state. It is a read-only shell snippet plus a parser.
 * Facts are data, so the runner can gather those of a whole play in one remote
 * script, and identical facts (same `key`) of different tasks are read once.
 */
export interface Fact<T> {
  key: string;
  script: string;
  parse(output: FactOutput): T;
  /**
   * Set when one command can read this fact for many items at once
   * (src/fact-groups.ts): in a batch with other facts of the same reader it is
   * read by that reader's one command; `script` is used when it is read alone.
   */
  group?: { reader: FactGroupReader; item: string };
}

export interface FactOutput {
  stdout: string;
  exitCode: number;
}

export type FactValues<F> = { [K in keyof F]: F[K] extends Fact<infer T> ? T : never };

export function fact<T>(key: string, script: string, parse: (o: FactOutput) => T): Fact<T> {
  return { key, script, parse };
}

export interface FileState {
  exists: boolean;
  type?: 'file' | 'directory' | 'link' | 'other';
  /** Octal, four digits: "0644". */
  mode?: string;
  owner?: string;
  group?: string;
  size?: number;
  sha256?: string;
  linkTarget?: string;
}

/** Type, mode, owner, group, size, link target and (for regular files) SHA-256 of a path. */
export function fileFact(path: string): Fact<FileState> {
  const p = quote(path);
  const script = [
    `if [ -L ${p} ]; then printf 'link\\n'; readlink ${p};`,
    `elif [ -e ${p} ]; then stat -c '%F|%a|%U|%G|%s' ${p} && if [ -f ${p} ]; then sha256sum < ${p}; fi;`,
    `else printf 'absent\\n'; fi`,
  ].join(' ');
  const read = fact(`file:${path}`, script, ({ stdout }) => parseFileState(stdout));
  // sha256sum escapes names with a newline or a backslash (and newer coreutils a CR): those are read alone.
  return /[\n\r\\]/.test(path) ? read : { ...read, group: { reader: fileGroup, item: path } };
}

export function parseFileState(stdout: string): FileState {
  const lines = stdout.split('\n');
  if (lines[0] === 'absent' || lines[0] === '') return { exists: false };
  if (lines[0] === 'link') return { exists: true, type: 'link', linkTarget: lines[1] ?? '' };
  const [kind, mode, owner, group, size] = lines[0].split('|');
  const type = kind === 'regular file' || kind === 'regular empty file' ? 'file' : kind === 'directory' ? 'directory' : 'other';
  const state: FileState = { exists: true, type, mode: mode.padStart(4, '0'), owner, group, size: Number(size) };
  if (type === 'file') state.sha256 = (lines[1] ?? '').split(' ')[0];
  return state;
}

export interface CommandResult {
  stdout: string;
  exitCode: number;
}

/** Output and exit status of a read-only command. */
export function commandFact(key: string, script: string): Fact<CommandResult> {
  return fact(key, script, (o) => ({ stdout: o.stdout, exitCode: o.exitCode }));
}

export interface UnitState {
  loadState: string;
  activeState: string;
  unitFileState: string;
}

/** systemd's view of a unit: loaded?, active?, enabled? */
export function unitFact(unit: string): Fact<UnitState> {
  const read = fact(`unit:${unit}`, `${cmd('systemctl', 'show', '--property=LoadState,ActiveState,UnitFileState', '--', unit)} 2>/dev/null || true`, ({ stdout }) => {
    const props = Object.fromEntries(stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { loadState: props.LoadState ?? 'not-found', activeState: props.ActiveState ?? 'inactive', unitFileState: props.UnitFileState ?? '' };
  });
  return { ...read, group: { reader: unitGroup, item: unit } };
}

export interface PasswdEntry {
  exists: boolean;
  uid?: number;
  gid?: number;
  home?: string;
  shell?: string;
  comment?: string;
  groups?: string[];
}

export function userFact(name: string): Fact<PasswdEntry> {
  const n = quote(name);
  return fact(`user:${name}`, `getent passwd -- ${n} && id -Gn -- ${n}`, ({ stdout, exitCode }) => {
    const [entry, groups] = stdout.split('\n');
    if (exitCode !== 0 || !entry) return { exists: false };
    const f = entry.split(':');
    return { exists: true, uid: Number(f[2]), gid: Number(f[3]), comment: f[4], home: f[5], shell: f[6], groups: (groups ?? '').split(' ').filter(Boolean) };
  });
}

export interface GroupEntry {
  exists: boolean;
  gid?: number;
}

export function groupFact(name: string): Fact<GroupEntry> {
  return fact(`group:${name}`, `getent group -- ${quote(name)}`, ({ stdout, exitCode }) => {
    if (exitCode !== 0 || !stdout.trim()) return { exists: false };
    return { exists: true, gid: Number(stdout.split(':')[2]) };
  });
}
