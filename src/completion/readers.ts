import { existsSync } from 'node:fs';

import { playTree } from '../includes/play-tree.js';
import { loadInventory } from '../inventory.js';
import { loadPlaybook } from '../playbook.js';
import { processContext } from '../settings/cli.js';
import { loadSettings } from '../settings/index.js';
import { allTasks, type ParsedNode } from '../task-tree.js';
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
  }, []),
  playbookTags: (file) => quietly(() => [...new Set(playbookNodes(file).flatMap(tagsOf))].sort(), []),
  playbookTaskNames: (file) => quietly(() => [...new Set(allTasks(playbookNodes(file)).flatMap((t) => (t.name && !t.implicit ? [t.name] : [])))], []),
};

/**
 * Every play's tasks as the compiler expands them (src/includes/play-tree.ts): pre_tasks, roles
 * (`roles:`, import_role, include_role, from the playbook's roles/ and the project's roles_path),
 * imported task files, tasks, post_tasks. A role that cannot be read adds nothing; the rest stays.
 */
function playbookNodes(file: string): ParsedNode[] {
  const playbook = loadPlaybook(file);
  const rolesPath = quietly(() => loadSettings(processContext()).rolesPath, []);
  return playbook.plays.flatMap((play, i) => playTree(play, playbook.origins[i], rolesPath, () => {}).tasks);
}

/** The tags --tags can select: each task's (with what it inherits) and each dynamic include's own. */
function tagsOf(node: ParsedNode): string[] {
  if (node.kind === 'task') return node.tags;
  return [...(node.gateTags ?? []), ...[...node.block, ...node.rescue, ...node.always].flatMap(tagsOf)];
}

function quietly<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
