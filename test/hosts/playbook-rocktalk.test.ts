// playbooks/rocktalk.yaml (the RockTalk guide) through `provision test`, exactly as the README
// tells users to run it: no -e; the variables come from the default scenario of
// playbooks/rocktalk.test.yaml. A fresh Debian host, check mode (must not fail), converge,
// converge again (0 changed), then the playbook's verify: checks (HTTPS with the sandbox CA's
// certificate, HTTP -> HTTPS, the /_stcore/stream WebSocket upgrade reaching the app, ufw rules
// and SSH, units, file modes, the backup), and the host is destroyed. The app is the stand-in
// (no PyPI on test hosts); the ACME CA is the sandbox's pebble, whose variables `provision test`
// puts in the inventory.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up } from '../../src/sandbox/index.js';
import { TEST_RELEASE, testHostName } from '../support/host.js';
import { expectEveryPhasePassed, phases } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';
import { serveUpstreamArtifacts, type UpstreamArtifacts } from '../support/upstream-artifacts.js';

const isRoot = process.getuid?.() === 0;
const PLAYBOOK = `${ROOT}/playbooks/rocktalk.yaml`;

describe.skipIf(!isRoot)('playbooks/rocktalk.yaml on a fresh host', () => {
  it('check mode, converge, converge again with 0 changed, verify: all pass', async () => {
    const t0 = Date.now();
    const name = await testHostName('pv-rock'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/rocktalk.yaml`, '--name', name]);
    console.log(`provision test rocktalk: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    expectEveryPhasePassed(r, name);
    expect(r.stdout).toMatch(/^scenario default: /m);
    // The certificate came from the sandbox's CA, through the private-CA variant of the task.
    expect(r.stdout).toContain('obtain certificate rocktalk.test for rocktalk.test from https://127.0.0.1:14000/dir');
    // SSH was allowed before the firewall went on (the run went on over SSH after it).
    expect(r.stdout).toContain("add allow OpenSSH, add allow 'Nginx Full', enable ufw");
    // certbot.timer's renewals keep the private CA's bundle: the guide's dry run passes in
    // certbot.service's environment; the site has certbot --nginx's TLS settings; the unit gives
    // RockTalk streamlit on PATH and its first-run answer; the stand-in is not the app's path.
    for (const check of [
      `the guide's renewal check ("certbot renew --dry-run") passes in the environment certbot.timer runs it in`,
      "nginx serves certbot's TLS settings (session cache, ciphers, DH parameters), as certbot --nginx would",
      "the service finds streamlit on its PATH and answers RockTalk's first-run question",
    ]) expect(r.stdout).toContain(`ok     ${check}`);
    expect(r.stdout).toContain("create /etc/systemd/system/certbot.service.d/provision-ca-bundle.conf (certbot.timer's renewals trust");
    expect(r.stdout).not.toMatch(/venv\/bin\/rocktalk.*standin|standin.*venv\/bin\/rocktalk/);
  }, 1_200_000);
});

// The guide's real install path (app_source: pypi, the `real` scenario): `pip install
// rocktalk==0.3.7` into its venv from a local package index whose rocktalk and streamlit are built
// to upstream's contract (test/fixtures/upstream: the entry point asks its first-run question on
// stdin and aborts without an answer; it finds `streamlit` by name on PATH), given to the
// playbook through the variables a private index needs (pip_index_url, pip_extra_args). Then, on
// the same host: rocktalk_version 0.3.8 upgrades (a new venv, the unit follows), and a stand-in
// run never touches the real app's files.
describe.skipIf(!isRoot)('playbooks/rocktalk.yaml, the real install path, against local artifacts', () => {
  let name = 'pv-rockr';
  // This run's machine (test/support/host-names.ts): two runs at once never share it.
  beforeAll(async () => void (name = await testHostName('pv-rockr')));
  let upstream: UpstreamArtifacts;
  beforeAll(async () => void (upstream = await serveUpstreamArtifacts()), 120_000);
  afterAll(async () => {
    await down([name]);
    await upstream?.close();
  }, 120_000);

  it('converges, converges again with 0 changed, verify passes; the unit runs RockTalk; 0.3.8 upgrades; the stand-in stays apart', async () => {
    const index = { pip_index_url: upstream.indexUrl, pip_extra_args: ['--trusted-host', upstream.hostPort] };
    const t0 = Date.now();
    const r = await runCli(['test', PLAYBOOK, '--scenario', 'real', '-e', `@${upstream.varsFile(index)}`, '--name', name, '--keep']);
    console.log(`provision test rocktalk --scenario real: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.exitCode, out).toBe(0);
    expect(phases(r.stdout).map(([phase, status]) => `${phase}: ${status}`), out).toEqual([
      `boot fresh host ${name}: passed`,
      'check mode on the fresh host: must change nothing: passed',
      'converge: passed',
      'converge again: nothing may change: passed',
      'verify: passed',
    ]);
    expect(r.stdout).toMatch(/^--- converge again: nothing may change: passed \(0 changed\)$/m);
    expect(r.stdout).toContain(`changed | RockTalk 0.3.7 from PyPI, into its venv | run /opt/rocktalk/0.3.7/venv/bin/pip install --no-cache-dir --index-url ${upstream.indexUrl} --trusted-host ${upstream.hostPort} rocktalk==0.3.7`);
    expect(r.stdout).toContain("ok     app_source pypi: the unit runs RockTalk's entry point, which answered its first-run question and runs streamlit from the venv");

    // The kept host: provision test printed its inventory (the sandbox's variables, the group).
    const inventory = /^kept \S+ at \S+: provision -i (\S+) /m.exec(r.stdout)?.[1];
    expect(inventory, out).toBeDefined();
    const [host] = await up([name], { release: TEST_RELEASE, log: () => {} });
    const sh = (script: string) => nsenterSh(host.machinePid, script);
    const scenario = { domain: 'rocktalk.test', app_source: 'pypi', apt_upgrade: false, ...index };
    const converge = (vars: Record<string, unknown>) => runCli(['-i', inventory!, PLAYBOOK, '-e', `@${upstream.varsFile({ ...scenario, ...vars })}`]);

    // What runs: the unit's main process is the venv's rocktalk entry point; its child is the
    // venv's streamlit, found on PATH, serving rocktalk's app.py with the port of config.toml.
    const running = async (version: string) => {
      const venv = `/opt/rocktalk/${version}/venv`;
      const page = await servedPage();
      expect(page).toContain(`running ${venv}/lib/`);
      expect(page).toMatch(/site-packages\/rocktalk\/app\.py/);
      const ps = await sh('pid=$(systemctl show -p MainPID --value rocktalk); ps -o user=,args= -p "$pid"; ps -o user=,args= --ppid "$pid"; cat /home/rocktalk/.rocktalk/firstrun.json; systemctl show -p ExecStart --value rocktalk');
      expect(ps.stdout).toMatch(new RegExp(`^rocktalk +${venv}/bin/python3? ${venv}/bin/rocktalk$`, 'm'));
      expect(ps.stdout).toMatch(new RegExp(`^rocktalk +${venv}/bin/python3? ${venv}/bin/streamlit run ${venv}/lib/python3\\.\\d+/site-packages/rocktalk/app\\.py$`, 'm'));
      expect(ps.stdout).toContain(`{"version": "${version}"}`);
      expect(ps.stdout).toContain(`path=${venv}/bin/rocktalk ;`);
    };
    // From inside the host (the app listens on loopback only), retried while the service restarts.
    const servedPage = async (): Promise<string> => {
      const r = await sh(`for i in $(seq 40); do python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8502/").read().decode())' 2>/dev/null && exit 0; sleep 0.5; done; exit 1`);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    await running('0.3.7');

    // Upgrade: 0.3.8 goes into its own venv, the unit points at it, RockTalk asks (and is
    // answered) again for the new version; 0.3.7's venv stays for a rollback.
    const upgrade = await converge({ rocktalk_version: '0.3.8' });
    expect(upgrade.exitCode, upgrade.stdout + upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toContain('changed | RockTalk 0.3.8 from PyPI, into its venv | run /opt/rocktalk/0.3.8/venv/bin/pip install');
    await running('0.3.8');
    expect((await sh('test -x /opt/rocktalk/0.3.7/venv/bin/rocktalk')).code).toBe(0);

    // The stand-in never sits in the real app's place: a stand-in run changes no file under
    // /opt/rocktalk, and the next real run gets the real app back without reinstalling it.
    const marker = await sh('touch /run/pv-marker && sleep 1 && sha256sum /opt/rocktalk/0.3.8/venv/bin/rocktalk');
    const standin = await converge({ rocktalk_version: '0.3.8', app_source: 'standin' });
    expect(standin.exitCode, standin.stdout + standin.stderr).toBe(0);
    expect((await sh('systemctl show -p ExecStart --value rocktalk')).stdout).toContain('path=/usr/bin/python3 ; argv[]=/usr/bin/python3 /opt/rocktalk-standin/app.py');
    expect((await sh('find /opt/rocktalk -newer /run/pv-marker -print; sha256sum /opt/rocktalk/0.3.8/venv/bin/rocktalk')).stdout).toBe(marker.stdout);
    const back = await converge({ rocktalk_version: '0.3.8' });
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    expect(back.stdout).not.toContain('changed | RockTalk 0.3.8 from PyPI');
    await running('0.3.8');
  }, 1_800_000);
});

/** A shell inside a test host, from outside it (nsenter), as test/support/host.ts does. */
async function nsenterSh(pid: number, script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await promisify(execFile)('nsenter', ['-t', String(pid), '-a', '/bin/sh', '-c', script], { maxBuffer: 16 * 1024 * 1024 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}
