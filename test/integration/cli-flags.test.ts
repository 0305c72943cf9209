import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, SUBCOMMANDS, writeProject, WHOAMI_PLAYBOOK as whoami } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * ansible-playbook's everyday flags on provision's command line, run through the
 * built CLI; the ones that decide how a host is reached against a real sshd on
 * loopback. Each case states the exit status a user (or a CI job) sees.
 */
let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

/** An inventory for the test sshd without the given native keys (user, private_key). */
function inventoryWithout(...keys: string[]): string {
  const file = sshd.inventory();
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !keys.some((k) => l.trim().startsWith(`${k}:`)))
    .join('\n');
  writeFileSync(file, text);
  return file;
}

describe('login user and key: -u and --private-key are defaults the inventory overrides (as in Ansible)', () => {
  it('-u is the login user where the inventory sets none: sshd refuses nobody (no login there), exit 3', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const r = await runCli([join(project, 'site.yaml'), '-i', inventoryWithout('user'), '-u', 'nobody']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('authentication failed for user nobody');
  });

  it('the inventory\'s user wins over -u: the task runs as root, exit 0', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '-u', 'nobody']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('--private-key is used where the inventory names no key: without it the host refuses (exit 3), with it the run passes', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const inventory = inventoryWithout('private_key');
    const without = await runCli([join(project, 'site.yaml'), '-i', inventory, '--ssh-config', 'none'], { SSH_AUTH_SOCK: '' });
    expect(without.exitCode).toBe(3);
    const withKey = await runCli([join(project, 'site.yaml'), '-i', inventory, '--ssh-config', 'none', '--private-key', sshd.clientKey], { SSH_AUTH_SOCK: '' });
    expect(withKey.exitCode).toBe(0);
  });

  it('the inventory\'s key wins over --private-key', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const other = join(writeProject({ 'k.pub': '' }), 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '--ssh-config', 'none', '--private-key', other], { SSH_AUTH_SOCK: '' });
    expect(r.exitCode).toBe(0);
  });
});

describe('become', () => {
  it('--become-user other than root is refused before any host is touched: exit 5', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '-b', '--become-user', 'postgres']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('--become-user postgres is not supported');
    expect(r.report).toBeUndefined();
  });

  it('-b --become-user root runs the tasks with sudo: exit 0', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '-b', '--become-user', 'root']);
    expect(r.exitCode).toBe(0);
  });
});

describe('--start-at-task', () => {
  const steps = (dir: string): string => `- hosts: all
  tasks:
    - name: one
      command: { argv: [touch, ${dir}/one] }
    - name: two
      command: { argv: [touch, ${dir}/two] }
    - name: three
      command: { argv: [touch, ${dir}/three] }
`;

  it('skips the tasks before the named one and runs the rest', async () => {
    const project = writeProject({ 'x': '' });
    writeFileSync(join(project, 'site.yaml'), steps(project));
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '--start-at-task', 'two']);
    expect(r.exitCode).toBe(0);
    expect(r.report!.hosts.local.tasks.map((t) => t.name)).toEqual(['two', 'three']);
  });

  it('a name no task has is a bad command line: exit 5, no host touched', async () => {
    const project = writeProject({ 'x': '' });
    writeFileSync(join(project, 'site.yaml'), steps(project));
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '--start-at-task', 'four']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('no task is named "four"');
    expect(r.report).toBeUndefined();
  });
});

describe('--syntax-check and validate', () => {
  it('--syntax-check is validate: same output, exit 0, no host touched', async () => {
    const project = writeProject({ 'site.yaml': whoami });
    const inventory = sshd.inventory();
    const check = await runCli([join(project, 'site.yaml'), '-i', inventory, '--syntax-check']);
    const validate = await runCli(['validate', join(project, 'site.yaml'), '-i', inventory]);
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toBe(validate.stdout);
    expect(check.report).toBeUndefined();
  });

  it('a YAML syntax error is reported with its line even when no inventory exists yet: exit 4', async () => {
    const project = writeProject({ 'site.yaml': '- hosts: all\n  tasks:\n    - name: x\n      command: [unclosed\n' });
    for (const args of [['validate', join(project, 'site.yaml')], [join(project, 'site.yaml'), '--syntax-check']]) {
      const r = await runCli(args);
      expect(r.exitCode).toBe(4);
      expect(r.stderr).toMatch(/site\.yaml:\d+/);
      expect(r.stderr).not.toContain('inventory');
    }
  });
});

