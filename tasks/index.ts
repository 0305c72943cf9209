import type { TaskType } from '../src/task-type.js';
import { apt } from './apt.js';
import { certbot } from './certbot.js';
import { command } from './command.js';
import { assert, debug, fail, meta } from './control.js';
import { copy } from './copy.js';
import { fetchTask } from './fetch.js';
import { file } from './file.js';
import { group } from './group.js';
import { htpasswd } from './htpasswd.js';
import { nginxSite } from './nginx-site.js';
import { postgresDb } from './postgres-db.js';
import { postgresUser } from './postgres-user.js';
import { service } from './service.js';
import { setFact } from './set-fact.js';
import { streamlitConfig } from './streamlit-config.js';
import { systemdUnit } from './systemd-unit.js';
import { template } from './template.js';
import { ufw } from './ufw.js';
import { user } from './user.js';

/** Every task type, by the key a playbook uses. */
const registry = new Map<string, TaskType>(
  ([apt, assert, certbot, command, copy, debug, fail, meta, fetchTask, file, group, htpasswd, nginxSite, postgresDb, postgresUser, service, setFact, streamlitConfig, systemdUnit, template, ufw, user] as TaskType[]).map((t) => [t.name, t]),
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
