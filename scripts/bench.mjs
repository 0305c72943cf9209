#!/usr/bin/env node
// npm run bench: provision against disposable Debian test hosts (and Ansible, when installed),
// first run and no-op re-run, for 1 and 10 hosts by default. See bench/README.md.
//
//   node scripts/bench.mjs [--hosts 1,10] [--skip-ansible] [--ansible-hosts 1,10] [--runs 3]
//                          [--forks N] [--first-forks 5] [--out bench/results.json]
//
// For each host count and tool: boot fresh hosts, time the first run (with --first-forks hosts
// in parallel: it installs real packages), then --runs no-op re-runs (median), then remove the
// hosts. Every measured run is a child process under /usr/bin/time: wall time (hrtime, here),
// CPU (user + sys of the whole process tree, from time), peak RSS (time's max RSS of the largest
// process, and the sum over the process tree sampled every 100 ms: Ansible forks workers and ssh).
// Round trips per host: provision's --report (recap.roundTrips); Ansible's, by counting its ssh
// invocations (a logging ssh wrapper; with pipelining each module is one ssh exec). Host CPU per
// host: what the processes of each host's container used during the run (treeCpuMs).
import { spawn, spawnSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin/provision.cjs');
const PLAYBOOK = path.join(ROOT, 'bench/playbook.yaml');
const ANSIBLE_DIR = path.join(ROOT, 'bench/ansible');

// --- options -----------------------------------------------------------------------------
function parseArgs(argv) {
  const o = { hosts: [1, 10], ansibleHosts: undefined, skipAnsible: false, runs: 3, forks: undefined, firstForks: 5, baseline: undefined, out: path.join(ROOT, 'bench/results.json'), simulated: [], simForks: 200, simRuns: 1, simProcs: 2, recording: undefined, hostPrefix: 'pv' };
  const list = (v, name, max = 200) => {
    const l = String(v ?? '').split(',').map((s) => Number(s.trim()));
    if (!l.length || l.some((n) => !Number.isInteger(n) || n < 1 || n > max)) usage(`${name}: expected a list of host counts such as 1,10 (at most ${max})`);
    return l;
  };
  const int = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) usage(`${name}: expected a positive whole number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--hosts': o.hosts = list(value(), flag); break;
      case '--ansible-hosts': o.ansibleHosts = list(value(), flag); break;
      case '--skip-ansible': o.skipAnsible = true; break;
      case '--runs': o.runs = int(value(), flag); break;
      case '--forks': o.forks = int(value(), flag); break;
      case '--first-forks': o.firstForks = int(value(), flag); break;
      case '--baseline': o.baseline = path.resolve(value()); break;
      case '--out': o.out = path.resolve(value()); break;
      case '--simulated': o.simulated = list(value(), flag, 5000); break;
      case '--sim-forks': o.simForks = int(value(), flag); break;
      case '--sim-runs': o.simRuns = int(value(), flag); break;
      case '--sim-procs': o.simProcs = int(value(), flag); break;
      case '--recording': o.recording = path.resolve(value()); break;
      case '--host-prefix': {
        const v = value();
        if (!/^[a-z][a-z0-9]{0,5}$/.test(v ?? '')) usage(`${flag}: a short lowercase name such as pv2`);
        o.hostPrefix = v;
        break;
      }
      case '-h': case '--help': usage(); break;
      default: usage(`unknown option ${a}`);
    }
  }
  // --recording alone: the simulated rows only, from an earlier bench's recording (no real host).
  if (o.recording && !argv.some((a) => a === '--hosts' || a.startsWith('--hosts='))) o.hosts = [];
  o.ansibleHosts ??= o.hosts;
  return o;
}

function usage(error) {
  const text = `usage: node scripts/bench.mjs [--hosts 1,10] [--skip-ansible] [--ansible-hosts LIST] [--runs 3] [--forks N] [--first-forks 5] [--baseline DIR] [--simulated LIST] [--out FILE]
  --hosts LIST          host counts to measure (default 1,10)
  --skip-ansible        do not run the Ansible equivalent (also skipped when ansible-playbook is not on PATH)
  --ansible-hosts LIST  host counts for Ansible (default: --hosts)
  --runs N              no-op re-runs per measurement; the median is reported (default 3)
  --forks N             hosts in parallel for the no-op re-runs, both tools (default: all of them)
  --first-forks N       hosts in parallel for the first run, which installs packages (default 5)
  --baseline DIR        also time the no-op re-runs of another built checkout of provision (say the
                        last release: git worktree add DIR REF && (cd DIR && npm ci && npm run build)),
                        alternating with this one on the same hosts (simulated fleets included),
                        so both see the same machine
  --simulated LIST      also simulated fleets of these sizes (e.g. 100,1000; bench/fleet/): the first
                        real provision host's no-op is recorded, checked against one simulated host
                        (same plan, same round trips), then replayed by every simulated host
  --sim-forks N         --forks for the simulated rows (default 200)
  --sim-runs N          measured runs per simulated size (default 1: 1,000 hosts take ~30 s of both cores)
  --sim-procs N         simulator processes sharing the simulated hosts (default 2)
  --host-prefix P       test host names P-b1… and P-a1… (default pv): two benches on one machine
  --recording DIR       the simulated rows from an earlier bench's recording (its recording-* directory
                        in the work directory: recording.json and the real host's report), checked
                        again against that report first; with no --hosts, no real host is booted
  --out FILE            results JSON (default bench/results.json)
Needs root (the test hosts are systemd-nspawn containers) and a built CLI (npm run build).`;
  if (error) { process.stderr.write(`bench: ${error}\n${text}\n`); process.exit(5); }
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

// --- small helpers -------------------------------------------------------------------------
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
/**
 * The same fixed piece of CPU work, timed (median of 3): this VM has been seen to run
 * everything 1.4-1.6x slower for minutes at a time (its neighbours on the hypervisor), so every
 * row carries the probe taken just before it, and rows of different runs compare through it.
 */
const speedProbeMs = () => {
  const once = () => {
    const t0 = process.hrtime.bigint();
    // Process starts (what the hosts' side mostly is) and hashing (the controller's crypto).
    for (let i = 0; i < 20; i++) spawnSync('/bin/true');
    pbkdf2Sync('probe', 'salt', 100_000, 32, 'sha256');
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  return Number(median([once(), once(), once()]).toFixed(1));
};
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

/**
 * Sum of valueOf(pid) over pid and all its descendants: walks /proc/PID/task/TID/children (only
 * the tree's own files, so sampling stays cheap next to the processes it measures). A process
 * that ends meanwhile counts for nothing.
 */
function sumOverTree(rootPid, valueOf) {
  let sum = 0;
  const stack = [rootPid];
  while (stack.length) {
    const p = stack.pop();
    try {
      sum += valueOf(p);
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) stack.push(Number(c));
      }
    } catch { /* process gone */ }
  }
  return sum;
}

/** RSS (KiB) of a process tree: resident pages of 4 KiB. */
const treeRssKiB = (rootPid) => sumOverTree(rootPid, (p) => Number(fs.readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1]) * 4);

/**
 * CPU time (ms) the processes of a test host's container have used: user + sys of every live
 * process in the tree under its init, plus what their reaped children used (a connection's
 * sshd, the fact scripts, psql, a PostgreSQL backend are all reaped inside the container). The
 * difference around a run is that run's cost to the host; the hosts share the controller's CPUs
 * here, which real servers do not.
 */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function treeCpuMs(rootPid) {
  const ticks = sumOverTree(rootPid, (p) => {
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  });
  return (ticks * 1000) / CLOCK_TICKS;
}

/** The machine's busy and total CPU time so far (jiffies, all CPUs), from /proc/stat. */
function cpuJiffies() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0); // idle + iowait
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet: after a first run the hosts stay busy for a minute or more
 * (PostgreSQL, man-db, systemd finishing up), and a no-op measured meanwhile counts that work as
 * its own (wall time and host CPU). Quiet: under 10% of the CPUs busy for 3 seconds in a row;
 * at most `maxMs`, after which the rows say how busy it still was.
 */
async function settle(maxMs = 180_000) {
  const t0 = Date.now();
  let quiet = 0;
  let busy = 1;
  while (Date.now() - t0 < maxMs) {
    const a = cpuJiffies();
    await new Promise((r) => setTimeout(r, 1000));
    const b = cpuJiffies();
    busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    quiet = busy < 0.1 ? quiet + 1 : 0;
    if (quiet >= 3) break;
  }
  return { waitedMs: Date.now() - t0, busy: Number(busy.toFixed(3)) };
}

/** Runs a tool and adds the CPU each host's container used meanwhile (ms, per host). */
async function runMeasuringHosts(tool, inv, hosts, forks, logFile) {
  const before = hosts.map((h) => treeCpuMs(h.machinePid));
  const m = await tool.run(inv, hosts, forks, logFile);
  return { ...m, hostCpuMs: hosts.map((h, i) => treeCpuMs(h.machinePid) - before[i]) };
}

// --- measured child processes ---------------------------------------------------------------
let current; // the measured child, for SIGINT
let interrupted = false;

/**
 * Runs cmd under /usr/bin/time (own process group), returns wall ms (hrtime), CPU ms of the
 * whole tree (user + sys), max RSS of the largest process and the sampled RSS sum of the tree.
 */
function measure(cmd, args, { env, cwd, logFile, sample = true } = {}) {
  if (interrupted) throw new Error('interrupted');
  const timeFile = path.join(work, `time-${process.hrtime.bigint()}`);
  const out = fs.openSync(logFile ?? '/dev/null', 'a');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, cmd, ...args], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', out, out], detached: true });
    current = child;
    let peakTree = 0;
    const timer = sample ? setInterval(() => { peakTree = Math.max(peakTree, treeRssKiB(child.pid)); }, 100) : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (timer) clearInterval(timer);
      current = undefined;
      fs.closeSync(out);
      const t = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      fs.rmSync(timeFile, { force: true });
      resolve({ code: code ?? (signal ? 128 : 1), wallMs, cpuMs: (t[0] + t[1]) * 1000, maxRssKiB: t[2], treeRssKiB: Math.max(peakTree, t[2] || 0) });
    });
  });
}

// --- tools ------------------------------------------------------------------------------------
/** provision from `cli`; a baseline build keeps its own V8 code cache (the two would evict each other's). */
const provisionToolFor = (name, cli, env = {}) => ({
  name,
  prefix: 'pv-b',
  writeInventory(sandbox, hosts, dir) {
    const file = path.join(dir, 'inventory.yaml');
    fs.writeFileSync(file, sandbox.inventoryYaml(hosts));
    return file;
  },
  async run(inv, hosts, forks, logFile) {
    const report = path.join(work, `report-${process.hrtime.bigint()}.json`);
    const m = await measure(process.execPath, [cli, PLAYBOOK, '-i', inv, '--forks', String(forks), '--report', report], { logFile, env: { CI: '1', NO_COLOR: '1', ...env } });
    let changed, roundTrips = [], failed = 0;
    try {
      const r = JSON.parse(fs.readFileSync(report, 'utf8'));
      const recaps = Object.values(r.hosts).map((h) => h.recap);
      changed = recaps.reduce((s, x) => s + x.changed, 0);
      failed = recaps.reduce((s, x) => s + x.failed + x.unreachable, 0);
      roundTrips = recaps.map((x) => x.roundTrips);
    } catch { failed = hosts.length; }
    fs.rmSync(report, { force: true });
    return { ...m, changed, failed, roundTrips };
  },
});

const provisionTool = provisionToolFor('provision', CLI);

const ansibleTool = {
  name: 'ansible',
  prefix: 'pv-a',
  writeInventory(_sandbox, hosts, dir) {
    const tpl = fs.readFileSync(path.join(ANSIBLE_DIR, 'inventory.template.yml'), 'utf8');
    const m = /^[ \t]*#BEGIN HOST\n([\s\S]*?)^[ \t]*#END HOST\n/m.exec(tpl);
    const block = (h) => m[1].replaceAll('__NAME__', h.name).replaceAll('__ADDRESS__', h.address).replaceAll('__KEY__', h.privateKeyPath).replaceAll('__KNOWN_HOSTS__', h.knownHostsPath);
    const file = path.join(dir, 'inventory.yml');
    fs.writeFileSync(file, tpl.replace(m[0], hosts.map(block).join('')));
    return file;
  },
  async run(inv, hosts, forks, logFile) {
    const sshLog = path.join(work, `ssh-${process.hrtime.bigint()}.log`);
    fs.writeFileSync(sshLog, '');
    const env = {
      ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, 'ansible.cfg'),
      ANSIBLE_SSH_EXECUTABLE: sshWrapper,
      ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(work, 'cp'), // our own masters, never another run's
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
      BENCH_SSH_LOG: sshLog,
    };
    let tail = '';
    const before = logFile && fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const m = await measure('ansible-playbook', ['-i', inv, '-f', String(forks), path.join(ANSIBLE_DIR, 'playbook.yml')], { env, cwd: ANSIBLE_DIR, logFile });
    if (logFile) tail = fs.readFileSync(logFile, 'utf8').slice(before);
    // PLAY RECAP: "pv-a1   : ok=28   changed=0    unreachable=0    failed=0 ..."
    let changed = 0, failed = 0, seen = 0;
    for (const x of tail.matchAll(/^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
      seen++; changed += Number(x[2]); failed += Number(x[3]) + Number(x[4]);
    }
    if (seen < hosts.length) failed += hosts.length - seen;
    const calls = fs.readFileSync(sshLog, 'utf8').split('\n').filter(Boolean);
    const roundTrips = hosts.map((h) => calls.filter((c) => c.split(' ').includes(h.address)).length);
    fs.rmSync(sshLog, { force: true });
    return { ...m, changed, failed, roundTrips };
  },
};

// --- main -------------------------------------------------------------------------------------
const opts = parseArgs(process.argv.slice(2));
if (process.getuid?.() !== 0) usage('needs root: the test hosts are systemd-nspawn containers');
if (!fs.existsSync(CLI)) usage(`${CLI} is missing: npm run build first`);
const ansible = !opts.skipAnsible && onPath('ansible-playbook');
if (!opts.skipAnsible && !ansible) log('ansible-playbook is not on PATH: Ansible is skipped (apt-get install ansible to compare)');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-bench-'));
const logDir = path.join(work, 'logs');
fs.mkdirSync(logDir);
fs.mkdirSync(path.join(work, 'cp'), { mode: 0o700 });
const sshWrapper = path.join(work, 'ssh');
fs.writeFileSync(sshWrapper, '#!/bin/sh\nprintf \'%s\\n\' "$*" >> "$BENCH_SSH_LOG"\nexec ssh "$@"\n', { mode: 0o755 });

const sandbox = await import(pathToFileURL(path.join(ROOT, 'dist/src/sandbox/index.js')).href);
const fleetSim = await import('../bench/fleet/fleet.mjs');
const fleetRecord = await import('../bench/fleet/record.mjs');
const fleetHonesty = await import('../bench/fleet/honesty.mjs');
const fleetRecording = await import('../bench/fleet/recording.mjs');
let recordingFile; // the first real provision host's no-op, for the simulated rows
const booted = new Set();

process.on('SIGINT', () => {
  if (!interrupted) log('interrupted: stopping the running measurement, then removing the test hosts');
  interrupted = true;
  if (current?.pid) try { process.kill(-current.pid, 'SIGINT'); } catch { /* gone */ }
});
process.on('SIGTERM', () => process.emit('SIGINT'));

async function teardown(names) {
  if (!names.length) return;
  log(`removing ${names.join(' ')}`);
  // ssh masters Ansible left (ControlPersist) die with their hosts; ask them to go first.
  for (const s of fs.readdirSync(path.join(work, 'cp'))) spawnSync('ssh', ['-S', path.join(work, 'cp', s), '-O', 'exit', 'x'], { stdio: 'ignore', timeout: 5000 });
  await sandbox.down(names, { log: (l) => log(l) });
  for (const n of names) booted.delete(n);
}

const results = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memMiB: Math.round(os.totalmem() / 2 ** 20), node: process.version }, options: { ...opts, out: undefined, baseline: opts.baseline && path.basename(opts.baseline), recording: opts.recording && path.basename(opts.recording) }, loadAtStart: load(), speedProbeMsAtStart: speedProbeMs(), version: undefined, runs: [] };
let exitCode = 0;

try {
  // provision --version: process start-up alone.
  const version = [];
  for (let i = 0; i < 10; i++) version.push((await measure(process.execPath, [CLI, '--version'], { sample: false })).wallMs);
  results.version = { medianMs: median(version), runsMs: version, load: load() };
  log(`provision --version: median ${median(version).toFixed(0)} ms`);

  const tools = [provisionTool, ...(ansible ? [ansibleTool] : [])];
  if (opts.baseline && !fs.existsSync(path.join(opts.baseline, 'dist/provision.cjs'))) throw new Error(`--baseline ${opts.baseline}: no dist/provision.cjs there (npm run build in it first)`);
  const baselineTool = opts.baseline
    ? provisionToolFor('provision (baseline)', path.join(opts.baseline, 'bin/provision.cjs'), { XDG_CACHE_HOME: path.join(work, 'baseline-cache') })
    : undefined;
  for (const n of opts.hosts) {
    for (const tool of tools) {
      if (tool === ansibleTool && !opts.ansibleHosts.includes(n)) continue;
      if (interrupted) break;
      const names = Array.from({ length: n }, (_, i) => `${tool.prefix.replace(/^pv/, opts.hostPrefix)}${i + 1}`);
      const dir = fs.mkdtempSync(path.join(work, `${tool.name}-${n}-`));
      // up() would reuse a running host of the same name: not a first run, and not ours to remove.
      const taken = (await sandbox.list()).map((h) => h.name).filter((x) => names.includes(x));
      if (taken.length) throw new Error(`test hosts ${taken.join(' ')} already exist (not booted by this run): remove them with provision sandbox down ${taken.join(' ')}`);
      log(`${tool.name}, ${n} host(s): booting ${names.join(' ')} (load ${load().join(' ')})`);
      for (const name of names) booted.add(name);
      const t0 = Date.now();
      const hosts = await sandbox.up(names, { log: (l) => log(l) });
      log(`booted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      try {
        const inv = tool.writeInventory(sandbox, hosts, dir);
        const logFile = path.join(logDir, `${tool.name}-${n}.log`);
        const record = (phase, forks, ms, probeMs, extra = {}) => {
          const ok = ms.every((m) => m.code === 0 && m.failed === 0) && (phase === 'first' || ms.every((m) => m.changed === 0));
          const row = {
            tool: tool.name, hosts: n, phase, forks, ok,
            wallMs: median(ms.map((m) => m.wallMs)), wallRunsMs: ms.map((m) => Math.round(m.wallMs)),
            cpuMs: median(ms.map((m) => m.cpuMs)), maxRssMiB: Math.max(...ms.map((m) => m.maxRssKiB)) / 1024,
            treeRssMiB: Math.max(...ms.map((m) => m.treeRssKiB)) / 1024,
            roundTripsPerHost: median(ms.flatMap((m) => m.roundTrips)), hostCpuMsPerHost: median(ms.flatMap((m) => m.hostCpuMs)), changed: ms.map((m) => m.changed), exitCodes: ms.map((m) => m.code), load: load(), speedProbeMs: probeMs, ...extra,
          };
          results.runs.push(row);
          log(`${row.tool} ${n} host(s) ${phase}: ${(row.wallMs / 1000).toFixed(2)} s wall, ${(row.cpuMs / 1000).toFixed(2)} s CPU, ${row.hostCpuMsPerHost.toFixed(0)} ms host CPU/host, ${row.treeRssMiB.toFixed(0)} MiB, ${row.roundTripsPerHost} round trips/host, changed ${row.changed.join('/')}${ok ? '' : `  FAILED: see ${logFile}`} (load ${row.load.join(' ')}, speed probe ${probeMs} ms)`);
          if (!ok) exitCode = 1;
          return ok;
        };
        const forks = Math.min(opts.firstForks, n);
        log(`${tool.name} ${n} host(s): first run, ${forks} in parallel (installs packages: minutes)`);
        const firstProbe = speedProbeMs();
        const first = await runMeasuringHosts(tool, inv, hosts, forks, logFile);
        if (record('first', forks, [first], firstProbe)) {
          const noop = [];
          // The no-op re-run of N hosts runs them all in parallel unless --forks says otherwise.
          const noopForks = opts.forks ?? n;
          // One unmeasured no-op first: right after the first run the hosts are still busy for
          // a while (PostgreSQL, man-db and systemd finishing up), which the host CPU and wall of
          // the first measured run would otherwise include; for Ansible it is noise, for provision
          // a third of a run.
          await runMeasuringHosts(tool, inv, hosts, noopForks, logFile);
          // The baseline, when there is one, runs on the same hosts, each of its runs right after one of ours.
          const baseline = tool === provisionTool ? baselineTool : undefined;
          if (baseline) await runMeasuringHosts(baseline, inv, hosts, noopForks, logFile);
          const quiet = await settle();
          log(`${tool.name} ${n} host(s): waited ${(quiet.waitedMs / 1000).toFixed(0)} s for the machine to be quiet (last second ${(quiet.busy * 100).toFixed(0)}% busy)`);
          const probe = speedProbeMs();
          const baselineNoop = [];
          for (let i = 0; i < opts.runs && !interrupted; i++) {
            noop.push(await runMeasuringHosts(tool, inv, hosts, noopForks, logFile));
            if (baseline && !interrupted) baselineNoop.push(await runMeasuringHosts(baseline, inv, hosts, noopForks, logFile));
          }
          if (noop.length) record('no-op', noopForks, noop, probe, { settled: quiet });
          if (tool === provisionTool && opts.simulated.length && !recordingFile && !interrupted) await recordForSimulation(hosts[0]);
          if (baselineNoop.length) record('no-op', noopForks, baselineNoop, probe, { settled: quiet, tool: baseline.name, baseline: path.basename(opts.baseline) });
        }
      } finally {
        await teardown(names);
      }
    }
  }
  if (opts.recording && !recordingFile && !interrupted) {
    // recordRun (bench/fleet/record.mjs) leaves the real host's report beside the recording.
    const real = path.join(opts.recording, 'recorded-run-report.json');
    if (!fs.existsSync(real)) throw new Error(`--recording ${opts.recording}: no recorded-run-report.json there (the bench that recorded it leaves one)`);
    const report = JSON.parse(fs.readFileSync(real, 'utf8'));
    await checkSimulation(opts.recording, Object.keys(report.hosts)[0], report);
  }
  if (opts.simulated.length && !interrupted) {
    if (!recordingFile) throw new Error('--simulated: no recording (it is made from the first real provision host: --hosts must list at least one size)');
    await runSimulatedRows(baselineTool);
  }
} catch (err) {
  log(`error: ${err?.stack ?? err}`);
  exitCode = 1;
} finally {
  if (booted.size) await teardown([...booted]).catch((e) => { log(`teardown failed: ${e.message}`); exitCode = 1; });
}

