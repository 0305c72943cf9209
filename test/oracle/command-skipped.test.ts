import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli, writeProject, type ProvisionResult } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * A `command` that `creates:` or `removes:` skips, against ansible-playbook 2.14
 * (its command module, on this machine with the local connection) and
 * provision (through a real sshd on loopback), in a real run and with --check:
 * every task's status in order, and what each `register:` holds (shown by a
 * `debug: var:` after it) on the keys provision registers for a command, which
 * must all be Ansible's too. A path with quotes, backticks, @, :, # and
 * spaces is reported as written. In check mode a command that would run has
 * output provision does not guess (README, "Check mode stays exact"): its
 * registered value is unknown there, where Ansible says rc 0 and no output.
 */
const run = promisify(execFile);
const { sshd } = useTestSshd('provision-command-skipped-');

/** The file both tools find there (made by the test), with troublesome characters (no `$`: Ansible expands variables in these paths, provision refuses them). */
const THERE = `it's "a" \`id\` u@h:x #c y`;

const playbook = (dir: string): string => {
  const there = JSON.stringify(join(dir, THERE));
  const missing = JSON.stringify(join(dir, 'not here'));
  return `- hosts: all
  gather_facts: false
  tasks:
    - name: creates exists
      command: { argv: [echo, ran], creates: ${there} }
      register: c_creates
    - name: show c_creates
      debug: { var: c_creates }
    - name: a condition reads the skipped stdout
      debug: { msg: it was skipped }
      when: "'skipped, since' in c_creates.stdout and c_creates.rc == 0"
    - name: removes does not exist
      command: { argv: [echo, ran], removes: ${missing} }
      register: c_removes
    - name: show c_removes
      debug: { var: c_removes }
    - name: both given, creates absent, removes absent
      command: { argv: [echo, ran], creates: ${missing}, removes: ${missing}, chdir: /tmp }
      register: c_both
    - name: show c_both
      debug: { var: c_both }
    - name: changed_when reads the skip
      command: { argv: [echo, ran], creates: ${there} }
      changed_when: "'skipped' not in c_judged.stdout"
      register: c_judged
    - name: creates absent, it runs
      command: { argv: [echo, ran], creates: ${missing} }
      register: c_ran
    - name: show c_ran
      debug: { var: c_ran }
    - name: removes exists, it runs
      command: { argv: [echo, ran], removes: ${there} }
      register: c_ran_removes
    - name: show c_ran_removes
      debug: { var: c_ran_removes }
`;
};

type AnsibleResult = Record<string, unknown> & { changed?: boolean; failed?: boolean; skipped?: boolean };
type AnsibleRun = { plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[] };

/** The keys a command's registered result has in provision (src/run/task-run.ts). */
const PROVISION_KEYS = ['changed', 'failed', 'msg', 'rc', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines'];
const only = (value: Record<string, unknown>, keys: string[]): Record<string, unknown> => Object.fromEntries(keys.filter((k) => k in value).map((k) => [k, value[k]]));

interface Seen {
  statuses: string[];
  registered: Record<string, Record<string, unknown>>;
}

function ansibleSeen(stdout: string): Seen {
  const json = JSON.parse(stdout) as AnsibleRun;
  const statuses: string[] = [];
  const registered: Record<string, Record<string, unknown>> = {};
  for (const t of json.plays[0].tasks) {
    const r = t.hosts.local;
    statuses.push(`${t.task.name}: ${r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok'}`);
    const shown = /^show (\w+)$/.exec(t.task.name);
    if (shown) registered[shown[1]] = r[shown[1]] as Record<string, unknown>;
  }
  return { statuses, registered };
}

function provisionSeen(result: ProvisionResult): Seen & { unknown: string[] } {
  const host = result.report!.hosts.local;
  const registered: Record<string, Record<string, unknown>> = {};
  const unknown: string[] = [];
  for (const t of host.tasks) {
    const shown = /^show (\w+)$/.exec(t.name);
    if (!shown) continue;
    if ((t as { unknown?: boolean }).unknown) unknown.push(shown[1]);
    else registered[shown[1]] = JSON.parse(t.message.slice(`${shown[1]}: `.length)) as Record<string, unknown>;
  }
  return { statuses: host.tasks.map((t) => `${t.name}: ${t.status}`), registered, unknown };
}

describe.each([false, true])('a command skipped by creates/removes registers what Ansible registers (check mode: %s)', (check) => {
  it('every task and every registered result', async () => {
    const dir = writeProject({
      'ansible.cfg': '[defaults]\n',
      'local.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
      [THERE]: '',
    });
    const site = join(dir, 'site.yaml');
    writeFileSync(site, playbook(dir));
    const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
    const mode = check ? ['--check'] : [];
    const [out, result] = await Promise.all([run('ansible-playbook', ['-i', join(dir, 'local.ini'), site, ...mode], { env, cwd: dir }), runCli([site, '-i', sshd.inventory(), ...mode])]);
    const theirs = ansibleSeen(out.stdout);
    const ours = provisionSeen(result);
    expect(result.exitCode, result.stderr).toBe(0);
    // The skips happened in Ansible (a run that skipped nothing would prove nothing).
    expect(theirs.registered.c_creates.stdout).toBe(`skipped, since ${join(dir, THERE)} exists`);
    // What check mode does not know (a command it does not run): unknown in provision, a guess in Ansible.
    const guessed = check ? ['c_ran', 'c_ran_removes', 'c_both'].filter((n) => theirs.registered[n].changed === true) : [];
    expect(ours.unknown.sort()).toEqual(guessed.sort());
    const statuses = (s: string[]): string[] => s.filter((line) => !guessed.some((n) => line.startsWith(`show ${n}:`)));
    expect(statuses(ours.statuses)).toEqual(statuses(theirs.statuses));
    for (const [name, mine] of Object.entries(ours.registered)) {
      const keys = Object.keys(mine);
      expect(keys.filter((k) => !(k in theirs.registered[name])), name).toEqual([]);
      // A command that ran: provision's msg is what it did ("run echo ran"), Ansible's is empty (README, "Coming from Ansible").
      const compared = theirs.registered[name].changed === true ? PROVISION_KEYS.filter((k) => k !== 'msg') : PROVISION_KEYS;
      expect(only(mine, compared), name).toEqual(only(theirs.registered[name], compared));
    }
    expect(Object.keys(ours.registered).sort()).toEqual(Object.keys(theirs.registered).filter((n) => !guessed.includes(n)).sort());
  }, 180_000);
});
