import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli, writeProject, type ProvisionResult } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * `failed_when`, `changed_when`, `ignore_errors` and `register:` on the tasks
 * that never touch the host (debug, assert, set_fact, fail), and on host
 * tasks that have nothing to do, against
 * ansible-playbook 2.14: the same playbook run by Ansible on this machine
 * (`ansible_connection=local`) and by provision through a real sshd on
 * loopback, in a real run and in check mode. Compared: every task's and
 * handler's status in order (ok, changed, failed, skipped; a loop's items
 * folded as Ansible folds them), what each `register:` holds (shown by a
 * `debug: var:` after it), the recap and the exit status.
 */
const run = promisify(execFile);
const { sshd } = useTestSshd('provision-failed-when-');

const cases: [string, string][] = [
  [
    'debug',
    `  tasks:
    - name: failed_when true, ignored
      debug: { msg: x }
      failed_when: true
      ignore_errors: true
      register: d_true
      notify: H
    - name: show d_true
      debug: { var: d_true }
    - name: failed_when false
      debug: { msg: "said" }
      failed_when: false
      register: d_false
    - name: show d_false
      debug: { var: d_false }
    - name: failed_when reads its own message
      debug: { msg: "{{ word }}" }
      failed_when: d_expr.msg == 'boom'
      ignore_errors: true
      register: d_expr
    - name: show d_expr
      debug: { var: d_expr }
    - name: debug var, changed_when true notifies
      debug: { var: word }
      changed_when: true
      register: d_var
      notify: H
    - name: show d_var
      debug: { var: d_var }
    - name: changed and failed, ignored, notifies nothing
      debug: { msg: both }
      changed_when: true
      failed_when: d_both.changed
      ignore_errors: true
      register: d_both
      notify: G
    - name: show d_both
      debug: { var: d_both }
    - name: failed_when on a variable, false
      debug: { msg: fine }
      failed_when: word != 'boom'
  handlers:
    - name: H
      debug: { msg: handler H }
    - name: G
      debug: { msg: handler G }
`,
  ],
  [
    'assert and fail',
    `  tasks:
    - name: a failing assert with failed_when false never fails
      assert: { that: [word == 'boom', 1 == 2], fail_msg: "not so" }
      failed_when: false
      register: a_false
    - name: show a_false
      debug: { var: a_false }
    - name: a passing assert with failed_when true fails, ignored
      assert: { that: "word == 'boom'" }
      failed_when: true
      ignore_errors: true
      register: a_true
    - name: show a_true
      debug: { var: a_true }
    - name: failed_when reads what the assert registered
      assert: { that: "1 == 2", quiet: true }
      failed_when: a_expr.evaluated_to != false or a_expr.assertion != '1 == 2'
      register: a_expr
    - name: show a_expr
      debug: { var: a_expr }
    - name: a quiet passing assert
      assert: { that: [true], quiet: true, success_msg: "fine" }
      register: a_quiet
    - name: show a_quiet
      debug: { var: a_quiet }
    - name: changed_when true on an assert notifies
      assert: { that: [true] }
      changed_when: true
      notify: H
    - name: fail with failed_when false
      fail: { msg: "not really" }
      failed_when: false
      register: f_false
    - name: show f_false
      debug: { var: f_false }
  handlers:
    - name: H
      debug: { msg: handler H }
`,
  ],
  [
    'set_fact',
    `  tasks:
    - name: failed_when reads the fact it sets, ignored
      set_fact: { nf: 5 }
      failed_when: nf == 5
      ignore_errors: true
      register: s_true
    - name: show s_true
      debug: { var: s_true }
    - name: a failed set_fact sets nothing
      debug: { msg: "nf is set" }
      when: nf is defined
    - name: failed_when false, the fact is set
      set_fact: { kept: "{{ word }}-kept" }
      failed_when: kept != 'boom-kept'
      register: s_false
    - name: show s_false
      debug: { var: s_false }
    - name: show kept
      debug: { var: kept }
    - name: failed_when reads its register
      set_fact: { other: 1 }
      failed_when: s_reg.ansible_facts.other == 2
      register: s_reg
    - name: changed_when true notifies
      set_fact: { changed_fact: yes }
      changed_when: true
      register: s_changed
      notify: H
    - name: show s_changed
      debug: { var: s_changed }
  handlers:
    - name: H
      debug: { msg: handler H }
`,
  ],
  [
    'in a block with rescue',
    `  tasks:
    - name: the block
      block:
        - name: debug failed_when true in the block
          debug: { msg: in block }
          failed_when: true
        - name: not reached
          debug: { msg: not reached }
      rescue:
        - name: the rescue runs
          debug: { msg: rescued }
        - name: set_fact failing in the rescue, ignored
          set_fact: { rf: 1 }
          failed_when: rf == 1
          ignore_errors: true
        - name: rf was not set
          debug: { msg: "rf is set" }
          when: rf is defined
      always:
        - name: always runs
          debug: { msg: always }
    - name: a block whose assert is saved by failed_when false
      block:
        - name: assert failed_when false in a block
          assert: { that: "1 == 2" }
          failed_when: false
        - name: reached
          debug: { msg: reached }
      rescue:
        - name: no rescue needed
          debug: { msg: not needed }
`,
  ],
  [
    'in a loop',
    `  tasks:
    - name: debug loop, item 2 fails, ignored
      debug: { msg: "{{ item }}" }
      loop: [1, 2, 3]
      failed_when: item == 2
      ignore_errors: true
      register: l_debug
    - name: show l_debug
      debug: { var: l_debug }
    - name: set_fact loop, item b fails, ignored
      set_fact: { last: "{{ item }}" }
      loop: [a, b, c]
      failed_when: item == 'b'
      ignore_errors: true
    - name: show last
      debug: { var: last }
    - name: assert loop, failed_when false
      assert: { that: "item > 5" }
      loop: [1, 9]
      failed_when: false
      register: l_assert
    - name: show l_assert
      debug: { var: l_assert }
`,
  ],
  [
    'conditions that read an earlier result, a task var and the loop item',
    `  tasks:
    - name: an earlier result
      command: echo hi
      register: prev
      changed_when: false
      check_mode: false
    - name: debug failed_when reads it, false
      debug: { msg: static }
      failed_when: prev.stdout != 'hi'
    - name: assert changed_when reads it, true
      assert: { that: [true] }
      changed_when: prev.stdout == 'hi'
    - name: set_fact failed_when reads a task var, ignored
      set_fact: { tv_fact: 1 }
      vars: { tv: bad }
      failed_when: tv == 'bad'
      ignore_errors: true
    - name: command loop, failed_when reads the item
      command: echo {{ item }}
      check_mode: false
      loop: [1, 2]
      failed_when: item == 2
      changed_when: false
      ignore_errors: true
`,
  ],
  [
    'host tasks with nothing to do are judged too',
    `  tasks:
    - name: a command skipped by creates, changed_when true notifies
      command: { cmd: "echo hi", creates: /etc/passwd }
      changed_when: true
      notify: H
    - name: a directory already there, failed_when true, ignored
      file: { path: /etc, state: directory }
      failed_when: true
      ignore_errors: true
    - name: a directory already there, failed_when false
      file: { path: /etc, state: directory }
      failed_when: false
    - name: a directory already there, changed_when reads the word
      file: { path: /etc, state: directory }
      changed_when: word == 'boom'
  handlers:
    - name: H
      debug: { msg: handler H }
`,
  ],
  [
    'a failure nothing handles stops the host',
    `  tasks:
    - name: fine
      debug: { msg: fine }
    - name: debug failed_when true
      debug: { msg: stop }
      failed_when: true
      changed_when: true
      notify: H
    - name: never runs
      debug: { msg: never }
  handlers:
    - name: H
      debug: { msg: handler H }
`,
  ],
];

