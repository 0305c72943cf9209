import * as z from 'zod';
import { ConfigError, ConfigErrors } from './errors.js';
import { schemaErrors } from './schema-errors.js';
import { YamlSource } from './yaml-source.js';

/** Keys any task may have besides its one task-type key. */
export const commonTaskKeys = {
  name: z.string().optional().describe('What the task does, shown in progress and reports.'),
  notify: z.union([z.string(), z.array(z.string())]).optional().describe('Handler name(s) to run at the end of the play if this task changed something.'),
  when: z.union([z.string(), z.boolean()]).optional().describe('Condition over variables: `use_tls`, `not self_signed`, `env == "prod"`, `x is defined`.'),
  tags: z.union([z.string(), z.array(z.string())]).optional().describe('Tags for --tags / --skip-tags.'),
  become: z.boolean().optional().describe('Run this task through sudo (overrides the play).'),
};
export const COMMON_TASK_KEYS = Object.keys(commonTaskKeys);

const rawTask = z.record(z.string(), z.unknown());

export const playSchema = z.strictObject({
  name: z.string().optional().describe('What the play sets up.'),
  hosts: z.string().min(1).describe('Host pattern over the inventory: a group, a host, `all`, `web:!staging`, globs.'),
  become: z.boolean().optional().describe('Run every task through sudo.'),
  defaults: z.record(z.string(), z.unknown()).optional().describe('Default values for variables: the lowest precedence, so inventory variables and -e override them.'),
  vars: z.record(z.string(), z.unknown()).optional().describe('Variables for this play; they override inventory variables.'),
  tasks: z.array(rawTask).default([]).describe('Tasks, run in order.'),
  handlers: z.array(rawTask).optional().describe('Tasks run once at the end of the play when notified by a task that changed.'),
  verify: z.array(z.record(z.string(), z.unknown())).optional().describe('Checks run by `provision test` after converging.'),
});

export type RawPlay = z.infer<typeof playSchema>;

export interface LoadedPlaybook {
  file: string;
  source: YamlSource;
  plays: RawPlay[];
  /** False when the file is a single play mapping (its field paths then have no [n] prefix). */
  isList: boolean;
}

export function loadPlaybook(file: string): LoadedPlaybook {
  const source = YamlSource.fromFile(file);
  const data = source.data;
  const isList = Array.isArray(data);
  const list = isList ? (data as unknown[]) : data && typeof data === 'object' ? [data] : null;
  if (!list) throw new ConfigError('a playbook is a list of plays (or one play mapping)', source.locate([]));
  const errors: ConfigError[] = [];
  const plays: RawPlay[] = [];
  list.forEach((raw, i) => {
    const base = isList ? [i] : [];
    const parsed = playSchema.safeParse(raw);
    if (!parsed.success) errors.push(...schemaErrors(parsed.error, source, base, []));
    else plays.push(parsed.data);
  });
  if (errors.length) throw new ConfigErrors(errors);
  return { file, source, plays, isList };
}
