import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { RawPlay } from '../playbook.js';
import { loadRole, parseRoleEntry } from '../roles/role.js';
import { displayName, loadVarsFile } from '../roles/vars-file.js';
import { parseTasks, TOP, type Inherited, type ParsedNode } from '../task-tree.js';
import type { FieldPath, YamlSource } from '../yaml-source.js';
import { expandRole, withEntry } from './expand.js';
import type { Origin, PlayReuse } from './origin.js';

/** Where a play was written (a playbook, or one it imports). */
export interface PlayOrigin {
  source: YamlSource;
  /** The play's field path in its file ([] for a single-play file). */
  base: FieldPath;
}

/** A play's whole task tree, parsed once for all hosts, with what its roles add. */
export interface PlayTree {
  tasks: ParsedNode[];
  handlers: ParsedNode[];
  reuse: PlayReuse;
  /** `vars_files:`, in order (above play vars). */
  varsFiles: Record<string, unknown>[];
}

/**
 * Ansible's play order: pre_tasks, their handlers, the roles (`roles:`, each
 * after its dependencies), tasks, handlers, post_tasks, handlers. The handler
 * flushes after pre_tasks and tasks are `meta: flush_handlers` tasks provision
 * adds (not listed); the last one is the play's own end.
 */
export function playTree(play: RawPlay, at: PlayOrigin, rolesPath: string[], report: (e: ConfigError) => void): PlayTree {
  const { source, base } = at;
  const playbookDir = dirname(resolve(source.file));
  const reuse: PlayReuse = { playbookDir, rolesPath, exported: [], handlers: [], ran: new Set(), argumentChecks: [] };
  const origin: Origin = { includeParams: [], searchDirs: [], stack: [resolve(source.file)], chain: [], play: reuse };
  const top: Inherited = { ...TOP, origin };
  const section = (key: 'pre_tasks' | 'tasks' | 'post_tasks'): ParsedNode[] => parseTasks(play[key] ?? [], [...base, key], source, report, false, top);
  const flush = (key: 'pre_tasks' | 'tasks'): ParsedNode[] =>
    parseTasks([{ meta: 'flush_handlers' }], [...base, key], source, report, false, top).map((n) => ({ ...n, implicit: true }) as ParsedNode);

  const pre = section('pre_tasks');
  const roles: ParsedNode[] = [];
  (play.roles ?? []).forEach((raw, i) => {
    const path = [...base, 'roles', i];
    const entry = parseRoleEntry(raw, path, source, report);
    const role = entry && loadRole(entry, { playbookDir, rolesPath, stack: [], report });
    if (!entry || !role) return;
    if (!role.allowDuplicates && reuse.ran.has(role.key)) return;
    reuse.ran.add(role.key);
    const where = source.locate(path);
    roles.push(...expandRole(role, withEntry(top, entry), [], `role ${role.name} from ${where.file}:${where.line}:${where.column}`, true, report));
  });
  const tasks = section('tasks');
  const post = section('post_tasks');
  const ownHandlers = parseTasks(play.handlers ?? [], [...base, 'handlers'], source, report, true, top);
  const varsFiles = (play.vars_files ?? []).flatMap((name, i) => {
    const where = source.locate([...base, 'vars_files', i]);
    if (typeof name !== 'string' || /\{\{|\{%/.test(name)) {
      report(new ConfigError('a vars_files entry is a file name (provision reads vars files before the run, for all hosts: no variables in the name, no list of alternatives)', where, `vars_files[${i}]`));
      return [];
    }
    try {
      return [loadVarsFile(resolve(playbookDir, name)).vars];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report(err.where?.line ? err : new ConfigError(`${err.problem} (${displayName(resolve(playbookDir, name))})`, where, `vars_files[${i}]`));
      return [];
    }
  });
  const handlers = [...reuse.handlers, ...ownHandlers];
  // Without handlers a flush has nothing to do: left out, so the output shows only the user's tasks.
  const flushes = handlers.length > 0;
  return {
    tasks: [...pre, ...(flushes && pre.length ? flush('pre_tasks') : []), ...roles, ...tasks, ...(flushes && post.length ? flush('tasks') : []), ...post],
    handlers,
    reuse,
    varsFiles,
  };
}
