// ufw and htpasswd against a real Debian 12 host (systemd-nspawn), through the built CLI, as a
// user runs them: check mode on a fresh or drifted host shows the change and leaves the host
// alone; the first run changes it; the second changes nothing; then the result is checked with
// the host's own tools (ufw status, htpasswd -v, stat) and SSH still works behind the firewall.
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject, type ProvisionResult } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const NAME = 'pv-ufw';

const PASSWORDS = { alice: 'alice-Wonder-7731', bob: 'bob-Builder-4242', bobNew: 'bob-Rebuilt-9090' };

let host: TestHost;
let secretsFile: string;
const outputs: string[] = [];

type Played = ProvisionResult & { tasks: NonNullable<ProvisionResult['report']>['hosts'][string]['tasks'] };

/** Runs one playbook (YAML of the tasks) against the test host, with the passwords from a vars file marked !secret. */
async function play(tasks: string, ...flags: string[]): Promise<Played> {
  const dir = writeProject({ 'site.yaml': `- hosts: ${NAME}\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n` });
  const r = await runCli([`${dir}/site.yaml`, '-i', host.inventory, '-e', `@${secretsFile}`, ...flags]);
  outputs.push(r.stdout, r.stderr, JSON.stringify(r.report ?? {}));
  return { ...r, tasks: r.report?.hosts[NAME]?.tasks ?? [] };
}

const sh = async (script: string): Promise<string> => (await host.sh(script)).stdout.trim();

function expectChanged(r: Played, changed: number): void {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(totals(r.report)).toMatchObject({ changed, failed: 0, unreachable: 0 });
}

/** `ufw status verbose` with runs of spaces collapsed. */
const ufwStatus = async (): Promise<string[]> => (await sh('ufw status verbose')).split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
const storedTuples = async (): Promise<string> => sh("grep -h '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules");

const firewall = `- name: Firewall
  ufw:
    defaults: { incoming: deny, outgoing: allow, routed: deny }
    rules:
      - { rule: allow, port: 22/tcp, comment: ssh }
      - { rule: allow, app: WWW Full }
      - { rule: allow, port: "6000:6007", proto: udp, from: 10.0.0.0/8 }
      - { rule: deny, direction: out, port: 25/tcp }
    purge: true
    state: enabled`;

const HTPASSWD = '/etc/nginx/.htpasswd';
const users = (exclusive = false) => `- name: Basic-auth users
  htpasswd:
    path: ${HTPASSWD}
    users:
      - { name: alice, password: "{{ alice_password }}" }
      - { name: bob, password: "{{ bob_password }}" }
    owner: root
    group: www-data
    mode: "0640"
    exclusive: ${exclusive}`;

