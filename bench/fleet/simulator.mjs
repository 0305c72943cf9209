// Simulated hosts: one SSH server per host on a loopback port of its own, each with its own host
// key, answering every exec from a recording of a real converged host (recording.mjs), so the
// controller does for each simulated host exactly what it does for a real one (handshake, host
// key checked against known_hosts, public-key login, the fact script, planning) while the host
// side costs next to nothing. A command the recording does not hold gets exit 255 and a message on
// stderr, and is counted in `misses`: a simulation that cannot answer says so.
//
// As a module: startHosts(). As a process (the bench starts a few, to spread the hosts' side over
// the cores): node simulator.mjs RECORDING FIRST COUNT AUTHORIZED_KEY_FILE
//   prints one JSON line { hosts: [{ name, port, hostKey }] } when listening; on SIGTERM or
//   stdin's end prints { misses } and exits.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { answerTable, exchangeKey, isRunLock, readRecording, replayAnswer } from './recording.mjs';
import { newKeyPair, readStdin, serveSsh } from './ssh-server.mjs';

/** Host names sim0001…: the same names whichever process serves them. */
export const simulatedName = (i) => `sim${String(i + 1).padStart(4, '0')}`;

/**
 * Starts `count` simulated hosts (names from index `first`) answering from `recording`.
 * Returns { hosts: [{ name, port, hostKey (public, OpenSSH format) }], misses: string[], stop() }.
 */
export async function startHosts({ recording, first = 0, count, authorizedKey }) {
  const answers = answerTable(recording);
  const misses = [];
  const onExec = async (command, channel) => {
    if (isRunLock(command)) {
      // The run lock: held while its stdin stays open, released when the controller closes it.
      channel.write('LOCKED\n');
      await readStdin(channel);
      channel.exit(0);
      return void channel.end();
    }
    const stdin = await readStdin(channel);
    const { key, marker } = exchangeKey(command, stdin);
    const recorded = answers.get(key);
    if (!recorded) {
      misses.push(`${command} (stdin ${stdin.length} bytes: ${JSON.stringify(stdin.slice(0, 120))}…)`);
      channel.stderr.write('fleet simulator: no recorded answer for this command\n');
      channel.exit(255);
      return void channel.end();
    }
    const answer = replayAnswer(recorded, marker);
    if (answer.stdout) channel.write(answer.stdout);
    if (answer.stderr) channel.stderr.write(answer.stderr);
    if (answer.exitCode !== null) channel.exit(answer.exitCode);
    channel.end();
  };
  const servers = [];
  const hosts = [];
  for (let i = first; i < first + count; i++) {
    const key = newKeyPair();
    const server = await serveSsh({ port: 0, hostKey: key.private, authorizedKey, onExec });
    servers.push(server);
    hosts.push({ name: simulatedName(i), port: server.address().port, hostKey: key.public });
  }
  return {
    hosts,
    misses,
    stop: () => Promise.all(servers.map((s) => new Promise((r) => s.close(() => r())))),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, first, count, keyFile] = process.argv.slice(2);
  const fleet = await startHosts({ recording: readRecording(file), first: Number(first), count: Number(count), authorizedKey: fs.readFileSync(keyFile, 'utf8') });
  process.stdout.write(JSON.stringify({ hosts: fleet.hosts }) + '\n');
  const finish = () => {
    process.stdout.write(JSON.stringify({ misses: fleet.misses }) + '\n', () => process.exit(0));
  };
  process.on('SIGTERM', finish);
  process.stdin.on('end', finish);
  process.stdin.resume();
}
