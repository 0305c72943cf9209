// Micro-benchmark of loadInventory on the fleet bench's inventory shape (#19): COUNT hosts in
// provision's format, as bench/fleet writes them (address, port, user, key, known_hosts, the
// recording's vars). Each round runs every build in a fresh Node process (the real run loads the
// inventory once, cold), builds alternating; prints ms of CPU for the load, cold, then the median
// of WARM loads in the same process.
//
//   node bench/inventory-load.mjs [--baseline DIR] [--rounds 6] [--hosts 1000] [--warm 5]
//
// DIR: another checkout of provision (e.g. `git archive COMMIT | tar -x -C DIR`), whose
// src/inventory/load.ts is bundled the same way.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inventoryYaml } from './fleet/record.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1];
};
const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(arg('rounds', 6));
const count = Number(arg('hosts', 1000));
const warm = Number(arg('warm', 5));
const builds = { 'this build': root };
if (arg('baseline')) builds.baseline = resolve(arg('baseline'));

const dir = mkdtempSync(join(tmpdir(), 'provision-inventory-bench-'));
try {
  const vars = { sandbox: true, acme_server: 'https://127.0.0.1:14000/dir', acme_ca_bundle: '/etc/provision-sandbox/acme-listener.pem', acme_root_ca: '/etc/provision-sandbox/acme-root.pem', sandbox_release: 'trixie' };
  const hosts = Array.from({ length: count }, (_, i) => ({ name: `pv-sim${i + 1}`, port: 20000 + i }));
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, inventoryYaml(hosts, { keyFile: join(dir, 'client-key'), knownHosts: join(dir, 'known_hosts'), vars }));

  // Each build's src/inventory/load.ts bundled on its own (its packages from its node_modules).
  const runners = {};
  for (const [name, buildRoot] of Object.entries(builds)) {
    const out = join(dir, name.replace(/\W/g, '-'));
    await build({ absWorkingDir: buildRoot, entryPoints: ['src/inventory/load.ts'], outfile: join(out, 'load.mjs'), bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error' });
    symlinkSync(join(buildRoot, 'node_modules'), join(out, 'node_modules'));
    const runner = join(out, 'run.mjs');
    writeFileSync(
      runner,
      `import { loadInventory } from './load.mjs';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const times = [];
let inv;
for (let i = 0; i <= ${warm}; i++) { const t = cpu(); inv = loadInventory(${JSON.stringify(inventory)}); times.push(cpu() - t); }
const h = inv.hosts.get('pv-sim1');
console.log(JSON.stringify({ times, hosts: inv.hosts.size, sample: { vars: h.vars, varSources: h.varSources } }));
`,
    );
    runners[name] = runner;
  }
  const names = Object.keys(runners);
  const results = Object.fromEntries(names.map((n) => [n, { cold: [], warm: [] }]));
  const samples = new Set();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) {
      const out = JSON.parse(execFileSync(process.execPath, [runners[name]], { encoding: 'utf8' }));
      samples.add(JSON.stringify([out.hosts, out.sample]));
      results[name].cold.push(out.times[0]);
      const w = out.times.slice(1).sort((a, b) => a - b);
      if (w.length) results[name].warm.push(w[Math.floor(w.length / 2)]);
    }
  }
  if (samples.size !== 1) throw new Error(`the builds read the inventory differently:\n${[...samples].join('\n')}`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`loadInventory, ${count} hosts (${(inventoryYaml(hosts, { keyFile: 'k', knownHosts: 'k', vars }).length / 1024).toFixed(0)} KiB), ms of CPU:`);
  for (const name of names) {
    const { cold, warm: w } = results[name];
    console.log(`${name}: cold ${cold.map((t) => t.toFixed(0)).join(', ')} (median ${median(cold).toFixed(0)}); warm median ${w.length ? median(w).toFixed(0) : '-'}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
