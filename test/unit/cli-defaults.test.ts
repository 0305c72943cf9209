import { describe, expect, it } from 'vitest';
import { loadAndCompile } from '../../src/commands/load.js';
import { staticTasks } from '../../src/compile.js';
import { writeProject } from '../support/provision.js';

/**
 * -u, --private-key and -b are Ansible's command-line defaults: below every
 * keyword and variable that says otherwise. Checked on the compiled runs (what
 * the SSH layer and the runner receive), before any host.
 */
function compiled(inventoryHost: string, play: string, cli: Record<string, unknown>) {
  const dir = writeProject({
    'hosts.yaml': `all:\n  hosts:\n    h1:\n${inventoryHost}`,
    'site.yaml': `- hosts: all\n${play}  tasks:\n    - name: t\n      debug: { msg: hi }\n    - name: t2\n      become: false\n      debug: { msg: hi }\n`,
  });
  const [run] = loadAndCompile(`${dir}/site.yaml`, { inventory: `${dir}/hosts.yaml`, extraVars: [], ...cli });
  return { target: run.target, become: staticTasks(run.plays[0]).map((t) => t.become) };
}

describe('command-line defaults', () => {
  it.each([
    ['nothing given: nothing set', '', '', {}, undefined, undefined, [false, false]],
    ['-u where nothing sets a user', '', '', { user: 'deploy' }, 'deploy', undefined, [false, false]],
    ['ansible_user wins over -u', '      ansible_user: admin\n', '', { user: 'deploy' }, 'admin', undefined, [false, false]],
    ['a play\'s vars: ansible_user wins over -u', '', '  vars: { ansible_user: admin }\n', { user: 'deploy' }, 'admin', undefined, [false, false]],
    ['--private-key where nothing sets a key', '', '', { privateKey: '/k/id' }, undefined, '/k/id', [false, false]],
    ['ansible_ssh_private_key_file wins over --private-key', '      ansible_ssh_private_key_file: /inv/id\n', '', { privateKey: '/k/id' }, undefined, '/inv/id', [false, false]],
    ['-b: tasks become, a task\'s become: false still wins', '', '', { become: true }, undefined, undefined, [true, false]],
    ['-b under a play\'s become: false', '', '  become: false\n', { become: true }, undefined, undefined, [false, false]],
    ['-b under ansible_become: false', '      ansible_become: false\n', '', { become: true }, undefined, undefined, [false, false]],
  ])('%s', (_, host, play, cli, user, key, become) => {
    const r = compiled(host as string, play as string, cli as Record<string, unknown>);
    expect(r.target.user).toBe(user);
    expect(r.target.privateKey).toBe(key);
    expect(r.become).toEqual(become);
  });

  it('--become-user other than root is refused, root is accepted', () => {
    expect(() => compiled('', '', { becomeUser: 'postgres' })).toThrow('--become-user postgres is not supported');
    expect(compiled('', '', { becomeUser: 'root', become: true }).become).toEqual([true, false]);
  });
});
