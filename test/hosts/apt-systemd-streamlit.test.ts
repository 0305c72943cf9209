// apt, systemd_unit and streamlit_config against a real Debian 12 host (systemd-nspawn),
// through the built CLI, as a user runs them: check mode on a host that differs shows the
// change and leaves the host alone; the first run changes it; the second changes nothing.
import { describe, expect, it } from 'vitest';
import { useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject, type ProvisionResult } from '../support/provision.js';

const isRoot = process.getuid?.() === 0;
const NAME = 'pv-apt';

let host: TestHost;

/** Runs one playbook (YAML of the tasks) against the test host. */
async function play(tasks: string, ...flags: string[]): Promise<ProvisionResult & { tasks: NonNullable<ProvisionResult['report']>['hosts'][string]['tasks'] }> {
  const dir = writeProject({ 'site.yaml': `- hosts: ${NAME}\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n` });
  const r = await runCli([`${dir}/site.yaml`, '-i', host.inventory, ...flags]);
  return { ...r, tasks: r.report?.hosts[NAME]?.tasks ?? [] };
}

const sh = async (script: string): Promise<string> => {
  const r = await host.sh(script);
  return r.stdout.trim();
};

/** Exit 0, n changed (each task listed), nothing failed. */
function expectChanged(r: Awaited<ReturnType<typeof play>>, changed: number): void {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(totals(r.report)).toMatchObject({ changed, failed: 0, unreachable: 0 });
}