describe.skipIf(!isRoot)('ufw and htpasswd on a real host', () => {
  useTestHost(NAME, (h) => (host = h));
  beforeAll(async () => {
    secretsFile = `${writeProject({})}/secrets.yaml`;
    writeFileSync(secretsFile, `alice_password: !secret ${PASSWORDS.alice}\nbob_password: !secret ${PASSWORDS.bob}\n`);
  });

  describe('ufw', () => {
    it('check mode on a host without ufw plans the whole firewall and changes nothing; a real run says ufw is missing', async () => {
      expect(await host.sh('command -v ufw || test -x /usr/sbin/ufw')).toMatchObject({ code: 1 });
      const check = await play(firewall, '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe(
        "would add allow 22/tcp comment 'ssh', add allow 'WWW Full', add allow from 10.0.0.0/8 to any port 6000:6007 proto udp, add deny out 25/tcp, enable ufw (ufw is not installed yet)",
      );
      expect(check.tasks[0].diff).toContain('-Status: not installed\n+Status: active');
      expect(check.tasks[0].diff).toContain("+allow 22/tcp comment 'ssh'\n+allow 'WWW Full'");
      const run = await play(firewall);
      expect(run.exitCode).not.toBe(0);
      expect(totals(run.report)).toMatchObject({ changed: 0, failed: 1 });
      expect(run.tasks[0].message).toMatch(/ufw is not installed on this host: install the ufw package before this task/);
    }, 120_000);

    it('installs ufw and apache2-utils (for the checks below)', async () => {
      const r = await play(`- name: Tools
  command:
    cmd: apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ufw apache2-utils
    creates: /usr/bin/htpasswd`);
      expectChanged(r, 1);
      expect(await sh('ufw status')).toBe('Status: inactive');
    }, 300_000);

    it('refuses to enable a firewall that would cut SSH off, applies nothing', async () => {
      const r = await play(`- ufw:
    defaults: { incoming: deny }
    rules: [{ rule: allow, port: 80/tcp }]
    state: enabled`);
      expect(r.exitCode).not.toBe(0);
      expect(totals(r.report)).toMatchObject({ changed: 0, failed: 1 });
      expect(r.tasks[0].message).toMatch(/^refusing to change ufw: afterwards it would block SSH on port 22\/tcp, the connection this run uses \(incoming default is deny and no allow or limit rule covers 22\/tcp \(nor the OpenSSH profile\)\)\. Add a rule such as .*allow_ssh_lockout: true/);
      expect(await sh('ufw status')).toBe('Status: inactive');
      expect(await storedTuples()).toBe('');
      expect(await sh('grep ^ENABLED /etc/ufw/ufw.conf')).toBe('ENABLED=no');
    }, 60_000);

    it('check mode on the installed, drifted host shows the exact change and leaves it alone', async () => {
      await sh('ufw allow 8080/tcp >/dev/null');
      const before = await storedTuples();
      const check = await play(firewall, '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe(
        "would add allow 22/tcp comment 'ssh', add allow 'WWW Full', add allow from 10.0.0.0/8 to any port 6000:6007 proto udp, add deny out 25/tcp, delete allow 8080/tcp (not listed), enable ufw",
      );
      expect(check.tasks[0].diff).toBe(
        [
          '--- ufw (before)',
          '+++ ufw (after)',
          '@@ -1,3 +1,6 @@',
          '-Status: inactive',
          '+Status: active',
          ' Default: deny (incoming), allow (outgoing), deny (routed)',
          '-allow 8080/tcp',
          "+allow 22/tcp comment 'ssh'",
          "+allow 'WWW Full'",
          '+allow from 10.0.0.0/8 to any port 6000:6007 proto udp',
          '+deny out 25/tcp',
        ].join('\n'),
      );
      expect(await storedTuples()).toBe(before);
      expect(await sh('ufw status')).toBe('Status: inactive');
    }, 60_000);

    it('enables exactly these rules; SSH still works; the second run changes nothing', async () => {
      const first = await play(firewall);
      expectChanged(first, 1);
      expect(await ufwStatus()).toEqual([
        'Status: active',
        'Logging: on (low)',
        'Default: deny (incoming), allow (outgoing), deny (routed)',
        'New profiles: skip',
        'To Action From',
        '-- ------ ----',
        '22/tcp ALLOW IN Anywhere # ssh',
        '80,443/tcp (WWW Full) ALLOW IN Anywhere',
        '6000:6007/udp ALLOW IN 10.0.0.0/8',
        '22/tcp (v6) ALLOW IN Anywhere (v6) # ssh',
        '80,443/tcp (WWW Full (v6)) ALLOW IN Anywhere (v6)',
        '25/tcp DENY OUT Anywhere',
        '25/tcp (v6) DENY OUT Anywhere (v6)',
      ]);
      expect(await sh('systemctl is-enabled ufw; grep ^ENABLED /etc/ufw/ufw.conf')).toBe('enabled\nENABLED=yes');
      // A new run opens a new SSH connection through the firewall.
      const second = await play(firewall);
      expectChanged(second, 0);
      expect(second.tasks[0].message).toBe('ufw active, 4 rules, defaults as wanted');
      expect(await sh('iptables -S ufw-user-input | grep -c -- "--dport 22 "')).toBe('1');
    }, 120_000);

    it('check mode on a drifted, active firewall; then a run puts it back', async () => {
      await sh("ufw allow 9999/tcp >/dev/null; ufw allow 22/tcp comment 'changed by hand' >/dev/null");
      const before = await storedTuples();
      const check = await play(firewall, '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe("would set comment 'ssh' on allow 22/tcp, delete allow 9999/tcp (not listed)");
      expect(check.tasks[0].diff).toContain("-allow 22/tcp comment 'changed by hand'\n+allow 22/tcp comment 'ssh'");
      expect(check.tasks[0].diff).toContain('-allow 9999/tcp');
      expect(await storedTuples()).toBe(before);
      expectChanged(await play(firewall), 1);
      expect(await sh("ufw status | grep -c '9999' || true")).toBe('0');
      expectChanged(await play(firewall), 0);
    }, 120_000);

    it('refuses a purge that would delete the SSH rule of an active firewall', async () => {
      const before = await storedTuples();
      const r = await play(`- ufw: { rules: [{ rule: allow, port: 80/tcp }], purge: true }`);
      expect(totals(r.report)).toMatchObject({ changed: 0, failed: 1 });
      expect(r.tasks[0].message).toMatch(/refusing to change ufw: afterwards it would block SSH on port 22\/tcp/);
      expect(await storedTuples()).toBe(before);
      expectChanged(await play(firewall), 0); // and SSH still gets in
    }, 60_000);

    it('rejects hostile rule values before touching any host', async () => {
      const before = await storedTuples();
      const r = await play(`- ufw:
    rules:
      - { rule: allow, port: "22; ufw disable" }
      - { rule: allow, app: "WWW Full' ; ufw disable ; '" }
      - { rule: allow, from: "10.0.0.0/8 || ufw disable" }`);
      expect(r.exitCode).toBe(4);
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/site\.yaml:\d+:\d+.*rules\[0\]\.port/);
      expect(out).toMatch(/rules\[1\]\.app/);
      expect(out).toMatch(/rules\[2\]\.from/);
      expect(out).toMatch(/no host was touched/i);
      expect(await storedTuples()).toBe(before);
      expect(await sh('ufw status | head -1')).toBe('Status: active');
    }, 60_000);
  });

  describe('htpasswd', () => {
    it('check mode on a fresh host names the users it would add and creates nothing', async () => {
      await sh('mkdir -p /etc/nginx');
      const check = await play(users(), '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe(`would create ${HTPASSWD}: add alice, add bob`);
      expect(check.tasks[0].diff).toBe(`+ file ${HTPASSWD} (mode 0640, owner root:www-data)\n+ user alice\n+ user bob`);
      expect(await host.sh(`test -e ${HTPASSWD}`)).toMatchObject({ code: 1 });
    }, 60_000);

    it('writes the users, root:www-data 0640, passwords verify with htpasswd; second run changes nothing', async () => {
      expectChanged(await play(users()), 1);
      expect(await sh(`stat -c '%U:%G %a' ${HTPASSWD}`)).toBe('root:www-data 640');
      expect(await sh(`htpasswd -vb ${HTPASSWD} alice '${PASSWORDS.alice}' 2>&1`)).toBe('Password for user alice correct.');
      expect(await sh(`htpasswd -vb ${HTPASSWD} bob '${PASSWORDS.bob}' 2>&1`)).toBe('Password for user bob correct.');
      expect(await host.sh(`htpasswd -vb ${HTPASSWD} bob wrong-password`)).toMatchObject({ code: 3 });
      expect(await sh(`awk -F'$' '{ print $1 "$" $2 "$" $3 "$" }' ${HTPASSWD}`)).toBe('alice:$2y$10$\nbob:$2y$10$');
      const second = await play(users());
      expectChanged(second, 0);
      expect(second.tasks[0].message).toBe(`${HTPASSWD}: alice up to date, bob up to date`);
    }, 60_000);

    it('check mode on a drifted file names the changed and removed users, and leaves it alone', async () => {
      // By hand: bob's password changed, carol added (apr1), mode loosened.
      await sh(`htpasswd -b ${HTPASSWD} bob '${PASSWORDS.bobNew}' 2>/dev/null; htpasswd -bm ${HTPASSWD} carol carol-pass-1 2>/dev/null; chmod 0644 ${HTPASSWD}`);
      const sum = await sh(`sha256sum ${HTPASSWD}`);
      const check = await play(users(true), '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe(`would update ${HTPASSWD}: change bob's password, remove carol`);
      expect(check.tasks[0].diff).toBe('~ mode: 0644 -> 0640\n~ user bob (password changed)\n- user carol (not listed)');
      expect(await sh(`sha256sum ${HTPASSWD}`)).toBe(sum);
      expect(await sh(`stat -c '%a' ${HTPASSWD}`)).toBe('644');

      const aliceLine = await sh(`grep ^alice: ${HTPASSWD}`);
      expectChanged(await play(users(true)), 1);
      expect(await sh(`htpasswd -vb ${HTPASSWD} bob '${PASSWORDS.bob}' 2>&1`)).toBe('Password for user bob correct.');
      expect(await sh(`grep -c ^carol: ${HTPASSWD} || true`)).toBe('0');
      expect(await sh(`grep ^alice: ${HTPASSWD}`)).toBe(aliceLine); // untouched entry keeps its hash
      expect(await sh(`stat -c '%U:%G %a' ${HTPASSWD}`)).toBe('root:www-data 640');
      expectChanged(await play(users(true)), 0);
    }, 60_000);

    it('removes a user set absent', async () => {
      const r = await play(`- htpasswd: { path: ${HTPASSWD}, users: [{ name: bob, state: absent }] }`, '--diff');
      expectChanged(r, 1);
      expect(r.tasks[0].message).toBe(`update ${HTPASSWD}: remove bob`);
      expect(r.tasks[0].diff).toBe('- user bob');
      expect(await sh(`cut -d: -f1 ${HTPASSWD}`)).toBe('alice');
      expectChanged(await play(`- htpasswd: { path: ${HTPASSWD}, users: [{ name: bob, state: absent }] }`), 0);
    }, 60_000);
  });

  it('no password and no hash ever reached stdout, stderr or the report', async () => {
    const all = outputs.join('\n');
    expect(outputs.length).toBeGreaterThan(10);
    for (const p of Object.values(PASSWORDS)) expect(all).not.toContain(p);
    expect(all).not.toMatch(/\$2[aby]\$|\$apr1\$/);
    const hashes = (await sh(`cut -d: -f2 ${HTPASSWD}`)).split('\n').filter(Boolean);
    for (const h of hashes) expect(all).not.toContain(h);
  });
});
