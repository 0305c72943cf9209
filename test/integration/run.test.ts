import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, totals, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * The whole CLI against a real OpenSSH server on loopback. Tasks work inside a
 * temporary directory of this machine (the sshd's host).
 */
let sshd: TestSshd;
let work: string;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function basicPlaybook(dir: string): string {
  return `- name: basics
  hosts: all
  become: true
  vars: { greeting: hello }
  tasks:
    - name: app directory
      file: { path: ${dir}/app, state: directory, mode: "0750" }
    - name: config file
      copy: { dest: ${dir}/app/app.conf, content: "greeting={{ greeting }}\\nhost={{ inventory_hostname }}\\n", mode: "0640" }
      notify: restart app
    - name: one-time setup
      command: { cmd: "echo done > ${dir}/app/setup.marker", creates: ${dir}/app/setup.marker }
    - name: link
      file: { path: ${dir}/current, state: link, src: ${dir}/app }
  handlers:
    - name: restart app
      command: { argv: [touch, ${dir}/app/restarted] }
`;
}

describe('provision against a real sshd', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'provision-work-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('check mode shows what would change and changes nothing', async () => {
    const project = writeProject({ 'site.yaml': basicPlaybook(work) });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--check']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(totals(r.report)).toMatchObject({ changed: 5, failed: 0 });
    expect(r.stdout).toContain('local | would change | config file | would create');
    expect(r.stdout).toContain('+greeting=hello');
    expect(r.stdout).toContain('handler: restart app');
    expect(existsSync(`${work}/app`)).toBe(false);
  });

  it('applies, then a second run reports 0 changed with reasons, in few round trips', async () => {
    const project = writeProject({ 'site.yaml': basicPlaybook(work) });
    const first = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(first.exitCode).toBe(0);
    expect(totals(first.report)).toMatchObject({ changed: 5, failed: 0, ok: 0 });
    expect(readFileSync(`${work}/app/app.conf`, 'utf8')).toBe('greeting=hello\nhost=local\n');
    expect((statSync(`${work}/app/app.conf`).mode & 0o777).toString(8)).toBe('640');
    expect((statSync(`${work}/app`).mode & 0o777).toString(8)).toBe('750');
    expect(existsSync(`${work}/app/restarted`)).toBe(true);
    // One round trip per change (its script also re-reads what later tasks need and keeps the
    // handler bookkeeping), plus the first read: 5 changes → 6.
    expect(first.report!.hosts.local.recap.roundTrips).toBe(6);

    const second = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(second.exitCode).toBe(0);
    expect(totals(second.report)).toMatchObject({ changed: 0, ok: 4, failed: 0 });
    const reasons = second.report!.hosts.local.tasks.map((t) => t.message);
    expect(reasons).toContain(`${work}/app/app.conf is up to date`);
    expect(reasons).toContain(`${work}/app/setup.marker exists`);
    // One batched read of every task's facts (and of pending handlers); nothing else. As root, become
    // needs no sudo, so facts wanted with and without become are one script.
    expect(second.report!.hosts.local.recap.roundTrips).toBe(1);
  });

  it('check mode on a drifted host shows the diff and leaves the drift alone; --fail-on-change exits 6', async () => {
    const project = writeProject({ 'site.yaml': basicPlaybook(work) });
    writeFileSync(`${work}/app/app.conf`, 'greeting=bonjour\nhost=local\n');
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--check', '--fail-on-change']);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toContain('-greeting=bonjour');
    expect(r.stdout).toContain('+greeting=hello');
    expect(readFileSync(`${work}/app/app.conf`, 'utf8')).toBe('greeting=bonjour\nhost=local\n');
    const fixed = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--diff']);
    expect(fixed.exitCode).toBe(0);
    expect(totals(fixed.report)).toMatchObject({ changed: 2 }); // the file, and the handler it notified
    expect(readFileSync(`${work}/app/app.conf`, 'utf8')).toBe('greeting=hello\nhost=local\n');
  });

  it('a failing task fails its host with the command, exit code and stderr; exit status 2', async () => {
    const project = writeProject({
      'site.yaml': `- hosts: all\n  tasks:\n    - name: breaks\n      command: "echo oops >&2; exit 3"\n    - name: never runs\n      file: { path: ${work}/never, state: directory }\n`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/local \| failed \| breaks \| local: task "breaks" failed: `sh -c 'echo oops >&2; exit 3'` exited 3:\n\s+oops/);
    expect(existsSync(`${work}/never`)).toBe(false);
  });

  it('bad input is refused before any host is touched (exit 4)', async () => {
    const project = writeProject({
      'site.yaml': `- hosts: all\n  tasks:\n    - file: { path: ${work}/touched, state: directory }\n    - copy: { dest: ${work}/x, content: "{{ undefined_var }}" }\n`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/site\.yaml:4:\d+: tasks\[1\]\.copy\.content: variable "undefined_var" is not defined/);
    expect(r.stderr).toContain('no host was touched');
    expect(existsSync(`${work}/touched`)).toBe(false);
  });

  it('validate checks without connecting', async () => {
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - file: { path: /tmp/x, state: directory }\n` });
    const unreachable = writeProject({ 'hosts.yaml': 'hosts:\n  far: { address: 127.0.0.1, port: 1 }\n' });
    const ok = await runCli(['validate', `${project}/site.yaml`, '-i', `${unreachable}/hosts.yaml`]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('valid (1 host, 1 task runs)');
    const bad = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - file: { path: /tmp/x, state: directroy }\n` });
    const r = await runCli(['validate', `${bad}/site.yaml`, '-i', `${unreachable}/hosts.yaml`]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/site\.yaml:3:\d+: tasks\[0\]\.file\.state: .*"directory"/);
  });

  it('secrets from -e @file never appear in output, diffs or the report', async () => {
    const secretValue = 'Sup3r-S3cret-Value-42';
    const project = writeProject({
      'site.yaml': `- hosts: all\n  tasks:\n    - name: env file\n      copy: { dest: ${work}/app.env, content: "DB_PASSWORD={{ db_password }}\\n", mode: "0600" }\n`,
      'secrets.yaml': `db_password: !secret ${secretValue}\n`,
    });
    const check = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '-e', `@${project}/secrets.yaml`, '--check']);
    const apply = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '-e', `@${project}/secrets.yaml`, '--diff', '--verbose']);
    expect(apply.exitCode).toBe(0);
    expect(readFileSync(`${work}/app.env`, 'utf8')).toBe(`DB_PASSWORD=${secretValue}\n`);
    for (const r of [check, apply]) {
      expect(r.stdout + r.stderr + JSON.stringify(r.report)).not.toContain(secretValue);
    }
    expect(check.stdout).toContain('+DB_PASSWORD=********');
  });

  it('a secret read from the environment with secret_env is masked too', async () => {
    const value = 'Env-S3cret-From-Shell-9';
    const project = writeProject({
      'site.yaml': `- hosts: all\n  tasks:\n    - copy: { dest: ${work}/env-app.env, content: "TOKEN={{ secret_env \\"APP_TOKEN\\" }}\\n", mode: "0600" }\n`,
    });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory(), '--diff'], { APP_TOKEN: value });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(`${work}/env-app.env`, 'utf8')).toBe(`TOKEN=${value}\n`);
    expect(r.stdout).toContain('+TOKEN=********');
    expect(r.stdout + r.stderr + JSON.stringify(r.report)).not.toContain(value);
  });
  it('an htpasswd run exits when done, whatever stdout is (the bcrypt worker never holds the process)', () => {
    const project = writeProject({
      'site.yaml': `- hosts: all\n  tasks:\n    - htpasswd: { path: ${work}/htpasswd, users: [{ name: alice, password: "{{ pw }}" }] }\n`,
    });
    const out = join(project, 'out.txt');
    const fd = openSync(out, 'w');
    const runOnce = () => spawnSync(process.execPath, [CLI, `${project}/site.yaml`, '-i', sshd.inventory(), '-e', 'pw=Alice-Pass-1'], { stdio: ['ignore', fd, fd], timeout: 120_000, env: { ...process.env, CI: '1' } });
    const first = runOnce();
    const second = runOnce();
    closeSync(fd);
    expect([first.signal, first.status, second.signal, second.status]).toEqual([null, 0, null, 0]);
    expect(readFileSync(out, 'utf8')).toMatch(/changed=1 [\s\S]*changed=0 /);
    expect(readFileSync(`${work}/htpasswd`, 'utf8')).toMatch(/^alice:\$2y\$10\$/);
  });
});

