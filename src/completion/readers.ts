import { existsSync } from 'node:fs';

import { loadInventory } from '../inventory.js';
import { loadPlaybook } from '../playbook.js';
import { allTasks, parseTasks } from '../task-tree.js';
import { listDir, type CompletionSources } from './candidates.js';

/**
 * The completion's readers of the user's files. A file that cannot be read
 * gives no candidates: completion never prints an error into the command line.
 */
export const completionSources: CompletionSources = {
  listDir,
  inventoryNames: (sources) => quietly(() => {
    const inventory = loadInventory(sources.filter((s) => existsSync(s)), {});
    return [...inventory.hosts.keys(), ...[...inventory.groups.keys()].filter((g) => g !== 'all' && g !== 'ungrouped'), 'all'];
  }),
  playbookTags: (file) => quietly(() => [...new Set(playbookTasks(file).flatMap((t) => t.tags))].sort()),
  playbookTaskNames: (file) => quietly(() => playbookTasks(file).flatMap((t) => (t.name ? [t.name] : []))),
};

function playbookTasks(file: string) {
  const playbook = loadPlaybook(file);
  return playbook.plays.flatMap((play, i) => allTasks(parseTasks(play.tasks, [...(playbook.isList ? [i] : []), 'tasks'], playbook.source, () => {})));
}

function quietly(read: () => string[]): string[] {
  try {
    return read();
  } catch {
    return [];
  }
}