results.loadAtEnd = load();
// The log directory is temporary and of this machine: named on stderr, not kept in the results.
if (results.version) {
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(table(results));
  log(`results: ${path.relative(process.cwd(), opts.out)}; run logs: ${logDir}`);
}
process.exit(interrupted ? 130 : exitCode);

/**
 * Records a no-op of the bench playbook on a real, converged host through the recorder
 * (bench/fleet/record.mjs), then runs one simulated host from it: both must give the same plan
 * and round trips (bench/fleet/honesty.mjs), or the simulated rows are not run.
 */
async function recordForSimulation(host) {
  const dir = fs.mkdtempSync(path.join(work, 'recording-'));
  const target = { name: host.name, address: host.address, port: host.port, user: host.user, privateKeyPath: host.privateKeyPath, knownHostsPath: host.knownHostsPath, vars: { ...sandbox.SANDBOX_VARS, sandbox_release: host.release } };
  log(`recording a no-op of ${host.name} for the simulated fleet`);
  const { recording, report } = await fleetRecord.recordRun({ target, dir, cli: CLI, playbook: PLAYBOOK });
  const file = path.join(dir, 'recording.json');
  fleetRecording.writeRecording(file, recording);
  await checkSimulation(dir, host.name, report);
}

/** One simulated host from `dir`'s recording must give the real host's `report`: plan and round trips. */
async function checkSimulation(dir, hostName, report) {
  const file = path.join(dir, 'recording.json');
  const recording = JSON.parse(fs.readFileSync(file, 'utf8'));
  const fleet = await fleetSim.startFleet({ recordingFile: file, vars: recording.vars, count: 1, dir: path.join(dir, 'check') });
  const simReport = path.join(work, `simulated-report-${process.hrtime.bigint()}.json`);
  try {
    await fleetRecord.runProvision(CLI, [PLAYBOOK, '-i', fleet.inventory, '--report', simReport]);
  } finally {
    const misses = await fleet.stop();
    if (misses.length) log(`the simulated host could not answer: ${misses.join('; ')}`);
  }
  const differences = fs.existsSync(simReport) ? fleetHonesty.comparePlans(report, JSON.parse(fs.readFileSync(simReport, 'utf8'))) : ['the simulated run gave no report'];
  const plan = fleetHonesty.planOf(report);
  results.simulationCheck = { host: hostName, tasks: plan.tasks.length, roundTrips: plan.roundTrips, differences };
  if (differences.length) throw new Error(`the simulated host does not behave as the real one:\n  ${differences.join('\n  ')}`);
  log(`simulation check: a simulated host gives ${hostName}'s plan (${plan.tasks.length} tasks, 0 changed) in the same ${plan.roundTrips} round trip(s)`);
  recordingFile = file;
}

