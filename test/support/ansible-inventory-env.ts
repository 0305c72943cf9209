import { join } from 'node:path';

/**
 * The environment ansible-inventory runs in as an oracle: nothing of this machine's configuration
 * (HOME is an empty folder, no ansible.cfg), and a source Ansible cannot parse fails the oracle
 * instead of silently shrinking the inventory. test/oracle/inventory.test.ts and the fuzz test's
 * fork servers run it alike.
 */
export function ansibleInventoryEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    ANSIBLE_CONFIG: join(home, 'ansible.cfg'),
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True',
    ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'True',
    ANSIBLE_NOCOLOR: '1',
  };
}
