// Host facts against Ansible's own `setup` module on a real Debian host (the release under test:
// PROVISION_TEST_RELEASE). For each state of the host (as booted, another login user, sudo, a
// host name with dots, an fqdn from /etc/hosts, python3-distro installed, no default route,
// secondary addresses, no python on the host), ansible-core 2.14 gathers its facts over SSH,
// provision reads its one fact script over its own SSH connection, and every fact provision
// defines must equal Ansible's, type included.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_FACT_NAMES, hostFactsFact, hostFactVars, type HostFacts } from '../../src/host-facts.js';
import { factBatch } from '../../src/remote-script.js';
import { HostConnection } from '../../src/ssh/connection.js';
import { TEST_RELEASE, useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject } from '../support/provision.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
let host: TestHost;
let dir: string;

/** The facts Ansible's setup module gives, logging in as `user` (with sudo when `become`). */
async function ansibleFacts(user: string, become: boolean): Promise<Record<string, unknown>> {
  const h = host.host;
  const inventory = join(dir, `inventory-${user}.ini`);
  writeFileSync(inventory, `target ansible_host=${h.address} ansible_port=${h.port} ansible_user=${user} ansible_ssh_private_key_file=${h.privateKeyPath} ansible_python_interpreter=/usr/bin/python3\n`);
  const env = {
    ...process.env,
    HOME: dir,
    ANSIBLE_CONFIG: join(dir, 'none.cfg'),
    ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${h.knownHostsPath} -o StrictHostKeyChecking=yes -o ControlMaster=no`,
    ANSIBLE_NOCOLOR: '1',
  };
  const r = await run('ansible', ['-i', inventory, 'target', '-m', 'setup', ...(become ? ['--become'] : [])], { env, maxBuffer: 64 * 1024 * 1024 });
  const text = r.stdout;
  return JSON.parse(text.slice(text.indexOf('{'))).ansible_facts;
}

/** provision's facts through its own SSH connection and fact batch: the runner's path. */
async function provisionFacts(user: string, become: boolean): Promise<{ facts: HostFacts; roundTrips: number }> {
  const h = host.host;
  const conn = await HostConnection.open({ name: 'target', address: h.address, port: h.port, user, privateKey: h.privateKeyPath, knownHosts: h.knownHostsPath }, { sshConfig: 'none' });
  try {
    const batch = factBatch([hostFactsFact]);
    const r = await conn.runScript(batch.script, become);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = batch.parse(r.stdout).get(hostFactsFact.key);
    expect(out, r.stdout).toBeDefined();
    return { facts: hostFactsFact.parse(out!), roundTrips: conn.roundTrips };
  } finally {
    conn.close();
  }
}

/** The variables of HOST_FACT_NAMES that a set of facts defines (ansible_facts aside). */
function defined(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(HOST_FACT_NAMES.filter((n) => n !== 'ansible_facts' && vars[n] !== undefined).map((n) => [n, vars[n]]));
}

interface Case {
  name: string;
  /** Shell run inside the host (as root, without SSH) before both tools read it, and its undoing. */
  setup?: string;
  undo?: string;
  user?: string;
  become?: boolean;
  /** What a user would check, so that the oracle is not taken blindly. */
  expect: (f: HostFacts) => void;
}

const CASES: Case[] = [
  {
    name: 'the host as booted, logged in as root',
    expect: (f) => {
      expect(f).toMatchObject({ distribution: 'Debian', distribution_release: TEST_RELEASE, os_family: 'Debian', system: 'Linux', service_mgr: 'systemd', pkg_mgr: 'apt', user_id: 'root' });
      expect(f.distribution_major_version).toBe(TEST_RELEASE === 'bookworm' ? '12' : '13');
      expect(f.default_ipv4.address).toBe(host.host.address);
      expect(f.all_ipv4_addresses).toEqual([host.host.address]);
      expect(f.memtotal_mb).toBeGreaterThan(0);
      expect(f.processor_vcpus).toBeGreaterThan(0);
    },
  },
  { name: 'an unprivileged login user', user: 'deploy', expect: (f) => expect(f).toMatchObject({ user_id: 'deploy', user_dir: '/home/deploy' }) },
  { name: 'an unprivileged login user with sudo', user: 'deploy', become: true, expect: (f) => expect(f).toMatchObject({ user_id: 'root', user_uid: 0 }) },
  {
    name: 'the fqdn from /etc/hosts: a domain',
    setup: "cp /etc/hosts /etc/hosts.pv; hostname web1; printf '127.0.1.1 web1.example.test web1\\n' > /etc/hosts",
    undo: 'mv /etc/hosts.pv /etc/hosts; hostname "$(cat /etc/hostname)"',
    expect: (f) => expect(f).toMatchObject({ hostname: 'web1', nodename: 'web1', fqdn: 'web1.example.test', domain: 'example.test' }),
  },
  {
    name: 'a host name with dots',
    setup: "cp /etc/hosts /etc/hosts.pv; hostname db2.internal.example; printf '127.0.0.1 localhost\\n10.9.8.7 db2.internal.example\\n' > /etc/hosts",
    undo: 'mv /etc/hosts.pv /etc/hosts; hostname "$(cat /etc/hostname)"',
    expect: (f) => expect(f).toMatchObject({ hostname: 'db2', nodename: 'db2.internal.example', fqdn: 'db2.internal.example', domain: 'internal.example' }),
  },
  {
    // Ansible's distribution_version then comes from that library: "12.15" rather than "12".
    name: 'python3-distro installed',
    setup: 'apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-distro >/dev/null',
    undo: 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq python3-distro >/dev/null',
    expect: (f) => expect(f.distribution_version).toMatch(/^1[23]\.\d+$/),
  },
  {
    name: 'no default route',
    setup: 'ip route show default > /var/tmp/pv-default-route; ip route del default',
    undo: 'ip route add $(cat /var/tmp/pv-default-route)',
    expect: (f) => expect(f.default_ipv4).toEqual({}),
  },
  {
    name: 'a second network with a secondary address',
    setup: 'ip addr add 192.0.2.10/24 brd 192.0.2.255 dev host0; ip addr add 192.0.2.11/24 dev host0',
    undo: 'ip addr del 192.0.2.11/24 dev host0; ip addr del 192.0.2.10/24 dev host0',
    expect: (f) => expect(f.all_ipv4_addresses).toEqual([host.host.address, '192.0.2.10', '192.0.2.11']),
  },
];

describe.skipIf(!isRoot)(`host facts as Ansible's setup module gives them (Debian ${TEST_RELEASE})`, () => {
  useTestHost('pv-hostfct', (h) => (host = h));
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pv-hostfacts-'));
  });

  for (const c of CASES) {
    describe(c.name, () => {
      beforeAll(async () => {
        if (c.setup) expect(await host.sh(`set -e; ${c.setup}`)).toMatchObject({ code: 0 });
      });
      afterAll(async () => {
        if (c.undo) expect(await host.sh(`set -e; ${c.undo}`)).toMatchObject({ code: 0 });
      });
      it(`${c.name}: every fact equals Ansible's, with its type, read in one round trip`, async () => {
        const user = c.user ?? 'root';
        const become = c.become ?? false;
        const ansible = await ansibleFacts(user, become);
        const mine = await provisionFacts(user, become);
        expect(mine.roundTrips).toBe(1);
        const vars = hostFactVars(mine.facts);
        expect(defined(vars)).toStrictEqual(defined(ansible));
        // Every name is defined on a Debian host: equal, not merely both absent.
        expect(Object.keys(defined(vars))).toEqual(HOST_FACT_NAMES.filter((n) => n !== 'ansible_facts'));
        c.expect(mine.facts);
      }, 120_000);
    });
  }

  it("a playbook sees them through the engine: a message built from facts shows Ansible's values, a condition on one decides", async () => {
    const ansible = await ansibleFacts('root', false);
    const name = host.host.name;
    const dir = writeProject({
      'site.yaml': `- hosts: ${name}
  tasks:
    - debug: { msg: "{{ ansible_distribution }}/{{ ansible_facts.distribution_release }}/{{ ansible_default_ipv4.address }}/{{ ansible_processor_vcpus }}" }
    - name: only on ${TEST_RELEASE}
      command: { cmd: "true" }
      when: ansible_distribution_release == "${TEST_RELEASE}"
    - name: never on ${TEST_RELEASE}
      command: { cmd: "false" }
      when: ansible_distribution_release != "${TEST_RELEASE}"
`,
    });
    const r = await runCli([`${dir}/site.yaml`, '-i', host.inventory]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const expected = [ansible.ansible_distribution, ansible.ansible_distribution_release, (ansible.ansible_default_ipv4 as { address: string }).address, ansible.ansible_processor_vcpus].join('/');
    expect(r.stdout).toContain(expected);
    expect(totals(r.report)).toMatchObject({ changed: 1, skipped: 1, failed: 0 });
  }, 120_000);

  it('needs no python on the host: the script names none, and reads the same facts with python3 gone', async () => {
    // Python appears only as a path tested with `[ -e ]` (which distro library Ansible would load), never run.
    expect(hostFactsFact.script.replaceAll('[ -e /usr/lib/python3/dist-packages/distro/__init__.py ]', '')).not.toMatch(/python|perl/i);
    const before = await provisionFacts('root', false);
    await host.sh('mv /usr/bin/python3 /usr/bin/python3.pv-off');
    try {
      const without = await provisionFacts('root', false);
      expect(without.facts).toStrictEqual(before.facts);
      expect((await host.sh('command -v python3')).code).not.toBe(0);
    } finally {
      await host.sh('mv /usr/bin/python3.pv-off /usr/bin/python3');
    }
  }, 120_000);
});
