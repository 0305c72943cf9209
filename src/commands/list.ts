import { selectByTags, type CompileOptions } from '../compile.js';
import { matchHosts, matchLimit } from '../host-patterns.js';
import type { Inventory } from '../inventory.js';
import type { LoadedPlaybook } from '../playbook.js';
import { playTree } from '../includes/play-tree.js';
import type { ParsedNode } from '../task-tree.js';

/** What `--list-hosts`, `--list-tasks` and `--list-tags` ask for (any combination, as ansible-playbook). */
export interface ListRequest {
  hosts: boolean;
  tasks: boolean;
  tags: boolean;
}

/**
 * ansible-playbook's listing of a playbook, in its shape: per play its pattern
 * and matched hosts (after --limit), its tasks (after --tags/--skip-tags) with
 * their tags, or the union of their tags. Handlers, and blocks' rescue and
 * always tasks, are not listed (as in Ansible). Pure: the playbook and inventory are already loaded and checked.
 */
export function listPlaybook(playbook: LoadedPlaybook, inventory: Inventory, want: ListRequest, options: Pick<CompileOptions, 'limit' | 'tags' | 'skipTags' | 'rolesPath'>): string {
  const limited = options.limit ? new Set(matchLimit(inventory, options.limit)) : undefined;
  const lines = ['', `playbook: ${playbook.file}`];
  playbook.plays.forEach((play, i) => {
    // Errors were reported by the compile that ran before: none are left to report here.
    const tasks = listedTasks(selectByTags(playTree(play, playbook.origins[i], options.rolesPath ?? [], () => {}).tasks, options));
    lines.push('', `  play #${i + 1} (${play.hosts}): ${play.name ?? play.hosts}\tTAGS: []`);
    if (want.hosts) {
      const hosts = matchHosts(inventory, play.hosts).filter((h) => !limited || limited.has(h));
      lines.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
    }
    if (want.tasks) {
      lines.push('    tasks:', ...tasks.map((t) => `      ${t.name}\tTAGS: ${tagList(t.tags)}`));
    }
    if (want.tags) lines.push(`      TASK TAGS: ${tagList(tasks.flatMap((t) => t.tags))}`);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The tasks Ansible lists: the main part of blocks only (its listing leaves
 * rescue and always out); a dynamic include as itself (its tasks are known to
 * Ansible only at run time), with its own tags; not the handler flushes provision adds.
 */
function listedTasks(nodes: ParsedNode[]): { name: string; tags: string[] }[] {
  return nodes.flatMap((n) => {
    if (n.kind === 'block') return n.listedAs !== undefined ? [{ name: n.listedAs, tags: n.gateTags ?? [] }] : listedTasks(n.block);
    return n.implicit ? [] : [{ name: n.name ?? n.typeName, tags: n.tags }];
  });
}

/** Python's repr of a sorted list of tags, as Ansible prints it: `[a, b]` (no quotes). */
function tagList(tags: string[]): string {
  return `[${[...new Set(tags)].sort().join(', ')}]`;
}
