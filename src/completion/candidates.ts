import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the shell completion scripts ask `provision __complete WORD...` for: the
 * candidates for the last word, given the words before it. Pure over plain data
 * (the command tree, and readers for files, inventory names and tags), so the
 * rules are tested as a table; the readers are given by the caller.
 */
export interface CommandShape {
  /** Subcommand names (visible ones). */
  subcommands: string[];
  /** Long and short flags of each command; '' is the top-level (playbook) command. */
  flags: Record<string, string[]>;
}

export interface CompletionSources {
  /** Names in a directory (a trailing '/' on directories). */
  listDir: (dir: string) => string[];
  /** Host and group names of these inventory sources (none if they cannot be read). */
  inventoryNames: (sources: string[]) => string[];
  /** Task tags and task names of this playbook (none if it cannot be read). */
  playbookTags: (playbook: string) => string[];
  playbookTaskNames: (playbook: string) => string[];
}

const PLAYBOOK_FILE = /\.ya?ml$/;
const INVENTORY_FLAGS = ['-i', '--inventory'];
const PATTERN_FLAGS = ['-l', '--limit'];
const TAG_FLAGS = ['-t', '--tags', '--skip-tags'];
const FILE_FLAGS = ['--private-key', '--report', '--ssh-config', '-e', '--extra-vars'];

export function completionCandidates(words: string[], shape: CommandShape, sources: CompletionSources): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const previous = before.at(-1);
  const command = before.find((w) => shape.subcommands.includes(w)) ?? '';
  const playbook = before.find((w) => PLAYBOOK_FILE.test(w) && !isOptionValue(w, before));
  const inventories = before.flatMap((w, i) => (INVENTORY_FLAGS.includes(w) && before[i + 1] ? [before[i + 1]] : []));
  const startsWith = (list: string[]): string[] => list.filter((c) => c.startsWith(current));

  if (previous && INVENTORY_FLAGS.includes(previous)) return files(current, sources, () => true);
  if (previous && FILE_FLAGS.includes(previous)) return files(current, sources, () => true);
  if (previous && PATTERN_FLAGS.includes(previous)) return startsWith(sources.inventoryNames(inventories.length ? inventories : ['inventory/hosts.yaml']));
  if (previous && TAG_FLAGS.includes(previous)) return playbook ? startsWith(sources.playbookTags(playbook)) : [];
  if (previous === '--start-at-task') return playbook ? startsWith(sources.playbookTaskNames(playbook)) : [];
  if (current.startsWith('-')) return startsWith(shape.flags[command] ?? []);
  // The first word: a subcommand or a playbook; after a subcommand taking one, a playbook.
  const firstWord = !before.some((w) => !w.startsWith('-') && !isOptionValue(w, before));
  const playbooks = files(current, sources, (name) => PLAYBOOK_FILE.test(name));
  if (firstWord) return [...startsWith(shape.subcommands), ...playbooks];
  return ['validate', 'test', ''].includes(command) && !playbook ? playbooks : [];
}

/** Is this word the value of the option before it (e.g. the FILE of `-i FILE`)? */
function isOptionValue(word: string, words: string[]): boolean {
  const i = words.indexOf(word);
  const prev = words[i - 1];
  return prev !== undefined && [...INVENTORY_FLAGS, ...PATTERN_FLAGS, ...TAG_FLAGS, ...FILE_FLAGS, '--start-at-task', '-u', '--user', '--become-user', '-f', '--forks', '-T', '--timeout'].includes(prev);
}

/** Files under the directory CURRENT names, matching; directories always (to descend into). */
function files(current: string, sources: CompletionSources, match: (name: string) => boolean): string[] {
  const dir = current.includes('/') ? current.slice(0, current.lastIndexOf('/') + 1) : '';
  const namePrefix = current.slice(dir.length);
  return sources
    .listDir(dir || '.')
    // Hidden entries only when asked for, as shells do.
    .filter((name) => name.startsWith(namePrefix) && (name.endsWith('/') || match(name)) && (!name.startsWith('.') || namePrefix.startsWith('.')))
    .map((name) => dir + name);
}

/** The real directory reader: names with '/' after directories; nothing for a directory that cannot be read. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).map((name) => {
      try {
        return statSync(join(dir, name)).isDirectory() ? `${name}/` : name;
      } catch {
        return name;
      }
    });
  } catch {
    return [];
  }
}
