import * as z from 'zod';
import { ConfigError } from './errors.js';
import { schemaErrors } from './schema-errors.js';
import { isSecret } from './secret.js';
import { SECRET_WORD_REASON } from './shell.js';
import { formatPath, type FieldPath, type YamlSource } from './yaml-source.js';

/**
 * A task's arguments refused by its schema, as ConfigErrors. A Secret (a vaulted
 * value, `!secret`, or any value rendered from one: src/template.ts) where the
 * schema wants plain text is an argument that becomes a command word on the
 * host: only fields meant for secrets (passwords, file content, a command's
 * stdin and environment) accept one. Those refusals get the reason and what to
 * do instead; every other issue reads as schemaErrors gives it.
 */
export function taskArgumentErrors(error: z.ZodError, input: unknown, taskType: string, source: YamlSource, base: FieldPath, displayBase: FieldPath = base): ConfigError[] {
  const reason = SECRET_REFUSALS[taskType] ?? `${SECRET_WORD_REASON}; ${SECRET_HINTS[taskType] ?? DEFAULT_HINT}`;
  return argumentErrors(error, input, reason, source, base, displayBase);
}

/**
 * A `verify:` check refused by its schema, as ConfigErrors: a Secret anywhere but
 * `http.auth.password` gets the reason and what to do, as a task's argument does.
 */
export function verifyCheckErrors(error: z.ZodError, input: unknown, source: YamlSource, base: FieldPath, displayBase: FieldPath = base): ConfigError[] {
  return argumentErrors(error, input, VERIFY_SECRET_REFUSAL, source, base, displayBase);
}

function argumentErrors(error: z.ZodError, input: unknown, secretReason: string, source: YamlSource, base: FieldPath, displayBase: FieldPath): ConfigError[] {
  const secretPaths = new Map<string, FieldPath>();
  const others: z.core.$ZodIssue[] = [];
  for (const issue of error.issues) {
    const found = secretIssuePaths(issue, [], input);
    if (found.length) for (const p of found) secretPaths.set(JSON.stringify(p), p);
    else others.push(issue);
  }
  const refused = [...secretPaths.values()].map(
    (p) => new ConfigError(secretReason, source.locate([...base, ...p]), formatPath([...displayBase, ...p]) || undefined),
  );
  return [...refused, ...(others.length ? schemaErrors(new z.ZodError(others), source, base, displayBase) : [])];
}

const DEFAULT_HINT = 'give the secret to a field that takes one (a password, a file\'s content), or a plain value here';

/** What to do instead, for task types with a field meant for the secret. */
const SECRET_HINTS: Record<string, string> = {
  command: 'give the secret to the command on `stdin:` or in `environment:` (both reach it through the script on stdin; the command reads "$NAME", or a file it is told to read)',
  file: 'a path, a link target, an owner or a mode cannot be secret; write secret content with copy or template',
  copy: 'only `content` may hold a secret; a path, owner, mode or validate command cannot',
  template: 'use the secret inside the template file (its content may hold secrets), not in the task\'s arguments',
};

/** Task types whose refused fields are not all command words: the whole reason, said their way. */
const SECRET_REFUSALS: Record<string, string> = {
  systemd_unit:
    'a unit\'s name becomes a command word on the host (its process list shows it), and a unit file is readable by every user (0644; `systemctl show` prints its Environment= to anyone): no secret in either; write the secret to a file of mode 0600 with copy or template and name that file in EnvironmentFile=',
};

/** A check's fields are shown in `provision test`'s output and report (its label, the text it looked for), and its command or path is a command word on the host. */
const VERIFY_SECRET_REFUSAL =
  'a verify: check shows its command, URL, path and expected text in the output and report of provision test, and its command or path becomes a command word on the host: no secret there (only http.auth.password takes one); check with a plain value (a scenario variable need not be secret), or let the command read the secret from a file the playbook wrote';

/**
 * Where, under `issue`, the refused value is a Secret (paths from the
 * arguments' root). A union's issue is looked into branch by branch: the
 * branch that failed on a secret names the field.
 */
function secretIssuePaths(issue: z.core.$ZodIssue, prefix: FieldPath, input: unknown): FieldPath[] {
  const path = [...prefix, ...(issue.path as FieldPath)];
  if (issue.code === 'invalid_union') return issue.errors.flatMap((branch) => branch.flatMap((i) => secretIssuePaths(i, path, input)));
  return isSecret(valueAt(input, path)) ? [path] : [];
}

function valueAt(root: unknown, path: FieldPath): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}
