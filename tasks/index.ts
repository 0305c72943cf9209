import type { TaskType } from '../src/task-type.js';
import { command } from './command.js';
import { copy } from './copy.js';
import { file } from './file.js';
import { group } from './group.js';
import { service } from './service.js';
import { template } from './template.js';
import { user } from './user.js';

/** Every task type, by the key a playbook uses. */
const registry = new Map<string, TaskType>(
  ([command, copy, file, group, service, template, user] as TaskType[]).map((t) => [t.name, t]),
);

export function getTaskType(name: string): TaskType | undefined {
  return registry.get(name);
}

export function taskTypeNames(): string[] {
  return [...registry.keys()].sort();
}

export function allTaskTypes(): TaskType[] {
  return taskTypeNames().map((n) => registry.get(n)!);
}
