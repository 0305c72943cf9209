import { evaluateCondition, isUnknown, UNKNOWN, type Unknown } from '../expr/index.js';
import type { TaskCondition } from '../task-tree.js';

/** The keywords that overrule a task's own verdict on its result. */
export interface JudgeConditions {
  changedWhen?: TaskCondition[];
  failedWhen?: TaskCondition[];
}

/** A result after the judge: what `register:` keeps, and the verdict read from it. */
export interface Judged {
  registered: Record<string, unknown>;
  failed: boolean | Unknown;
  changed: boolean | Unknown;
}

/**
 * Ansible's TaskExecutor on every task's result, host-less ones (debug,
 * assert, set_fact, fail) included: `changed_when` first, over the result;
 * then `failed_when`, over the result with changed_when's verdict in it (a
 * `failed_when: out.changed` sees what changed_when decided). `scopeWith`
 * gives the variables a condition sees with the result under the task's
 * `register:` name (and, for set_fact, the names it sets). Without either
 * keyword the task's own verdict stands. A condition that fails to evaluate
 * throws: the task fails with that error, as in Ansible.
 */
export function judgeResult(when: JudgeConditions, result: Record<string, unknown>, scopeWith: (result: Record<string, unknown>) => Record<string, unknown>): Judged {
  const registered = { ...result };
  if (when.changedWhen) registered.changed = verdict(evaluateCondition(when.changedWhen, scopeWith(registered)));
  if (when.failedWhen) {
    const failed = verdict(evaluateCondition(when.failedWhen, scopeWith(registered)));
    registered.failed = failed;
    registered.failed_when_result = failed;
  }
  return { registered, failed: asVerdict(registered.failed), changed: asVerdict(registered.changed) };
}

/** A condition's value as a verdict: Python's truth of it (Ansible's conditional is a bool already), unknown kept. */
function verdict(value: boolean | Unknown): boolean | Unknown {
  return isUnknown(value) ? UNKNOWN : value === true;
}

function asVerdict(value: unknown): boolean | Unknown {
  return isUnknown(value) ? UNKNOWN : value === true;
}
