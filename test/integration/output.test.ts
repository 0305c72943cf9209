import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

const { sshd, work } = useTestSshd('provision-output-');

describe('output', () => {
  it('on a terminal: live progress (listr2), colours, then the changes and a recap', () => {
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - name: a directory\n      file: { path: ${work}/tty, state: directory }\n` });
    // script(1) gives the CLI a pseudo-terminal, as a person's shell would.
    const env = { ...process.env };
    delete env.CI;
    delete env.NO_COLOR;
    const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI} ${project}/site.yaml -i ${sshd.inventory()}`, '/dev/null'], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/✔|√/); // listr2's done mark
    expect(r.stdout).toContain('\x1b['); // colour on a terminal
    expect(r.stdout).toMatch(/local \| .*changed.* \| a directory \| create directory/);
    expect(r.stdout).toMatch(/RECAP/);
    expect(existsSync(`${work}/tty`)).toBe(true);
  });

  it('in CI or a pipe: plain lines, no colour; NO_COLOR is honoured', async () => {
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - name: a directory\n      file: { path: ${work}/plain, state: directory }\n` });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()]);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout.split('\n')[0]).toBe(`local | changed | a directory | create directory ${work}/plain`);
  });

  it('long steps say they are still alive', async () => {
    const project = writeProject({ 'site.yaml': `- hosts: all\n  tasks:\n    - name: slow step\n      command: "sleep 1.5"\n` });
    const r = await runCli([`${project}/site.yaml`, '-i', sshd.inventory()], { PROVISION_HEARTBEAT_MS: '500' });
    expect(r.stdout).toMatch(/local \| running \| slow step \| still running after \d+ s/);
  });
});

describe('-vv: the facts each task read and its plan', { timeout: 180_000 }, () => {
  // Quotes, $, backticks, @, :, /, #, spaces: the secret becomes a link target, read back from the host as a fact.
  const SECRET = `p'a"s$s\`w@r:d/#x y`;
  const project = (dir: string): string =>
    writeProject({
      'secrets.yaml': `secret_target: !secret ${JSON.stringify(SECRET)}\n`,
      'site.yaml': `- hosts: all\n  tasks:\n    - name: secret link\n      file: { path: ${dir}/link, state: link, src: "/srv/{{ secret_target }}" }\n    - name: hidden\n      no_log: true\n      file: { path: ${dir}/hidden, state: directory }\n`,
    });

  it('shows the facts read and the plan with its steps, the secret masked; the second run reads the secret back from the host, masked', async () => {
    const dir = mkdtempSync(join(work, 'vv-'));
    const p = project(dir);
    const args = [`${p}/site.yaml`, '-i', sshd.inventory(), '-e', `@${p}/secrets.yaml`, '-vv'];
    const first = await runCli(args);
    expect(first.exitCode).toBe(0);
    expect(readlinkSync(`${dir}/link`)).toBe(`/srv/${SECRET}`);
    expect(first.stdout).toContain(`local | facts | secret link | path = {"exists":false}`);
    expect(first.stdout).toContain(`local | plan | secret link | link ${dir}/link -> /srv/********`);
    expect(first.stdout).toContain(`    step| run: ln -sfn -- '/srv/********' ${dir}/link`);
    // In the order a person reads: running, facts, plan, result.
    const order = ['| running | secret link', '| facts | secret link', '| plan | secret link', '| changed | secret link'].map((l) => first.stdout.indexOf(l));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    const second = await runCli(args);
    expect(second.stdout).toContain(`local | facts | secret link | path = {"exists":true,"type":"link","linkTarget":"/srv/********"}`);
    expect(second.stdout).toContain(`local | plan | secret link | nothing to do: ${dir}/link links to /srv/********`);
    // no_log hides what a task read and planned, as it hides its result.
    expect(first.stdout).toContain('local | changed | hidden | output hidden by no_log');
    expect(first.stdout).not.toMatch(/\| (facts|plan) \| hidden/);
    for (const r of [first, second]) {
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(JSON.stringify(SECRET).slice(1, -1)); // nor JSON-escaped
      expect(r.stdout + r.stderr).not.toContain(`p'\\''a`); // nor shell-quoted
      // The JSON report (made with redactDeep) masks it too, though JSON escapes its double quote.
      expect(JSON.stringify(r.report)).not.toContain(JSON.stringify(SECRET).slice(1, -1));
      expect(JSON.stringify(r.report)).toContain('/srv/********');
    }
  });

  it('-v shows the steps and output but not the facts or the plan', async () => {
    const dir = mkdtempSync(join(work, 'v-'));
    const p = project(dir);
    const r = await runCli([`${p}/site.yaml`, '-i', sshd.inventory(), '-e', `@${p}/secrets.yaml`, '-v']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('local | running | secret link');
    expect(r.stdout).not.toMatch(/\| (facts|plan) \|/);
    expect(r.stdout).not.toContain('step|');
  });
});

describe('provision init', () => {
  it('scaffolds a project whose example validates, and never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-init-'));
    const r = await runCli(['init', dir]);
    expect(r.exitCode).toBe(0);
    for (const f of ['inventory/hosts.yaml', 'playbooks/site.yaml', 'templates/hello/hello.service.hbs', 'schemas/playbook.schema.json']) expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(dir, 'playbooks/site.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/schemas\/playbook\.schema\.json/);
    const v = spawnSync(process.execPath, [CLI, 'validate', 'playbooks/site.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(v.stdout).toContain('valid');
    const again = await runCli(['init', dir]);
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain('not overwriting');
    execFileSync('rm', ['-rf', dir]);
  });
});

describe('provision tasks and schema', () => {
  it('lists task types and prints one with fields and an example', async () => {
    const list = await runCli(['tasks']);
    for (const t of ['apt', 'ufw', 'nginx_site', 'certbot', 'streamlit_config', 'systemd_unit', 'postgres_db', 'postgres_user', 'htpasswd', 'copy', 'file']) expect(list.stdout).toMatch(new RegExp(`^${t}\\s`, 'm'));
    const apt = await runCli(['tasks', 'apt']);
    expect(apt.stdout).toMatch(/^apt: /);
    expect(apt.stdout).toMatch(/packages: .*\n\s+\S/);
    expect(apt.stdout).toContain('Example:');
    const unknown = await runCli(['tasks', 'nope']);
    expect(unknown.exitCode).toBe(5);
  });

  it('a bad command line exits 5 as documented (commander would exit 1); help and version exit 0', async () => {
    for (const args of [['--no-such-flag'], ['validate'], ['site.yaml', '--forks'], ['validate', 'x.yaml', '--bogus'], ['sandbox', 'up', '--release', 'potato']]) {
      const r = await runCli(args);
      expect({ args, code: r.exitCode }).toEqual({ args, code: 5 });
      expect(r.stderr).toMatch(/error|invalid|unknown|missing|argument/i);
    }
    for (const args of [['--help'], ['--version'], ['validate', '--help']]) expect((await runCli(args)).exitCode).toBe(0);
  });
});
