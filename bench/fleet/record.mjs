// The recorder: an SSH server on loopback that stands in front of one real host. provision
// connects to it as it would to the host (its host key in a known_hosts of its own); each exec is
// run on the real host over one upstream SSH connection (the host's key checked against the
// host's known_hosts), streamed both ways (the run lock stays open as on the host), and recorded:
// command, stdin, stdout, stderr, exit status. Nothing in provision knows it is being recorded.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import { newKeyPair, serveSsh } from './ssh-server.mjs';

/** Connects to the real host, checking its key against the host's known_hosts file. */
function connectUpstream(target) {
  const known = fs.readFileSync(target.knownHostsPath, 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[2]).filter(Boolean);
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      privateKey: fs.readFileSync(target.privateKeyPath),
      hostVerifier: (key) => known.includes(key.toString('base64')),
    });
  });
}

/**
 * Starts the recorder in front of `target` ({ name, address, port, user, privateKeyPath,
 * knownHostsPath, vars }) and writes a one-host inventory for it into `dir`.
 * Returns { inventory, stop() → the recording (without `playbook`) }.
 */
export async function startRecorder(target, dir) {
  const upstream = await connectUpstream(target);
  const exchanges = [];
  const client = newKeyPair();
  const hostKey = newKeyPair();
  const onExec = (command, channel) => {
    upstream.exec(command, (err, remote) => {
      if (err) {
        channel.stderr.write(`recorder: ${err.message}\n`);
        channel.exit(255);
        return void channel.end();
      }
      const x = { command, stdin: [], stdout: [], stderr: [], exitCode: null };
      channel.on('data', (d) => { x.stdin.push(d); remote.write(d); });
      channel.on('end', () => remote.end());
      remote.on('data', (d) => { x.stdout.push(d); channel.write(d); });
      remote.stderr.on('data', (d) => { x.stderr.push(d); channel.stderr.write(d); });
      remote.on('exit', (code) => (x.exitCode = typeof code === 'number' ? code : null));
      remote.on('close', () => {
        const text = (parts) => Buffer.concat(parts).toString('utf8');
        exchanges.push({ command, stdin: text(x.stdin), stdout: text(x.stdout), stderr: text(x.stderr), exitCode: x.exitCode });
        if (x.exitCode !== null) channel.exit(x.exitCode);
        channel.end();
      });
    });
  };
  const server = await serveSsh({ port: 0, hostKey: hostKey.private, authorizedKey: client.public, onExec });
  const port = server.address().port;
  const keyFile = path.join(dir, 'recorder-client-key');
  fs.writeFileSync(keyFile, client.private, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'recorder-known-hosts'), `[127.0.0.1]:${port} ${hostKey.public}\n`);
  const inventory = path.join(dir, 'recorder-inventory.yaml');
  fs.writeFileSync(inventory, inventoryYaml([{ name: target.name, port }], { keyFile, knownHosts: path.join(dir, 'recorder-known-hosts'), vars: target.vars }));
  return {
    inventory,
    async stop() {
      await new Promise((r) => server.close(() => r()));
      upstream.end();
      return { recordedAt: new Date().toISOString(), host: target.name, vars: target.vars, exchanges };
    },
  };
}

/** A YAML inventory of loopback hosts (JSON-quoted values are valid YAML). */
export function inventoryYaml(hosts, { keyFile, knownHosts, vars }) {
  const lines = ['hosts:'];
  for (const h of hosts) {
    lines.push(`  ${h.name}:`, '    address: 127.0.0.1', `    port: ${h.port}`, '    user: root', `    private_key: ${JSON.stringify(keyFile)}`, `    known_hosts: ${JSON.stringify(knownHosts)}`);
    const entries = Object.entries(vars ?? {});
    if (entries.length) lines.push('    vars:', ...entries.map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`));
  }
  return lines.join('\n') + '\n';
}

/**
 * Records one run of `playbook` against the real host `target` (see startRecorder): provision
 * (`cli`, run as a child so the recorder keeps answering) goes through the recorder.
 * Returns { recording, report (its --report JSON), output }.
 */
export async function recordRun({ target, dir, cli, playbook, env = {} }) {
  fs.mkdirSync(dir, { recursive: true });
  const recorder = await startRecorder(target, dir);
  const reportFile = path.join(dir, 'recorded-run-report.json');
  let output;
  let recording;
  try {
    output = await runProvision(cli, [playbook, '-i', recorder.inventory, '--report', reportFile], env);
  } finally {
    recording = await recorder.stop();
  }
  if (!fs.existsSync(reportFile)) throw new Error(`the recorded run gave no report (exit ${output.code}):\n${output.stdout}${output.stderr}`);
  return { recording: { playbook: path.basename(playbook), ...recording }, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')), output };
}

/** Runs the CLI as a child process; resolves with { code, stdout, stderr } whatever its exit status. */
export function runProvision(cli, args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, CI: '1', NO_COLOR: '1', ...env }, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
