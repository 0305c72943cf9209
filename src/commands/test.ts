import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type HostRun } from '../compile.js';
import { EXIT } from '../exit-codes.js';
import { parseExtraVars } from '../extra-vars.js';
import { fileFact, type FileState } from '../facts.js';
import { parseInventory } from '../inventory.js';
import { loadPlaybook } from '../playbook.js';
import { factBatch } from '../remote-script.js';
import type { Release } from '../sandbox/release.js';
import { redact } from '../secret.js';
import { HostConnection } from '../ssh/connection.js';
import { runCheck } from '../verify.js';
import { loadScenarioFile, selectScenario, testVariables } from '../scenario.js';
import { YamlSource } from '../yaml-source.js';
import { executeRuns, type RunCommandOptions } from './run.js';

export interface TestOptions {
  /** A scenario of the playbook's X.test.yaml; default: the one named `default`, else the first. */
  scenario?: string;
  keep: boolean;
  /** Also converge a second fresh host once and compare the files the tasks manage. */
  rebuild?: boolean;
  extraVars: string[];
  name?: string;
  /** The Debian release of the test host (and of the rebuilt one). */
  release: Release;
  verbose: boolean;
}

interface Phase {
  name: string;
  ok: boolean;
  detail: string;
  seconds: number;
}

/**
 * `provision test PLAYBOOK`: the whole lifecycle on a fresh disposable host —
 * check mode (must not fail), converge, converge again (must change nothing),
 * the playbook's verify: checks — then the host is destroyed (unless --keep).
 */