/**
 * The simulated rows: N hosts from the recording, provision's own CPU, wall and peak RSS. With
 * --baseline, the baseline build runs on the same simulated fleet, each of its runs right after
 * one of ours, so a before/after comparison sees the same machine at the same moment.
 */
async function runSimulatedRows(baselineTool) {
  const { vars } = JSON.parse(fs.readFileSync(recordingFile, 'utf8'));
  const tools = [provisionTool, ...(baselineTool ? [baselineTool] : [])];
  for (const n of opts.simulated) {
    if (interrupted) break;
    const fleet = await fleetSim.startFleet({ recordingFile, vars, count: n, dir: fs.mkdtempSync(path.join(work, `simulated-${n}-`)), procs: opts.simProcs });
    const logFile = path.join(logDir, `provision-simulated-${n}.log`);
    try {
      const forks = Math.min(opts.simForks, n);
      const probe = speedProbeMs();
      const runs = tools.map(() => []);
      for (let i = 0; i < opts.simRuns && !interrupted; i++) {
        for (const [t, tool] of tools.entries()) if (!interrupted) runs[t].push(await tool.run(fleet.inventory, fleet.names, forks, logFile));
      }
      const misses = await fleet.stop();
      for (const [t, tool] of tools.entries()) {
        const ok = runs[t].length > 0 && runs[t].every((m) => m.code === 0 && m.failed === 0 && m.changed === 0) && misses.length === 0;
        const row = {
          tool: `${tool.name} (simulated)`, hosts: n, phase: 'no-op', forks, ok, simulated: true,
          ...(tool === baselineTool ? { baseline: path.basename(opts.baseline) } : {}),
          wallMs: median(runs[t].map((m) => m.wallMs)), wallRunsMs: runs[t].map((m) => Math.round(m.wallMs)),
          cpuMs: median(runs[t].map((m) => m.cpuMs)), cpuRunsMs: runs[t].map((m) => Math.round(m.cpuMs)), maxRssMiB: Math.max(...runs[t].map((m) => m.maxRssKiB)) / 1024,
          treeRssMiB: Math.max(...runs[t].map((m) => m.treeRssKiB)) / 1024,
          roundTripsPerHost: median(runs[t].flatMap((m) => m.roundTrips)), changed: runs[t].map((m) => m.changed), exitCodes: runs[t].map((m) => m.code),
          misses: misses.slice(0, 5), load: load(), speedProbeMs: probe,
        };
        results.runs.push(row);
        log(`${tool.name}, simulated ${n} hosts (forks ${forks}): ${(row.wallMs / 1000).toFixed(2)} s wall, ${(row.cpuMs / 1000).toFixed(2)} s controller CPU (${(row.cpuMs / n).toFixed(1)} ms/host), ${row.maxRssMiB.toFixed(0)} MiB peak RSS${ok ? '' : `  FAILED: see ${logFile}${misses.length ? `; unanswered: ${misses[0]}` : ''}`}`);
        if (!ok) exitCode = 1;
      }
    } finally {
      await fleet.stop().catch(() => {});
    }
  }
}