type AnsibleResult = Record<string, unknown> & { changed?: boolean; failed?: boolean; skipped?: boolean };
type AnsibleRun = { plays: { tasks: { task: { name: string }; hosts: Record<string, AnsibleResult> }[] }[]; stats: Record<string, Record<string, number>> };

/** What both tools are compared on: each task's status in order, each register's value, the recap, the exit status. */
interface Seen {
  statuses: string[];
  registered: Record<string, unknown>;
  recap: Record<string, number>;
  exitCode: number;
}

/** A registered value without Ansible's internal keys (`_ansible_*`), which provision has no use for. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('_')).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** A value as provision's `debug: var:` shows it: a string as it is, anything else as JSON. */
function shownValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function ansibleSeen(stdout: string, exitCode: number): Seen {
  const json = JSON.parse(stdout) as AnsibleRun;
  const statuses: string[] = [];
  const registered: Record<string, unknown> = {};
  for (const t of json.plays.flatMap((p) => p.tasks)) {
    const r = t.hosts.local;
    if (!r) continue;
    statuses.push(`${t.task.name}: ${r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok'}`);
    const shown = /^show (\w+)$/.exec(t.task.name);
    if (shown) registered[shown[1]] = plain(r[shown[1]]);
  }
  const s = json.stats.local;
  return { statuses, registered, recap: { ok: s.ok, changed: s.changed, failed: s.failures, skipped: s.skipped, rescued: s.rescued, ignored: s.ignored }, exitCode };
}