describe('colour', () => {
  const run = async (env: Record<string, string>) => {
    const project = writeProject({ 'site.yaml': '- hosts: all\n  tasks:\n    - name: hi\n      debug: { msg: hi }\n' });
    return runCli([join(project, 'site.yaml'), '-i', sshd.inventory()], { NO_COLOR: '', ...env });
  };
  it('FORCE_COLOR=1 colours output that goes to a pipe; FORCE_COLOR=0 and NO_COLOR do not', async () => {
    expect((await run({ FORCE_COLOR: '1' })).stdout).toContain('\x1b[');
    expect((await run({ FORCE_COLOR: '0' })).stdout).not.toContain('\x1b[');
    expect((await run({ NO_COLOR: '1' })).stdout).not.toContain('\x1b[');
  });
});

describe('verbosity', () => {
  const playbook = '- hosts: all\n  tasks:\n    - name: hi\n      debug: { msg: hi }\n';
  it('-v, -vv and -vvv are counted; plain output shows each task as it starts', async () => {
    const project = writeProject({ 'site.yaml': playbook });
    for (const v of ['-v', '-vv', '-vvv', '-v -v']) {
      const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), ...v.split(' ')]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('local | running | hi');
      expect(r.stdout.includes('| ssh |')).toBe(v === '-vvv');
    }
  });

  it('-vvv shows the SSH exchange: the algorithms negotiated and the host key fingerprint ssh-keygen gives', async () => {
    const project = writeProject({ 'site.yaml': playbook });
    const r = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory(), '-vvv']);
    expect(r.exitCode).toBe(0);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(sshd.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(r.stdout).toContain(`local | ssh | host key 127.0.0.1:${sshd.port} ${fingerprint}`);
    expect(r.stdout).toMatch(/local \| ssh \| .*KEX algorithm: \S+/);
  });
});

describe('subcommands win over playbook names', () => {
  it('provision completion bash prints a script, not "playbook completion does not exist"', async () => {
    const r = spawnSync(process.execPath, [CLI, 'completion', 'bash'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('complete -F');
    const bad = spawnSync(process.execPath, [CLI, 'completion', 'tcsh'], { encoding: 'utf8' });
    expect(bad.status).toBe(5);
    expect(bad.stderr).toContain('unknown shell "tcsh"');
  });
});

describe('the test helper knows the CLI', () => {
  it('runCli\'s subcommand list is the one provision --help shows (plus the hidden __complete): only playbook runs get --report', () => {
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
    const listed = help
      .slice(help.indexOf('Commands:'))
      .split('\n')
      .slice(1)
      .filter((l) => /^  \S/.test(l))
      .map((l) => l.trim().split(' ')[0]);
    expect(listed.length).toBeGreaterThan(5);
    expect([...SUBCOMMANDS].sort()).toEqual([...listed, '__complete'].sort());
  });
});

describe('provision report: its errors say what failed', () => {
  it('a file that is not a run report: exit 4, the field and line, and that the page was not written (not "no host was touched")', async () => {
    const dir = writeProject({ 'bad.json': '{\n  "version": 1,\n  "playbook": 7\n}\n' });
    const r = await runCli(['report', join(dir, 'bad.json'), '-o', join(dir, 'run.html')]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${join(dir, 'bad.json')}:3:`);
    expect(r.stderr).toMatch(/playbook: expected string/);
    expect(r.stderr).toContain(`${join(dir, 'run.html')} was not written: ${join(dir, 'bad.json')} is not a run report provision can read`);
    expect(r.stderr).not.toMatch(/touched/i);
    expect(existsSync(join(dir, 'run.html'))).toBe(false);
  });

  it('a missing report: exit 4, naming the file; an HTML file that cannot be written: exit 5, naming it', async () => {
    const dir = writeProject({ 'x': '' });
    const missing = await runCli(['report', join(dir, 'none.json'), '-o', join(dir, 'run.html')]);
    expect(missing.exitCode).toBe(4);
    expect(missing.stderr).toContain(`${join(dir, 'none.json')}: cannot read file: ENOENT`);
    expect(missing.stderr).not.toMatch(/touched/i);
    const project = writeProject({ 'site.yaml': '- hosts: all\n  tasks:\n    - name: hi\n      debug: { msg: hi }\n' });
    const run = await runCli([join(project, 'site.yaml'), '-i', sshd.inventory()]);
    writeFileSync(join(dir, 'run.json'), JSON.stringify(run.report));
    const unwritable = await runCli(['report', join(dir, 'run.json'), '-o', join(dir, 'no-such-dir', 'run.html')]);
    expect(unwritable.exitCode).toBe(5);
    expect(unwritable.stderr).toContain(`cannot write ${join(dir, 'no-such-dir', 'run.html')}: ENOENT`);
  });
});