function table(r) {
  const s = (ms) => (ms / 1000).toFixed(2);
  const lines = [
    '',
    `provision --version: ${r.version.medianMs.toFixed(0)} ms (median of ${r.version.runsMs.length}); ${r.machine.cpus} CPUs, load average at start ${r.loadAtStart.join(' ')}, speed probe ${r.speedProbeMsAtStart} ms`,
    '',
    '| tool | hosts | run | wall s (median) | round trips / host | CPU s (user+sys) | host CPU ms / host | peak RSS MiB (tree) | load 1m | speed probe ms | vs Ansible (wall) |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of r.runs.filter((y) => !y.simulated)) {
    const a = r.runs.find((y) => y.tool === 'ansible' && y.hosts === x.hosts && y.phase === x.phase);
    const ratio = x.tool === 'provision' && a ? `${(x.wallMs / a.wallMs).toFixed(2)}× (${(a.wallMs / x.wallMs).toFixed(1)}× faster)` : '';
    const run = x.phase === 'first' ? `first (forks ${x.forks})` : `no-op ×${x.wallRunsMs.length}`;
    lines.push(`| ${x.tool} | ${x.hosts} | ${run}${x.ok ? '' : ' FAILED'} | ${s(x.wallMs)} | ${x.roundTripsPerHost} | ${s(x.cpuMs)} | ${x.hostCpuMsPerHost?.toFixed(0) ?? ''} | ${x.treeRssMiB.toFixed(0)} | ${x.load[0]} | ${x.speedProbeMs ?? ''} | ${ratio} |`);
  }
  const simulated = r.runs.filter((y) => y.simulated);
  if (simulated.length) {
    lines.push(
      '',
      `Simulated hosts (bench/fleet/: loopback SSH servers answering from ${r.simulationCheck?.host ?? 'a real host'}'s recorded no-op); CPU and RSS are the provision process's alone:`,
      '',
      '| build | hosts | forks | run | wall s | controller CPU s | CPU ms / host | peak RSS MiB | round trips / host | load 1m | speed probe ms |',
      '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
      ...simulated.map((x) => `| ${x.baseline ? `baseline ${x.baseline}` : 'this build'} | ${x.hosts} | ${x.forks} | no-op ×${x.wallRunsMs.length}${x.ok ? '' : ' FAILED'} | ${s(x.wallMs)} | ${s(x.cpuMs)} | ${(x.cpuMs / x.hosts).toFixed(1)} | ${x.maxRssMiB.toFixed(0)} | ${x.roundTripsPerHost} | ${x.load[0]} | ${x.speedProbeMs} |`),
    );
  }
  return lines.join('\n') + '\n\n';
}