export async function testPlaybook(playbookFile: string, o: TestOptions): Promise<number> {
  const playbook = loadPlaybook(playbookFile);
  const scenario = selectScenario(loadScenarioFile(playbookFile), o.scenario, playbookFile);
  const extraVars = testVariables(scenario, parseExtraVars(o.extraVars));
  const name = o.name ?? `pv-t${randomBytes(3).toString('hex')}`;
  // The rebuilt host has its own machine name, but the same inventory name and variables.
  const rebuildName = `${name.slice(0, 9)}-r`;
  const groups = [...new Set(playbook.plays.flatMap((p) => p.hosts.split(/[:,]/).map((t) => t.trim()).filter((t) => t && !/^[!&]/.test(t) && !/[*?[]/.test(t) && t !== 'all')))];
  const inventoryText = (address = '0.0.0.0', key = '/dev/null', knownHosts = '/dev/null'): string =>
    [
      'hosts:',
      `  ${name}:`,
      `    address: ${address}`,
      `    private_key: ${key}`,
      `    known_hosts: ${knownHosts}`,
      `    vars: { sandbox: true, sandbox_release: ${o.release}, acme_server: "https://127.0.0.1:14000/dir", acme_ca_bundle: /etc/provision-sandbox/acme-listener.pem, acme_root_ca: /etc/provision-sandbox/acme-root.pem }`,
      // `hosts: all` names no group: an empty mapping, not a null `groups:`.
      groups.some((g) => g !== name) ? 'groups:' : 'groups: {}',
      ...groups.filter((g) => g !== name).map((g) => `  ${g}: { hosts: [${name}] }`),
      '',
    ].join('\n');
  // Bad input fails here, before a host is booted.
  compile(playbook, parseInventory(YamlSource.fromText(inventoryText(), 'sandbox inventory')), { extraVars, verify: true });

  const phases: Phase[] = [];
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const phase = async (title: string, body: () => Promise<string>): Promise<boolean> => {
    say(`\n=== ${title}`);
    const started = Date.now();
    let ok = true;
    let detail = '';
    try {
      detail = await body();
    } catch (err) {
      ok = false;
      detail = redact((err as Error).message);
    }
    phases.push({ name: title, ok, detail, seconds: (Date.now() - started) / 1000 });
    say(`--- ${title}: ${ok ? 'passed' : 'FAILED'}${detail ? ` (${detail})` : ''}`);
    return ok;
  };

  if (scenario) say(`scenario ${scenario.name}${scenario.description ? `: ${scenario.description}` : ''}${scenario.secrets.length ? ` (fresh secrets: ${scenario.secrets.join(', ')})` : ''}`);
  const sandbox = await import('../sandbox/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'provision-test-'));
  const inventoryFile = join(dir, 'hosts.yaml');
  const runOptions = (check: boolean): RunCommandOptions => ({
    inventory: inventoryFile,
    extraVars: o.extraVars,
    check,
    diff: check,
    failOnChange: false,
    forks: 1,
    verbose: o.verbose,
    acceptNewHostKeys: false,
    connectTimeout: 20,
    // The test host is reached directly: the user's ~/.ssh/config (a `Host *` ProxyJump) must not apply.
    sshConfig: 'none',
  });
  const compileFor = (inventory: string, verify = false) => compile(loadPlaybook(playbookFile), parseInventory(YamlSource.fromFile(inventory)), { extraVars, verify });
  const converge = async (check: boolean, inventory = inventoryFile) => executeRuns(playbookFile, compileFor(inventory), { ...runOptions(check), inventory });

  let host: Awaited<ReturnType<typeof sandbox.up>>[number] | undefined;
  let managedPaths: string[] = [];
  try {
    const booted = await phase(`boot fresh host ${name}`, async () => {
      [host] = await sandbox.up([name], { release: o.release, log: (l) => say(l) });
      writeFileSync(inventoryFile, inventoryText(host.address, host.privateKeyPath, host.knownHostsPath));
      return `${host.address}, Debian ${host.release}`;
    });
    if (booted) {
      const checked = await phase('check mode on the fresh host: must change nothing', async () => {
        const before = await changedFiles(host!.machinePid, null);
        const r = await converge(true);
        if (r.exitCode !== EXIT.ok) throw new Error(`check mode exited ${r.exitCode}`);
        const touched = await changedFiles(host!.machinePid, before.marker);
        if (touched.files.length) throw new Error(`check mode changed files on the host: ${touched.files.slice(0, 20).join(', ')}`);
        return `${r.recaps[0]?.changed ?? 0} tasks would change; no file on the host changed`;
      });
      const converged = checked && (await phase('converge', async () => {
        const r = await converge(false);
        if (r.exitCode !== EXIT.ok) throw new Error(`exited ${r.exitCode}`);
        return `${r.recaps[0]?.changed ?? 0} changed`;
      }));
      const idempotent = converged && (await phase('converge again: nothing may change', async () => {
        const r = await converge(false);
        if (r.exitCode !== EXIT.ok) throw new Error(`exited ${r.exitCode}`);
        // Every path a task manages, run-time expanded tasks included (a template that reads a host fact).
        managedPaths = [...new Set(r.report.results().flatMap((t) => t.files ?? []))];
        const changed = r.report.results().filter((t) => t.changed);
        if (changed.length) throw new Error(`not idempotent: ${changed.map((t) => `"${t.task}" (${t.message})`).join(', ')}`);
        return '0 changed';
      }));
      const verified = idempotent && (await phase('verify', async () => {
        const runs = compileFor(inventoryFile, true);
        const checks = runs.flatMap((r) => r.plays.flatMap((p) => p.verify));
        if (!checks.length) return 'no verify: checks in the playbook';
        const conn = await openTestHost(runs[0]);
        try {
          const failed: string[] = [];
          for (const c of checks) {
            const result = await runCheck(c, conn, host!.address);
            say(redact(`${result.ok ? 'ok    ' : 'FAILED'} ${result.name}${result.ok ? '' : `: ${result.detail}`}`));
            if (!result.ok) failed.push(result.name);
          }
          if (failed.length) throw new Error(`${failed.length} of ${checks.length} checks failed`);
          return `${checks.length} checks passed`;
        } finally {
          conn.close();
        }
      }));
      if (verified && o.rebuild) {
        await phase(`rebuild: a fresh host ${rebuildName}, converged once, must get the same files`, async () => {
          const [second] = await sandbox.up([rebuildName], { release: o.release, log: (l) => say(l) });
          const secondInventory = join(dir, 'rebuilt.yaml');
          writeFileSync(secondInventory, inventoryText(second.address, second.privateKeyPath, second.knownHostsPath));
          try {
            const r = await converge(false, secondInventory);
            if (r.exitCode !== EXIT.ok) throw new Error(`converging ${rebuildName} exited ${r.exitCode}`);
            const [original, rebuilt] = await Promise.all([managedFiles(compileFor(inventoryFile), managedPaths), managedFiles(compileFor(secondInventory), managedPaths)]);
            const differ = [...original.keys()].filter((path) => JSON.stringify(original.get(path)) !== JSON.stringify(rebuilt.get(path)));
            if (differ.length) throw new Error(`differ between ${name} and ${rebuildName}: ${differ.map((p) => `${p} (${describeDifference(original.get(p)!, rebuilt.get(p)!)})`).join(', ')}`);
            return `${original.size} managed files and links the same, byte for byte, with the same mode and owner`;
          } finally {
            await sandbox.down([rebuildName]);
          }
        });
      }
    }
  } finally {
    if (o.keep && host) {
      say(`\nkept ${name} at ${host.address}: provision -i ${inventoryFile} ...; remove it with: provision sandbox down ${name}`);
    } else {
      await phase(`destroy ${name}`, async () => {
        await sandbox.down([name]);
        rmSync(dir, { recursive: true, force: true });
        return '';
      });
    }
  }
  say('\nSUMMARY');
  for (const p of phases) say(`${p.ok ? 'passed' : 'FAILED'}  ${p.name} (${p.seconds.toFixed(1)} s)`);
  // verify runs only after every earlier phase passed; it is the last word.
  return phases.every((p) => p.ok) && phases.some((p) => p.name === 'verify') ? EXIT.ok : EXIT.hostFailed;
}

/** A connection to the test host, reached directly, as the runs reach it (runOptions). */
function openTestHost(run: HostRun): Promise<HostConnection> {
  return HostConnection.open(run.target, { connectTimeoutMs: 20_000, sshConfig: 'none' });
}

/** The state of the paths the playbook's tasks manage (`TaskType.files`, as the run reported them), read on the host of that inventory. */
async function managedFiles(runs: HostRun[], paths: string[]): Promise<Map<string, FileState>> {
  const facts = paths.map((path) => fileFact(path));
  const conn = await openTestHost(runs[0]);
  try {
    const batch = factBatch(facts);
    const r = await conn.runScript(batch.script, true);
    if (r.exitCode !== 0) throw new Error(`reading files failed: ${r.stderr.trim()}`);
    const out = batch.parse(r.stdout);
    return new Map(facts.map((f, i) => [paths[i], f.parse(out.get(f.key) ?? { stdout: '', exitCode: 1 })]));
  } finally {
    conn.close();
  }
}

/** What differs, never the content itself (it may hold secrets). */
function describeDifference(a: FileState, b: FileState): string {
  const keys = ['exists', 'type', 'mode', 'owner', 'group', 'size', 'sha256', 'linkTarget'] as const;
  return keys.filter((k) => a[k] !== b[k]).map((k) => (k === 'sha256' ? 'content' : k === 'linkTarget' ? `link ${a[k]} vs ${b[k]}` : `${k} ${a[k]} vs ${b[k]}`)).join(', ');
}

/**
 * Files modified on the test host since `marker` (a file made by the first
 * call), outside places that change by themselves (logs, journals, caches,
 * runtime state). Read from outside the host with nsenter, so the check itself
 * does not log in.
 */
export async function changedFiles(pid: number, marker: string | null): Promise<{ marker: string; files: string[] }> {
  const run = (script: string): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile('nsenter', ['-t', String(pid), '-m', '-u', '-i', '-p', '--', '/bin/sh', '-c', script], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
  if (marker === null) {
    const made = '/run/provision-check-marker';
    await run(`touch ${made}; sleep 1`);
    return { marker: made, files: [] };
  }
  const skip = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/var/log', '/var/cache', '/var/lib/systemd', '/var/lib/apt/periodic', '/root/.cache'];
  const prune = skip.map((p) => `-path ${p}`).join(' -o ');
  const out = await run(`find / -xdev \\( ${prune} \\) -prune -o -newer ${marker} \\( -type f -o -type l \\) -print 2>/dev/null; true`);
  return { marker, files: out.split('\n').filter(Boolean) };
}
