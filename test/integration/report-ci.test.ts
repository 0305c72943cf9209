import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type ProvisionResult } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { reportProject, SECRET } from './report-project.js';

// The JSON report, JUnit XML and GitHub annotations of one real run against a loopback sshd.
let sshd: TestSshd;
let out: string;
let p: ReturnType<typeof reportProject>;
let run: ProvisionResult;
let plain: ProvisionResult;

interface Task { name: string; status: string; changed: boolean; item?: string; where?: string; startedAt: string; endedAt: string; durationMs: number; stdout?: string; stderr?: string; diff: string | null; message: string }
interface Json { provisionVersion: string; startedAt: string; endedAt: string; hosts: Record<string, { tasks: Task[] }> }

beforeAll(async () => {
  sshd = await startSshd();
  out = mkdtempSync(join(tmpdir(), 'provision-report-ci-'));
  p = reportProject();
  const args = [p.playbook, '-i', sshd.inventory(), '-e', `@${p.project}/secrets.yaml`, '--diff'];
  run = await runCli([...args, '--junit', join(out, 'run.xml')], { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: p.project });
  plain = await runCli(args, { GITHUB_ACTIONS: '' });
}, 180_000);
afterAll(async () => {
  await sshd?.stop();
  rmSync(out, { recursive: true, force: true });
});

const tasks = (): Task[] => (run.report as unknown as Json).hosts.local.tasks;
const task = (name: string): Task => tasks().find((t) => t.name === name)!;

describe('--report JSON', () => {
  it('has provision\'s version and the run\'s start and end', () => {
    const j = run.report as unknown as Json;
    expect(run.exitCode, run.stderr).toBe(2);
    expect(j.provisionVersion).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(Date.parse(j.endedAt)).toBeGreaterThanOrEqual(Date.parse(j.startedAt));
  });

  it('each task: start and end times in order within the run, its file:line, its loop item', () => {
    const j = run.report as unknown as Json;
    let previousEnd = Date.parse(j.startedAt);
    for (const t of tasks()) {
      expect(Date.parse(t.startedAt)).toBeGreaterThanOrEqual(previousEnd - 5);
      expect(Date.parse(t.endedAt) - Date.parse(t.startedAt)).toBe(t.durationMs);
      previousEnd = Date.parse(t.endedAt);
    }
    expect(previousEnd).toBeLessThanOrEqual(Date.parse(j.endedAt));
    expect(task('slow step').durationMs).toBeGreaterThanOrEqual(2000);
    for (const name of ['already there', 'write the config', 'this one fails']) expect(task(name).where).toBe(`${p.playbook}:${p.lineOf(name)}`);
    expect(tasks().filter((t) => t.name === 'a loop').map((t) => [t.item, t.where])).toEqual([['one', `${p.playbook}:${p.lineOf('a loop')}`], ['two', `${p.playbook}:${p.lineOf('a loop')}`]]);
  });

  it('command output: stdout and stderr, secrets masked, long output cut with a note', () => {
    expect(task('this one fails')).toMatchObject({ status: 'failed', stdout: 'to-stdout', stderr: 'boom: a, b' });
    expect(task('print the password').stdout).toBe('********');
    const long = task('long output').stdout!;
    expect(long.startsWith('x'.repeat(4096))).toBe(true);
    expect(long).toMatch(/cut: 5904 of 10000 bytes/);
    expect(task('already there').stdout).toBeUndefined(); // not a command
    expect(JSON.stringify(run.report)).not.toContain(SECRET);
  });
});

describe('--junit', () => {
  it('is well-formed XML (xmllint)', () => {
    const r = spawnSync('xmllint', ['--noout', join(out, 'run.xml')], { encoding: 'utf8' });
    expect(r.error, 'xmllint (libxml2-utils) is needed: scripts/setup.sh installs it').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('read by a real JUnit consumer (junitparser): one case per host and task, with failures, skips and changes as the run had them', () => {
    // Debian's python3, which has python3-junitparser (scripts/setup.sh).
    const py = `
import json, sys
from junitparser import JUnitXml, Failure, Skipped, Error
cases = []
for suite in JUnitXml.fromfile(sys.argv[1]):
    for c in suite:
        kinds = [type(r).__name__ for r in c.result]
        cases.append({"classname": c.classname, "name": c.name, "result": kinds, "message": c.result[0].message if c.result else None, "out": c.system_out or ""})
print(json.dumps(cases))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py, join(out, 'run.xml')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const cases = JSON.parse(r.stdout) as { classname: string; name: string; result: string[]; message: string | null; out: string }[];
    expect(cases.map((c) => [c.classname, c.name])).toEqual(tasks().map((t) => ['local', t.item !== undefined ? `${t.name} [${t.item}]` : t.name]));
    const byName = Object.fromEntries(cases.map((c) => [c.name, c]));
    expect(byName['this one fails'].result).toEqual(['Failure']);
    expect(byName['this one fails'].message).toBe(task('this one fails').message);
    expect(byName['never on this host'].result).toEqual(['Skipped']);
    expect(byName['already there'].result).toEqual([]);
    expect(byName['write the config'].out).toMatch(/^changed: /);
    expect(byName['write the config'].out).toContain('+port = 8080');
    expect(byName['already there'].out).toBe('');
    expect(readFileSync(join(out, 'run.xml'), 'utf8')).not.toContain(SECRET);
  });
});

describe('GitHub Actions annotations', () => {
  it('a failed task is an ::error on its playbook file and line, escaped as GitHub reads it', () => {
    const line = run.stdout.split('\n').find((l) => l.startsWith('::error'));
    const msg = task('this one fails').message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    expect(line).toBe(`::error file=site.yaml,line=${p.lineOf('this one fails')},title=local%3A this one fails::${msg}`);
    expect(run.stdout.match(/^::/gm)).toHaveLength(1);
    expect(run.stdout).not.toContain(SECRET);
  });

  it('none without GITHUB_ACTIONS=true', () => {
    expect(plain.exitCode).toBe(2);
    expect(plain.stdout).not.toMatch(/^::/m);
  });
});