describe('connections', () => {
  it('an unknown host key is refused with advice; --accept-new-host-keys records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-kh-'));
    const knownHosts = join(dir, 'known_hosts');
    const inventory = sshd.inventory().replace(/known_hosts: .*/, `known_hosts: ${knownHosts}`);
    const inv = join(dir, 'hosts.yaml');
    writeFileSync(inv, readFileSync(inventory, 'utf8').replace(/known_hosts: .*/, `known_hosts: ${knownHosts}`));
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - command: { cmd: "true", creates: / }\n` });
    const refused = await runCli([`${project}/site.yaml`, '-i', inv]);
    expect(refused.exitCode).toBe(3);
    expect(refused.stdout).toMatch(/UNREACHABLE .*host key of 127\.0\.0\.1:\d+ is not in .*--accept-new-host-keys/);
    const accepted = await runCli([`${project}/site.yaml`, '-i', inv, '--accept-new-host-keys']);
    expect(accepted.exitCode).toBe(0);
    expect(readFileSync(knownHosts, 'utf8')).toContain(sshd.hostPublicKey.split(' ')[1]);
    const again = await runCli([`${project}/site.yaml`, '-i', inv]);
    expect(again.exitCode).toBe(0);
  });

  it('a changed host key is always refused, even with --accept-new-host-keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-kh-'));
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    const inv = join(dir, 'hosts.yaml');
    writeFileSync(inv, readFileSync(sshd.inventory(), 'utf8').replace(/known_hosts: .*/, `known_hosts: ${knownHosts}`));
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - command: { cmd: "true", creates: / }\n` });
    const r = await runCli([`${project}/site.yaml`, '-i', inv, '--accept-new-host-keys']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('HOST KEY CHANGED');
  });

  it('an unreachable host is reported and does not stop the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-two-'));
    const inv = join(dir, 'hosts.yaml');
    writeFileSync(inv, `${readFileSync(sshd.inventory(), 'utf8')}  closed:\n    address: 127.0.0.1\n    port: 1\n`);
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - file: { path: ${dir}/made, state: directory }\n` });
    const r = await runCli([`${project}/site.yaml`, '-i', inv]);
    expect(r.exitCode).toBe(3);
    expect(r.report!.hosts.closed.recap).toMatchObject({ unreachable: 1 });
    expect(r.report!.hosts.closed.recap.error).toMatch(/ECONNREFUSED/);
    expect(r.report!.hosts.local.recap).toMatchObject({ changed: 1, failed: 0 });
    expect(existsSync(`${dir}/made`)).toBe(true);
    expect(r.stdout).toMatch(/RECAP\nlocal\s+: ok=0 changed=1 failed=0 skipped=0 unreachable=0\nclosed\s+: ok=0 changed=0 failed=0 skipped=0 unreachable=1/);
  });
});
