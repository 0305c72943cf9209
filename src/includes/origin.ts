import type { SourceLocation } from '../errors.js';
import type { RoleInstance } from '../roles/role.js';
import type { ParsedNode, TaskCondition } from '../task-tree.js';
import type { FieldPath, YamlSource } from '../yaml-source.js';

/**
 * Where a task comes from when it was not written in the play itself: the role
 * it belongs to, the files that imported it (for errors and cycles), where its
 * relative file names resolve, and the variable layers reuse puts around it.
 */
export interface Origin {
  /** The task's role, with the roles that depend on it (Ansible's dep chain). */
  role?: RoleUse;
  /** `vars:` of the enclosing import and include tasks, outermost first: Ansible's "include params", above role params. */
  includeParams: Record<string, unknown>[];
  /** Searched first for a template's or file's `src`: the role's directory. */
  searchDirs: string[];
  /** Absolute files and role directories being expanded, outermost first: a repeat is a cycle. */
  stack: string[];
  /** How the file was reached, innermost first: "imported by playbooks/site.yaml:8:7, role nginx". */
  chain: string[];
  /** What the play gathers while its tasks are expanded. */
  play: PlayReuse;
}

/** Gathered for a whole play while its task lists are expanded. */
export interface PlayReuse {
  playbookDir: string;
  rolesPath: string[];
  /** Roles whose defaults and vars every task of the play sees (`roles:`, import_role, include_role with public), in order. */
  exported: RoleUse[];
  /** Handlers of the roles, in the order the roles were expanded. */
  handlers: ParsedNode[];
  /** Role uses already expanded in this play (RoleInstance.key): a repeat runs once unless allow_duplicates. */
  ran: Set<string>;
  /** Roles with argument specs for their entry point: checked per host before the run. */
  argumentChecks: { use: RoleUse; when: TaskCondition[] }[];
}

export interface RoleUse {
  instance: RoleInstance;
  /** Roles this one runs as a dependency of, outermost first. */
  depChain: RoleInstance[];
  /** Variable layers of the role (vars/main and entry `vars:`, with its dependencies' and parents'): above play vars. */
  vars: Record<string, unknown>[];
  /** Role parameters (the entry's other keys; parents' first): above task vars. */
  params: Record<string, unknown>[];
  /** Role defaults for its tasks (dependencies' first): above other roles' defaults, below the inventory. */
  defaults: Record<string, unknown>[];
}

/** include_tasks/include_role with `loop:`: expanded per host, before the run, when its items are known then. */
export interface IncludeLoop {
  value: unknown;
  withItems: boolean;
  loopVar: string;
  indexVar?: string;
  source: YamlSource;
  path: FieldPath;
  where: SourceLocation;
}
