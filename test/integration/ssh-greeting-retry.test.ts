import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeProject, type ProvisionResult } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * sshd refusing past MaxStartups, for real: `busy` is an OpenSSH sshd with `MaxStartups 1`, and a
 * test holds one unauthenticated connection to it open, so sshd answers every other connection
 * with "Exceeded MaxStartups" and closes it, as a server busy with other clients' logins does.
 * Once sshd has refused provision at least once, the test lets go of its connection: provision,
 * trying again after a short wait, gets in. Held for good, the host is unreachable after four
 * attempts, with a message that says what happened.
 */
const { sshd: free, work } = useTestSshd('provision-greeting-');
let busy: TestSshd;
let knownHosts: string;

beforeAll(async () => {
  busy = await startSshd(['MaxStartups 1', 'LogLevel VERBOSE']); // VERBOSE: sshd logs the first drop of a spell at INFO, the rest at VERBOSE
  // One client key for both servers (a jump host takes the target's key), one known_hosts for both.
  appendFileSync(join(busy.dir, 'authorized_keys'), readFileSync(`${free.clientKey}.pub`));
  knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, readFileSync(free.knownHosts, 'utf8') + readFileSync(busy.knownHosts, 'utf8'));
});
afterAll(async () => {
  await busy?.stop();
});

/** An unauthenticated connection to `busy` that sshd greeted, held open: its one startup place is taken. */
async function holdStartup(): Promise<Socket> {
  for (;;) {
    const held = connect(busy.port, '127.0.0.1');
    const said = await new Promise<string>((resolve) => {
      held.once('data', (d) => resolve(String(d))).once('close', () => resolve('')).once('error', () => resolve(''));
    });
    // Refused itself while an earlier connection (a previous test's) was still counted: again.
    if (said.startsWith('SSH-')) {
      dropsBefore = drops();
      return held;
    }
    held.destroy();
    await new Promise((r) => setTimeout(r, 100));
  }
}
let dropsBefore = 0;

/** How many connections `busy` has refused past MaxStartups so far (its log). */
function drops(): number {
  return (busy.log().match(/drop connection #\d+ .* past MaxStartups/g) ?? []).length;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited 60 s for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function inventory(name: string, host: { port: number; jump?: number }): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'hosts:',
      `  ${name}:`,
      '    address: 127.0.0.1',
      `    port: ${host.port}`,
      '    user: root',
      `    private_key: ${free.clientKey}`,
      `    known_hosts: ${knownHosts}`,
      ...(host.jump ? [`    proxy_jump: root@127.0.0.1:${host.jump}`] : []),
      `    vars: { provision_lock_file: ${file}.lock }`,
      '',
    ].join('\n'),
  );
  return file;
}

const playbook = (): string => writeProject({ 'p.yaml': '- hosts: all\n  tasks:\n    - command: { cmd: "true", creates: / }\n' }) + '/p.yaml';

/** Runs against `busy` held; lets go once sshd has refused provision `refusals` times (never, with 0). */
async function runWhileBusy(name: string, host: { port: number; jump?: number }, refusals: number): Promise<ProvisionResult & { refused: number }> {
  const held = await holdStartup();
  const run = runCli([playbook(), '-i', inventory(name, host), '-vvv'], { SSH_AUTH_SOCK: '', PROVISION_SSH_CONFIG: 'none' });
  try {
    if (refusals > 0) {
      await until(() => drops() - dropsBefore >= refusals, `sshd to refuse provision ${refusals} time(s)`);
      held.destroy();
    }
    const r = await run;
    return { ...r, refused: drops() - dropsBefore };
  } finally {
    held.destroy();
  }
}

describe('a connection sshd refuses past MaxStartups is tried again', () => {
  it('a direct host refused once: reached on a later attempt, and -vvv says why it waited', async () => {
    const r = await runWhileBusy('direct', { port: busy.port }, 1);
    expect(r.report?.hosts.direct.recap.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.refused).toBeGreaterThanOrEqual(1);
    expect(r.stdout + r.stderr).toMatch(/closed connection attempt 1 before its SSH greeting \(sshd's MaxStartups\?\): trying again in \d+ ms/);
  });

  it('a host behind a jump host refused twice: reached through the same jump host', async () => {
    const r = await runWhileBusy('behind', { port: busy.port, jump: free.port }, 2);
    expect(r.report?.hosts.behind.recap.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.refused).toBeGreaterThanOrEqual(2);
  });

  it('the jump host itself refused once: reached', async () => {
    const r = await runWhileBusy('via', { port: free.port, jump: busy.port }, 1);
    expect(r.report?.hosts.via.recap.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
  });

  it('refused on every attempt: unreachable after four, the message says what sshd did', async () => {
    const r = await runWhileBusy('refusing', { port: busy.port }, 0);
    expect(r.report?.hosts.refusing.recap.unreachable).toBeTruthy();
    expect(r.report?.hosts.refusing.recap.error).toMatch(/closed the connection before its SSH greeting, on each of 4 attempts .*MaxStartups/);
    expect(r.refused).toBe(4);
    expect(r.exitCode).not.toBe(0);
  });

  it('a server that is not refusing is not tried again (nothing to do)', async () => {
    const r = await runCli([playbook(), '-i', inventory('calm', { port: free.port }), '-vvv'], { SSH_AUTH_SOCK: '', PROVISION_SSH_CONFIG: 'none' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/before its SSH greeting/);
  });
});
