import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

// --step against ansible-playbook --step (ansible-core 2.14): the same playbook and the same answers
// piped to both; compared: the questions asked, in order, and which tasks ran (the files each
// tool's tasks touched in its own directory). Ansible runs it with its local connection,
// provision over a loopback sshd.
let sshd: TestSshd;
let base: string;

const playbook = (dir: string): string => `- hosts: all
  gather_facts: false
  tasks:
    - name: one
      file: { path: ${dir}/one, state: touch }
    - name: two
      file: { path: ${dir}/two, state: touch }
      notify: mark it
    - name: a loop
      file: { path: "${dir}/{{ item }}", state: touch }
      loop: [four, five]
    - name: never
      file: { path: ${dir}/never, state: touch }
      when: false
    - name: flush
      meta: flush_handlers
    - name: three
      file: { path: ${dir}/three, state: touch }
      notify: mark it
  handlers:
    - name: mark it
      file: { path: ${dir}/handled, state: touch }
`;

const QUESTION = /Perform task: ((?:TASK|HANDLER): .+?) \(N\)o\/\(y\)es\/\(c\)ontinue: /g;

/** The questions in the order asked. Ansible prints each twice (the prompt, then a banner of it): once is kept. */
function questions(text: string): string[] {
  const all = [...text.matchAll(QUESTION)].map((m) => m[1]);
  return all.filter((q, i) => i === 0 || q !== all[i - 1]);
}

beforeAll(async () => {
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), 'provision-step-oracle-'));
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(base, { recursive: true, force: true });
});

const cases: [string, string, string[]][] = [
  ['every answer y', 'y\ny\ny\ny\ny\ny\ny\n', []],
  ['all n: nothing runs, no handler is notified', 'n\nn\nn\nn\nn\n', []],
  ['n on the task that notifies, y on the rest: the handler is asked once, after three', 'y\nn\ny\ny\ny\ny\n', []],
  ['y on the notifying task, n on its handler at the flush, y on the second time', 'y\ny\nn\nn\nn\ny\ny\n', []],
  ['n on the handler at the flush and on three: the handler stays notified, asked again at the end', 'y\ny\nn\nn\nn\nn\ny\n', []],
  ['c at the loop: the loop and every later task without asking', 'n\ny\nc\n', []],
  ['Enter and anything unknown are No; YES and Continue are read', '\nYES\nyep\n\nContinue\n', []],
  ['--check: asked the same, nothing changes on the host', 'y\ny\ny\ny\ny\ny\ny\n', ['--check']],
];

// Both tools start several processes per case: minutes on a loaded machine.
describe('--step vs ansible-playbook --step', { timeout: 240_000 }, () => {
  it.each(cases)('%s', async (name, answers, flags) => {
    const slug = name.replace(/\W+/g, '-').slice(0, 40);
    const theirsDir = join(base, `ansible-${slug}`);
    const oursDir = join(base, `provision-${slug}`);
    mkdirSync(theirsDir);
    mkdirSync(oursDir);
    const a = spawnSync('ansible-playbook', ['-i', 'local,', '-c', 'local', '--step', ...flags, join(writeProject({ 'site.yaml': playbook(theirsDir) }), 'site.yaml')], {
      encoding: 'utf8',
      input: answers,
      env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(base, 'ansible-tmp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' },
    });
    expect(a.status, a.stdout + a.stderr).toBe(0);
    const r = await runCli([join(writeProject({ 'site.yaml': playbook(oursDir) }), 'site.yaml'), '-i', sshd.inventory(), '--step', ...flags], {}, { input: answers });
    expect(r.exitCode, r.stderr).toBe(0);
    const asked = questions(a.stdout);
    expect(asked.length).toBeGreaterThan(0);
    expect(questions(r.stderr)).toEqual(asked);
    expect(readdirSync(oursDir).sort()).toEqual(readdirSync(theirsDir).sort());
  });
});
