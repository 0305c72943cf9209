import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The bench's fleet simulator (plain ES modules, also run by scripts/bench.mjs).
// @ts-expect-error no type declarations for the bench's .mjs modules
import { startFleet } from '../../bench/fleet/fleet.mjs';
// @ts-expect-error no type declarations for the bench's .mjs modules
import { comparePlans, planOf } from '../../bench/fleet/honesty.mjs';
// @ts-expect-error no type declarations for the bench's .mjs modules
import { recordRun, runProvision } from '../../bench/fleet/record.mjs';
// @ts-expect-error no type declarations for the bench's .mjs modules
import { writeRecording } from '../../bench/fleet/recording.mjs';
import { CLI, runCli, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * The simulation is honest: a playbook converged on a real host (a real sshd on loopback, this
 * machine as the host) is recorded once through the recorder; a simulated host answering from
 * that recording must give the same plan, task for task, 0 changed, in the same round trips.
 * And the check can fail: a recording whose facts say a file differs gives another plan.
 */
const env = { PROVISION_SSH_CONFIG: 'none', SSH_AUTH_SOCK: '' };
const { sshd, work: dir } = useTestSshd('provision-fleet-sim-');

function playbook(out: string): string {
  return writeProject({
    'site.yaml': [
      '- hosts: all',
      '  become: true',
      '  vars: { greeting: "it\'s $HOME `x` @ : / # here" }',
      '  tasks:',
      `    - file: { path: ${out}, state: directory, mode: "0750" }`,
      `    - copy: { content: "{{ greeting }}\\n", dest: ${out}/greeting, mode: "0640" }`,
      `    - template: { src: app.conf.hbs, dest: ${out}/app.conf }`,
      `    - command: { cmd: "touch ${out}/.done", creates: ${out}/.done }`,
      `    - file: { path: ${out}/link, state: link, src: ${out}/greeting }`,
      '',
    ].join('\n'),
    'templates/app.conf.hbs': 'greeting={{ greeting }}\n',
  }) + '/site.yaml';
}

async function simulate(recording: object, vars: object, book: string, name: string): Promise<{ report: unknown; misses: string[] }> {
  const file = join(dir, `${name}.json`);
  writeRecording(file, recording);
  const fleet = await startFleet({ recordingFile: file, vars, count: 1, dir: join(dir, name) });
  const reportFile = join(dir, `${name}-report.json`);
  let misses: string[] = [];
  try {
    await runProvision(CLI, [book, '-i', fleet.inventory, '--report', reportFile], env);
  } finally {
    misses = await fleet.stop();
  }
  return { report: JSON.parse(readFileSync(reportFile, 'utf8')), misses };
}

describe('the fleet simulator against a real host', () => {
  it('same plan, 0 changed, same round trips; a doctored recording is caught', async () => {
    const out = join(dir, 'out');
    const book = playbook(out);
    const vars = { provision_lock_file: join(dir, 'run.lock') };
    const first = await runCli([book, '-i', sshd.inventory()], env);
    expect(first.exitCode).toBe(0);
    expect(first.report!.hosts.local.recap.changed).toBe(5);

    const target = { name: 'local', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: sshd.clientKey, knownHostsPath: sshd.knownHosts, vars };
    const { recording, report: real } = await recordRun({ target, dir: join(dir, 'rec'), cli: CLI, playbook: book, env });
    expect(planOf(real)).toMatchObject({ changed: 0, failed: 0, roundTrips: 1 });
    expect(planOf(real).tasks).toHaveLength(5);

    const sim = await simulate(recording, vars, book, 'honest');
    expect(sim.misses).toEqual([]);
    expect(comparePlans(real, sim.report)).toEqual([]);

    // A recording whose facts no longer match the playbook (the greeting's hash changed):
    // the simulated host plans a change the real host would not, and the check says so.
    const doctored = structuredClone(recording);
    const facts = doctored.exchanges.find((x: { command: string }) => x.command === 'sh -s');
    const before = facts.stdout;
    facts.stdout = facts.stdout.replace(/\b[0-9a-f]{64}\b/, '0'.repeat(64));
    expect(facts.stdout).not.toBe(before);
    const caught = await simulate(doctored, vars, book, 'doctored');
    expect(comparePlans(real, caught.report).length).toBeGreaterThan(0);
  }, 120_000);
});
