import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CLI } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * What a command receives on stdin and in its environment, provision against
 * Ansible (ansible-core 2.14, local connection): the same bytes in the same
 * files. provision gives the environment as an argument of command (Ansible: the
 * task keyword `environment:`); both reach the command only through stdin.
 */
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const TROUBLESOME = `p'a"s$s \`id\` u@h:/x #c y`;

const STDIN_CASES: { name: string; yaml: string }[] = [
  { name: 'plain', yaml: 'stdin: abc' },
  { name: 'no-added-newline', yaml: 'stdin: abc, stdin_add_newline: false' },
  { name: 'ends-with-newline', yaml: 'stdin: "abc\\n"' },
  { name: 'empty', yaml: 'stdin: ""' },
  { name: 'troublesome', yaml: `stdin: ${JSON.stringify(TROUBLESOME)}` },
  { name: 'multi-line', yaml: 'stdin: "one\\ntwo\\n\\n"' },
];

/**
 * Ansible 2.14 puts `environment:` on the shell command line that starts the
 * module (`/bin/sh -c 'NAME=value ... python3 ...'`), so a value with quotes or
 * backticks breaks that line (it ran the backticks here): it is in the
 * process list too. The oracle compares what Ansible carries; the values it
 * cannot carry are checked against the value itself (provision only).
 */
const ENVIRONMENT = `{ A_INT: 1, B_TRUE: true, C_FALSE: false, D_SPACES: "x y", G_EMPTY: "" }`;
const ENV_NAMES = ['A_INT', 'B_TRUE', 'C_FALSE', 'D_SPACES', 'G_EMPTY'];
const PROVISION_ONLY_ENV: Record<string, string> = { E_TROUBLESOME: TROUBLESOME, F_NEWLINES: 'a\n\n' };

/** The play, for one tool: each case writes what the command got into its own file under `out`. */
function play(out: string, tool: 'ansible' | 'provision'): string {
  const stdinTasks = STDIN_CASES.map((c) => `    - command: { argv: [sh, -c, 'cat > "$1"', x, ${out}/stdin-${c.name}], ${c.yaml} }\n`);
  // Each variable into a file of its own (a file keeps trailing newlines).
  const script = ENV_NAMES.map((n) => `printf %s "$${n}" > ${out}/env-${n}`).join('; ');
  const ownScript = Object.keys(PROVISION_ONLY_ENV).map((n) => `printf %s "$${n}" > ${out}/env-${n}`).join('; ');
  const envTask =
    tool === 'ansible'
      ? `    - command: { argv: [sh, -c, '${script}'] }\n      environment: ${ENVIRONMENT}\n`
      : `    - command: { argv: [sh, -c, '${script}'], environment: ${ENVIRONMENT} }\n    - command: { argv: [sh, -c, '${ownScript}'], environment: ${JSON.stringify(PROVISION_ONLY_ENV)} }\n`;
  return `- hosts: all\n  gather_facts: false\n  tasks:\n${stdinTasks.join('')}${envTask}`;
}

const { sshd, work } = useTestSshd('provision-oracle-command-');

describe('command stdin and environment vs Ansible', () => {
  it('every case: the same bytes reach the command', () => {
    const outA = join(work, 'ansible');
    const outP = join(work, 'provision');
    mkdirSync(outA);
    mkdirSync(outP);
    writeFileSync(join(work, 'ansible.yml'), play(outA, 'ansible'));
    writeFileSync(join(work, 'provision.yaml'), play(outP, 'provision'));
    const a = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', join(work, 'ansible.yml')], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
    expect(a.status, a.stdout + a.stderr).toBe(0);
    const p = spawnSync(process.execPath, [CLI, join(work, 'provision.yaml'), '-i', sshd.inventory()], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    expect(p.status, p.stdout + p.stderr).toBe(0);
    const files = [...STDIN_CASES.map((c) => `stdin-${c.name}`), ...ENV_NAMES.map((n) => `env-${n}`)];
    for (const f of files) expect(readFileSync(join(outP, f), 'latin1'), f).toBe(readFileSync(join(outA, f), 'latin1'));
    for (const [name, value] of Object.entries(PROVISION_ONLY_ENV)) expect(readFileSync(join(outP, `env-${name}`), 'utf8'), name).toBe(value);
  });
});
