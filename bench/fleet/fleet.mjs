// A simulated fleet for one run of provision: `procs` simulator processes (simulator.mjs) share
// the hosts, and this writes what the controller needs to reach them as real hosts: a client key,
// a known_hosts file with every host's own key, and an inventory with the recorded host's
// variables. provision is run against it unchanged; host keys are checked as for any host.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { inventoryYaml } from './record.mjs';
import { newKeyPair } from './ssh-server.mjs';

const SIMULATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'simulator.mjs');

/** One simulator process serving hosts [first, first + count); resolves once they listen. */
function startProcess(recordingFile, first, count, keyFile) {
  const child = spawn(process.execPath, [SIMULATOR, recordingFile, String(first), String(count), keyFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const next = () => new Promise((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`fleet simulator exited (${code}) before answering`)));
  });
  return next().then(({ hosts }) => ({
    hosts,
    async stop() {
      const done = next().catch(() => ({ misses: ['simulator process lost'] }));
      child.stdin.end();
      return (await done).misses;
    },
  }));
}

/**
 * Starts `count` simulated hosts answering from the recording file, spread over `procs`
 * processes, and writes inventory, key and known_hosts into `dir`.
 * Returns { inventory, names, stop() → misses (commands the recording could not answer) }.
 */
export async function startFleet({ recordingFile, vars, count, dir, procs = 1 }) {
  fs.mkdirSync(dir, { recursive: true });
  const client = newKeyPair();
  const keyFile = path.join(dir, 'client-key');
  fs.writeFileSync(keyFile, client.private, { mode: 0o600 });
  fs.writeFileSync(`${keyFile}.pub`, client.public);
  const per = Math.ceil(count / procs);
  const parts = await Promise.all(Array.from({ length: Math.min(procs, count) }, (_, p) => startProcess(recordingFile, p * per, Math.min(per, count - p * per), `${keyFile}.pub`)));
  const hosts = parts.flatMap((p) => p.hosts);
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, hosts.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}\n`).join(''));
  const inventory = path.join(dir, 'inventory.yaml');
  fs.writeFileSync(inventory, inventoryYaml(hosts, { keyFile, knownHosts, vars }));
  let stopped;
  return {
    inventory,
    names: hosts.map((h) => h.name),
    // Once: a second call gets the first one's answer.
    stop: () => (stopped ??= Promise.all(parts.map((p) => p.stop())).then((m) => m.flat())),
  };
}

// By hand: node bench/fleet/fleet.mjs RECORDING COUNT DIR [PROCS] starts the fleet, prints the
// inventory's path, and keeps it up until Ctrl-C (then lists any command it could not answer).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [recordingFile, count, dir, procs = '1'] = process.argv.slice(2);
  if (!recordingFile || !count || !dir) {
    process.stderr.write('usage: node bench/fleet/fleet.mjs RECORDING COUNT DIR [PROCS]\n');
    process.exit(5);
  }
  const { vars } = JSON.parse(fs.readFileSync(recordingFile, 'utf8'));
  const fleet = await startFleet({ recordingFile, vars, count: Number(count), dir, procs: Number(procs) });
  process.stdout.write(`${fleet.inventory}\n`);
  process.once('SIGINT', async () => {
    const misses = await fleet.stop();
    process.stderr.write(misses.length ? `unanswered:\n${misses.join('\n')}\n` : 'every command answered\n');
    process.exit(0);
  });
}