describe.skipIf(!isRoot)('apt, systemd_unit, streamlit_config on a real host', () => {
  useTestHost(NAME, (h) => (host = h));

  describe('apt', () => {
    const install = `- name: small packages
  apt: { packages: [hello, figlet], update_cache: true, cache_valid_time: 3600, install_recommends: false }`;

    it('check mode on a fresh host lists what would be installed and changes nothing', async () => {
      // Lists from the image build, made to look two days old, never refreshed by apt's daily job.
      await sh("rm -f /var/lib/apt/periodic/update-success-stamp; touch -d '2 days ago' /var/lib/apt/lists");
      const r = await play(install, '--check');
      expectChanged(r, 1);
      expect(r.tasks[0].message).toBe('would refresh package lists (last refreshed 2 days ago); install hello, figlet');
      expect(r.tasks[0].diff).toBe('~ package lists (last refreshed 2 days ago)\n+ hello\n+ figlet');
      expect(await host.sh('dpkg -s hello')).toMatchObject({ code: 1 });
      expect(await sh('test -e /var/lib/apt/periodic/update-success-stamp; echo $?')).toBe('1');
    }, 120_000);

    it('installs in one run, and the second run changes nothing', async () => {
      const first = await play(install);
      expectChanged(first, 1);
      expect(first.tasks[0].message).toBe('refresh package lists (last refreshed 2 days ago); install hello, figlet');
      const second = await play(install);
      expectChanged(second, 0);
      expect(second.tasks[0].message).toMatch(/^package lists refreshed \d+ s ago; hello, figlet already installed$/);
      expect(await sh("dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' hello figlet | sort")).toBe('figlet ii \nhello ii');
      expect(await sh('hello')).toBe('Hello, world!');
    }, 240_000);

    it('removes, waiting for another apt that holds the lock', async () => {
      const remove = `- apt: { packages: [figlet, cowsay], state: absent, lock_timeout: 120 }`;
      const check = await play(remove, '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].diff).toMatch(/^- figlet \S+$/);
      expect(await sh("dpkg-query -W -f='${db:Status-Abbrev}' figlet")).toBe('ii');
      // Another dpkg front end holds the lock for 6 s (dpkg uses fcntl locks, so python's lockf).
      await sh(`nohup python3 -c "import fcntl,time; f=open('/var/lib/dpkg/lock-frontend','w'); fcntl.lockf(f, fcntl.LOCK_EX); open('/tmp/locked','w').close(); time.sleep(6)" >/dev/null 2>&1 &
        for i in $(seq 50); do [ -e /tmp/locked ] && break; sleep 0.1; done`);
      const t0 = Date.now();
      const first = await play(remove);
      expectChanged(first, 1);
      expect(first.tasks[0].message).toBe('remove figlet');
      expect(Date.now() - t0).toBeGreaterThan(3000);
      expect(await sh("dpkg-query -W -f='${db:Status-Abbrev}' figlet")).toMatch(/^(rc|un)/);
      const second = await play(remove);
      expectChanged(second, 0);
      expect(second.tasks[0].message).toBe('figlet, cowsay already absent');
    }, 240_000);

    it('upgrade: check mode lists exactly the pending upgrades; a run applies them; then ok', async () => {
      // Keep it small: hold every upgradable package but the smallest one.
      await sh(`up=$(apt-get -s upgrade | awk '/^Inst/{print $2}')
        [ -n "$up" ] || exit 0
        keep=$(apt-cache show --no-all-versions $up | awk '/^Package:/{p=$2} /^Installed-Size:/{print $2, p}' | sort -n | head -1 | cut -d' ' -f2)
        apt-mark hold $(printf '%s\\n' $up | grep -vx "$keep") >/dev/null`);
      const simulated = (await sh("apt-get -s upgrade | awk '/^Inst/{print $2}'")).split('\n').filter(Boolean);
      console.log(`pending upgrades after holds: ${simulated.join(', ') || 'none'}`);
      const check = await play('- apt: { upgrade: true }', '--check');
      if (simulated.length === 0) {
        expectChanged(check, 0);
        expect(check.tasks[0].message).toBe('no pending upgrades');
        return;
      }
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe(`would upgrade ${simulated.length} package${simulated.length === 1 ? '' : 's'}`);
      expect(check.tasks[0].diff!.split('\n').map((l) => l.split(' ')[1])).toEqual(simulated);
      expect(await sh("apt-get -s upgrade | awk '/^Inst/{print $2}'")).toBe(simulated.join('\n'));
      expectChanged(await play('- apt: { upgrade: true }'), 1);
      const again = await play('- apt: { upgrade: true }');
      expectChanged(again, 0);
      expect(again.tasks[0].message).toBe('no pending upgrades');
      await sh('apt-mark unhold $(apt-mark showhold) >/dev/null');
    }, 240_000);

    it('rejects a hostile package name before touching any host', async () => {
      const r = await play(`- apt: { packages: [hello, "hello; touch /tmp/pwned"] }`);
      expect(r.exitCode).toBe(4);
      expect(r.stderr + r.stdout).toMatch(/site\.yaml:\d+:\d+.*packages\[1\].*Debian package name/);
      expect(r.stderr + r.stdout).toMatch(/no host was touched/i);
      expect(await sh('test -e /tmp/pwned; echo $?')).toBe('1');
    });
  });

  describe('systemd_unit', () => {
    const unit = (mode: string) => `- systemd_unit:
    name: pv-demo.service
    unit: { Description: provision demo service, After: network.target }
    service:
      ExecStart: /usr/bin/sleep infinity
      Environment: [GREETING=hello, MODE=${mode}]
      Restart: always
      NoNewPrivileges: true
    install: { WantedBy: multi-user.target }
    enabled: true
    state: started`;

    it('check mode shows the new file, enablement and state; changes nothing', async () => {
      const r = await play(unit('test'), '--check');
      expectChanged(r, 1);
      expect(r.tasks[0].message).toBe('would create /etc/systemd/system/pv-demo.service (mode 0644, owner root:root), daemon-reload; enable pv-demo.service; start pv-demo.service');
      expect(r.tasks[0].diff).toContain('+ExecStart=/usr/bin/sleep infinity\n+Environment=GREETING=hello\n+Environment=MODE=test\n');
      expect(r.tasks[0].diff).toMatch(/-not-found\n\+enabled/);
      expect(r.tasks[0].diff).toMatch(/-inactive\n\+active/);
      expect(await sh('test -e /etc/systemd/system/pv-demo.service; echo $?')).toBe('1');
      expect(await sh('systemctl is-active pv-demo.service')).toBe('inactive');
    });

    it('writes, enables and starts it; the second run changes nothing', async () => {
      expectChanged(await play(unit('test')), 1);
      const second = await play(unit('test'));
      expectChanged(second, 0);
      expect(second.tasks[0].message).toBe('/etc/systemd/system/pv-demo.service is up to date, enabled, active');
      expect(await sh('systemctl is-active pv-demo.service; systemctl is-enabled pv-demo.service')).toBe('active\nenabled');
      expect(await sh('systemctl show -p Environment --value pv-demo.service')).toBe('GREETING=hello MODE=test');
      expect(await sh('stat -c %a:%U:%G /etc/systemd/system/pv-demo.service')).toBe('644:root:root');
    });

    it('a changed unit is reloaded and the running service restarted; check mode first shows it', async () => {
      const pid = await sh('systemctl show -p MainPID --value pv-demo.service');
      const check = await play(unit('prod'), '--check');
      expectChanged(check, 1);
      expect(check.tasks[0].message).toBe('would update /etc/systemd/system/pv-demo.service, daemon-reload; restart pv-demo.service (unit file changed)');
      expect(check.tasks[0].diff).toContain('-Environment=MODE=test\n+Environment=MODE=prod');
      expect(await sh('systemctl show -p MainPID --value pv-demo.service')).toBe(pid);
      expect(await sh('grep MODE /etc/systemd/system/pv-demo.service')).toBe('Environment=MODE=test');

      expectChanged(await play(unit('prod')), 1);
      expect(await sh('systemctl show -p MainPID --value pv-demo.service')).not.toBe(pid);
      expect(await sh('systemctl show -p Environment --value pv-demo.service')).toBe('GREETING=hello MODE=prod');
      expectChanged(await play(unit('prod')), 0);
    });

    it('a stopped, disabled service is brought back', async () => {
      await sh('systemctl disable --now pv-demo.service');
      const check = await play(unit('prod'), '--check');
      expect(check.tasks[0].message).toBe('would enable pv-demo.service; start pv-demo.service');
      expect(check.tasks[0].diff).toMatch(/-disabled\n\+enabled/);
      expectChanged(await play(unit('prod')), 1);
      expect(await sh('systemctl is-active pv-demo.service; systemctl is-enabled pv-demo.service')).toBe('active\nenabled');
    });
  });

  it('a template unit (which systemctl show refuses) beside running services: their state is read right', async () => {
    const tasks = `- systemd_unit:
    name: pv-worker@.service
    unit: { Description: "provision worker %i" }
    service: { ExecStart: /usr/bin/sleep infinity }
- service: { name: pv-demo, state: started }
- service: { name: ssh, state: started }`;
    expectChanged(await play(tasks), 1);
    // systemctl show stops at "pv-worker@.service": read together, the services after it came out
    // "inactive" and check mode wanted to start them.
    const check = await play(tasks, '--check');
    expectChanged(check, 0);
    expect(check.tasks.map((t) => t.message)).toEqual(['/etc/systemd/system/pv-worker@.service is up to date', 'pv-demo.service is active', 'ssh.service is active']);
  });

  describe('streamlit_config', () => {
    const tasks = (port: number) => `- user: { name: rocktalk }
- streamlit_config:
    user: rocktalk
    app_dir: .rocktalk
    settings:
      server: { headless: true, enableCORS: false, enableXsrfProtection: false, port: ${port} }
      browser: { serverAddress: "chat.example.com", serverPort: 443, gatherUsageStats: false, disconnectedSessionTTL: 2592000 }`;
    const path = '/home/rocktalk/.rocktalk/.streamlit/config.toml';

    it('check mode before the user exists plans with the default home; changes nothing', async () => {
      const r = await play(tasks(8502), '--check');
      expectChanged(r, 2);
      expect(r.tasks[1].message).toBe(`would create /home/rocktalk/.rocktalk/, /home/rocktalk/.rocktalk/.streamlit/; create ${path} (owner rocktalk:rocktalk) (user rocktalk does not exist yet: assuming home /home/rocktalk)`);
      expect(r.tasks[1].diff).toContain('+ /home/rocktalk/.rocktalk/.streamlit/');
      expect(r.tasks[1].diff).toContain('+[server]\n+headless = true');
      expect(await host.sh('id rocktalk')).toMatchObject({ code: 1 });
    });

    it('creates the user, directories and file; the second run changes nothing', async () => {
      expectChanged(await play(tasks(8502)), 2);
      const second = await play(tasks(8502));
      expectChanged(second, 0);
      expect(second.tasks[1].message).toBe(`${path} is up to date`);
      expect(await sh(`stat -c '%n %a %U:%G' /home/rocktalk/.rocktalk /home/rocktalk/.rocktalk/.streamlit ${path}`)).toBe(
        `/home/rocktalk/.rocktalk 755 rocktalk:rocktalk\n/home/rocktalk/.rocktalk/.streamlit 755 rocktalk:rocktalk\n${path} 644 rocktalk:rocktalk`,
      );
      // What Streamlit will read: typed values.
      const parsed = JSON.parse(await sh(`python3 -c 'import json,tomllib; print(json.dumps(tomllib.load(open("${path}","rb"))))'`));
      expect(parsed).toEqual({
        server: { headless: true, enableCORS: false, enableXsrfProtection: false, port: 8502 },
        browser: { serverAddress: 'chat.example.com', serverPort: 443, gatherUsageStats: false, disconnectedSessionTTL: 2592000 },
      });
    });

    it('a hand-edited file shows as a TOML diff in check mode, and is put back', async () => {
      await sh(`sed -i 's/^port = 8502/port = 8501/' ${path}`);
      const check = await play(tasks(8502), '--check');
      expectChanged(check, 1);
      expect(check.tasks[1].diff).toContain('-port = 8501\n+port = 8502');
      expect(await sh(`grep ^port ${path}`)).toBe('port = 8501');
      expectChanged(await play(tasks(8502)), 1);
      expect(await sh(`grep ^port ${path}`)).toBe('port = 8502');
      expectChanged(await play(tasks(8502)), 0);
    });
  });
});