function provisionSeen(result: ProvisionResult): Seen {
  const host = result.report!.hosts.local;
  // A loop's items, folded as Ansible folds them: failed if one failed, else changed if one changed, else skipped if all were.
  const folded: { name: string; statuses: string[] }[] = [];
  const registered: Record<string, unknown> = {};
  let previous: { name: string; statuses: string[] } | undefined;
  for (const t of host.tasks) {
    if (t.type === 'meta') continue;
    if (previous && previous.name === t.name && /loop/.test(t.name)) previous.statuses.push(t.status);
    else folded.push((previous = { name: t.name, statuses: [t.status] }));
    const shown = /^show (\w+)$/.exec(t.name);
    if (shown) registered[shown[1]] = shownValue(t.message.slice(`${shown[1]}: `.length));
  }
  const fold = (s: string[]): string => (s.includes('failed') ? 'failed' : s.includes('changed') ? 'changed' : s.every((x) => x === 'skipped') ? 'skipped' : 'ok');
  // provision's recap counts each result once (ok: neither changed nor failed; an ignored failure: ignored only);
  // Ansible's ok counts changed and ignored results too, and its changed an ignored failure that changed first.
  const { ok, changed, failed, skipped, rescued, ignored } = host.recap as unknown as Record<string, number>;
  const changedThenIgnored = host.tasks.filter((t) => t.status === 'failed' && t.changed && (t as { handled?: string }).handled === 'ignored').length;
  const recap = { ok: ok + changed + ignored, changed: changed + changedThenIgnored, failed, skipped, rescued, ignored };
  return { statuses: folded.map((f) => `${f.name}: ${fold(f.statuses)}`), registered, recap, exitCode: result.exitCode };
}

async function ansiblePlaybook(dir: string, check: boolean): Promise<Seen> {
  const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
  try {
    const out = await run('ansible-playbook', ['-i', join(dir, 'local.ini'), join(dir, 'site.yaml'), ...(check ? ['--check'] : [])], { env, cwd: dir });
    return ansibleSeen(out.stdout, 0);
  } catch (err) {
    const e = err as { stdout: string; code: number };
    return ansibleSeen(e.stdout, e.code);
  }
}

describe.each([false, true])('failed_when and changed_when on host-less tasks, against ansible-playbook (check mode: %s)', (check) => {
  it.each(cases)('%s', async (name, body) => {
    const dir = writeProject({
      'ansible.cfg': '[defaults]\n',
      'local.ini': 'local ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
      'site.yaml': `- hosts: all\n  gather_facts: false\n  vars: { word: boom }\n${body}`,
    });
    const [theirs, mine] = await Promise.all([ansiblePlaybook(dir, check), runCli([join(dir, 'site.yaml'), '-i', sshd.inventory(), ...(check ? ['--check'] : [])])]);
    const ours = provisionSeen(mine);
    // Ansible ran the tasks the case is about (equal empty lists would prove nothing).
    expect(theirs.statuses.length).toBeGreaterThan(1);
    expect(ours.statuses).toEqual(theirs.statuses);
    expect(ours.registered).toEqual(theirs.registered);
    // A loop's items count one by one in provision's recap (README), once per task in Ansible's.
    const counted = (r: Record<string, number>): Record<string, number> => (/loop/.test(name) ? { failed: r.failed, rescued: r.rescued, ignored: r.ignored } : r);
    expect(counted(ours.recap)).toEqual(counted(theirs.recap));
    // Ansible exits 2 when a host failed; provision too (an ignored failure aside: provision says 2, see README).
    expect(ours.exitCode === 0).toBe(theirs.exitCode === 0);
  }, 120_000);
});
