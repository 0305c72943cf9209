import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/provision.js';

/**
 * The bash completion script as a user loads it (`eval "$(provision completion
 * bash)"`), driven the way bash drives it: COMP_WORDS and COMP_CWORD set, the
 * function called, COMPREPLY read back. `provision` on PATH is the built CLI.
 */
const bin = mkdtempSync(join(tmpdir(), 'provision-completion-bin-'));
symlinkSync(CLI, join(bin, 'provision'));
const project = mkdtempSync(join(tmpdir(), 'provision-completion-'));
mkdirSync(join(project, 'inventory'));
mkdirSync(join(project, 'playbooks'));
writeFileSync(join(project, 'inventory', 'hosts.yaml'), 'web:\n  hosts:\n    web1:\n    web2:\ndatabases:\n  hosts:\n    db1:\n');
writeFileSync(join(project, 'playbooks', 'site.yaml'), '- hosts: all\n  tasks:\n    - name: Install nginx\n      debug: { msg: hi }\n      tags: [nginx, packages]\n');
writeFileSync(join(project, 'notes.txt'), '');
// Roles: beside the playbook (roles:, import_role) and on the roles_path ansible.cfg names (include_role).
const roleTasks = (dir: string, text: string): void => {
  mkdirSync(join(project, dir, 'tasks'), { recursive: true });
  writeFileSync(join(project, dir, 'tasks', 'main.yml'), text);
};
roleTasks('playbooks/roles/web', '- name: Configure web\n  debug: { msg: web }\n  tags: [webconf]\n');
roleTasks('playbooks/roles/db', '- name: Create database\n  debug: { msg: db }\n  tags: [dbsetup]\n');
roleTasks('shared-roles/cache', '- name: Warm cache\n  debug: { msg: cache }\n  tags: [cachewarm]\n');
writeFileSync(join(project, 'ansible.cfg'), '[defaults]\nroles_path = shared-roles\n');
writeFileSync(
  join(project, 'playbooks', 'roles.yaml'),
  '- hosts: all\n  roles:\n    - role: web\n      tags: [webrole]\n  tasks:\n    - import_role: { name: db }\n    - include_role: { name: cache }\n      tags: [cacheinclude]\n    - name: Own task\n      debug: { msg: own }\n      tags: [own]\n',
);

function complete(line: string): string[] {
  const words = line.split(' ');
  const script = `eval "$(provision completion bash)"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _provision_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['-c', script], { cwd: project, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return out.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it.each([
    ['a subcommand', 'provision val', ['validate']],
    ['subcommands and playbook directories for the first word', 'provision ', ['validate', 'inventory', 'completion', 'playbooks/', 'inventory/']],
    ['a flag of the run', 'provision playbooks/site.yaml --list-t', ['--list-tasks', '--list-tags']],
    ['a flag of a subcommand', 'provision inventory --gr', ['--graph']],
    ['a playbook file (YAML only)', 'provision playbooks/', ['playbooks/site.yaml']],
    ['host and group names for --limit', 'provision playbooks/site.yaml -l web', ['web1', 'web2', 'web']],
    ['names from the inventory given with -i', 'provision playbooks/site.yaml -i inventory/hosts.yaml -l d', ['db1', 'databases']],
    ['tags of the playbook', 'provision playbooks/site.yaml -t n', ['nginx']],
    ['task names for --start-at-task', 'provision playbooks/site.yaml --start-at-task I', ['Install nginx']],
    ['nothing to complete', 'provision playbooks/site.yaml -t zzz', []],
    ['tags of roles: roles: (its tasks\' and the entry\'s), import_role, include_role (its own and its tasks\')', 'provision playbooks/roles.yaml --tags ', ['webconf', 'webrole', 'dbsetup', 'cacheinclude', 'cachewarm', 'own']],
    ['tags of roles for --skip-tags, by prefix', 'provision playbooks/roles.yaml --skip-tags c', ['cacheinclude', 'cachewarm']],
    // As --list-tasks names them, and as --start-at-task matches them: ROLE : NAME.
    ['task names of roles for --start-at-task', 'provision playbooks/roles.yaml --start-at-task ', ['web : Configure web', 'db : Create database', 'cache : Warm cache', 'Own task']],
  ])('%s: "%s"', (_, line, expected) => {
    const got = complete(line as string);
    for (const e of expected as string[]) expect(got).toContain(e);
    if ((expected as string[]).length === 0) expect(got).toEqual([]);
    expect(got).not.toContain('notes.txt');
  });

  it('the zsh and fish scripts call the same candidates', () => {
    for (const shell of ['zsh', 'fish']) expect(execFileSync(process.execPath, [CLI, 'completion', shell], { encoding: 'utf8' })).toContain('provision __complete');
  });
});
