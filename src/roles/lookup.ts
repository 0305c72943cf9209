import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * Where a role named in a play is looked for, in order: `roles/` beside the
 * playbook, `roles/` in the playbook's parent (a repository with playbooks/ and
 * roles/ side by side), each directory of the roles path (ansible.cfg's
 * roles_path, given by the caller), then the name itself as a path (relative to
 * the playbook), as Ansible does.
 */
export function roleCandidates(name: string, playbookDir: string, rolesPath: string[]): string[] {
  if (isAbsolute(name)) return [name];
  const dir = resolve(playbookDir);
  return [join(dir, 'roles', name), join(dirname(dir), 'roles', name), ...rolesPath.map((p) => resolve(dir, p, name)), join(dir, name)];
}

/** The first candidate that is a directory, or undefined. */
export function findRole(name: string, playbookDir: string, rolesPath: string[]): string | undefined {
  return roleCandidates(name, playbookDir, rolesPath).find((p) => existsSync(p) && statSync(p).isDirectory());
}

/**
 * A role's file in one of its folders (`tasks`, `defaults`, …) by base name,
 * with Ansible's extensions: `main`, `main.yml`, `main.yaml`, `main.json`.
 */
export function roleFile(roleDir: string, folder: string, base: string): string | undefined {
  return [base, `${base}.yml`, `${base}.yaml`, `${base}.json`].map((f) => join(roleDir, folder, f)).find((p) => existsSync(p) && statSync(p).isFile());
}
