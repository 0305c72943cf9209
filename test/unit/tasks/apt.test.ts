import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apt, cacheFact, packagesFact, parseCache, parseSimulation, planApt, upgradeFact, type AptArgs, type InstalledPackage } from '../../../tasks/apt.js';
import { getTaskType } from '../../../tasks/index.js';
import type { Plan } from '../../../src/plan.js';

const args = (a: Record<string, unknown>): AptArgs => apt.schema.parse(a);
const row = (name: string, status = 'ii ', version = '1.0-1', arch = 'amd64'): InstalledPackage => ({ name, arch, status, version });
const commands = (p: Plan): string[] => p.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'run' ? s.command : `write ${s.path}`)));
const diffLines = (p: Plan): string[] => p.changes.flatMap((c) => (c.diff?.kind === 'lines' ? c.diff.lines : []));

const APT = 'env DEBIAN_FRONTEND=noninteractive APT_LISTCHANGES_FRONTEND=none apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

describe('apt schema', () => {
  it('is registered and its example parses', () => {
    expect(getTaskType('apt')).toBe(apt);
    const [task] = parse(apt.example);
    expect(apt.schema.safeParse(task.apt).success).toBe(true);
  });

  it('every field is described', () => {
    const shape = (apt.schema as any).shape;
    for (const [k, v] of Object.entries(shape)) expect((v as any).description, k).toBeTruthy();
  });

  it('defaults: present, cache valid 1 h, lock wait 5 min; one name becomes a list', () => {
    expect(args({ packages: 'nginx' })).toMatchObject({ packages: ['nginx'], state: 'present', update_cache: false, cache_valid_time: 3600, upgrade: false, lock_timeout: 300, purge: false });
  });

  it.each([
    ['nginx'],
    ['python3-certbot-nginx'],
    ['libstdc++6'],
    ['g++'],
    ['nginx=1.22.1-9'],
    ['nginx=1:1.22.1-9+deb12u1~bpo'],
    ['libc6:i386'],
    ['libc6:amd64=2.36-9'],
  ])('accepts package %s', (p) => {
    expect(apt.schema.safeParse({ packages: [p] }).success).toBe(true);
  });

  it.each([
    ['nginx; rm -rf /'],
    ['nginx && reboot'],
    ['$(reboot)'],
    ['`id`'],
    ['-o APT::Get::AllowUnauthenticated=1'],
    ['--reinstall'],
    ['Nginx'],
    ['n'],
    ['nginx '],
    ['nginx\nreboot'],
    ['nginx=$(id)'],
    ['nginx=-1'],
    ['nginx:'],
    ['nginx/bookworm-backports'],
    [''],
  ])('rejects package %j', (p) => {
    const r = apt.schema.safeParse({ packages: ['curl', p] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(['packages', 1]);
  });

  it.each([
    [{}, 'give packages, update_cache or upgrade'],
    [{ packages: ['nginx'], state: 'latest' }, 'state'],
    [{ packages: ['nginx=1.2'], state: 'absent' }, 'version'],
    [{ packages: ['nginx'], purge: true }, 'purge'],
    [{ packages: ['nginx'], upgrade: 'full' }, 'upgrade'],
    [{ packages: ['nginx'], cache_valid_time: -1 }, 'cache_valid_time'],
    [{ packages: ['nginx'], lock_timeout: 1.5 }, 'lock_timeout'],
    [{ packages: ['nginx'], pkg: 'x' }, 'pkg'],
  ])('rejects %j', (a, hint) => {
    const r = apt.schema.safeParse(a);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toContain(hint);
  });
});

describe('apt facts', () => {
  it('reads all packages with one dpkg-query, quoted by cmd()', () => {
    const f = apt.facts(args({ packages: ['nginx', 'libc6:i386', 'curl=7.88.1-10'], update_cache: true, upgrade: 'dist' }), { host: 'h', sshPort: 22 });
    expect(f.packages.script).toBe("dpkg-query -W '-f=${Package}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Version}\\n' -- nginx libc6:i386 curl");
    expect(f.cache.key).toBe('apt:cache');
    expect(f.upgrades.script).toBe('apt-get -s -q dist-upgrade');
  });

  it('only asks for what the arguments need', () => {
    expect(Object.keys(apt.facts(args({ packages: ['nginx'] }), { host: 'h', sshPort: 22 }))).toEqual(['packages']);
    expect(Object.keys(apt.facts(args({ upgrade: true }), { host: 'h', sshPort: 22 }))).toEqual(['upgrades']);
  });

  it('dpkg-query: exit 1 (some unknown) is "not installed"; other failures are errors', () => {
    const f = packagesFact(['nginx', 'bash']);
    expect(f.parse({ stdout: 'bash\tamd64\tii \t5.2.15-2+b8\nnginx\tamd64\trc \t1.22.1-9', exitCode: 1 })).toEqual([row('bash', 'ii ', '5.2.15-2+b8'), row('nginx', 'rc ', '1.22.1-9')]);
    expect(f.parse({ stdout: '', exitCode: 1 })).toEqual([]);
    expect(() => f.parse({ stdout: '', exitCode: 127 })).toThrow(/dpkg-query failed/);
  });

  it('cache age is computed from the host clock; no lists at all means never refreshed', () => {
    expect(parseCache('now 10000\nmtime 9000\nmtime 6000\nlists 3')).toEqual({ age: 1000 });
    expect(parseCache('now 10000\nmtime 9000\nlists 0')).toEqual({ age: null });
    expect(parseCache('now 10000\nlists 2')).toEqual({ age: null });
    expect(parseCache('now 100\nmtime 200\nlists 2')).toEqual({ age: 0 });
    expect(cacheFact().script).toContain('/var/lib/apt/periodic/update-success-stamp');
  });

  it('parses apt-get -s output', () => {
    const out = `Reading package lists...
Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])
Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []
Inst linux-image-6.1.0-40-amd64 (6.1.153-1 Debian-Security:12/oldstable-security [amd64])
Remv oldpkg [0.9-1]
Conf bash (5.2.15-2+b13 Debian:12.15/oldstable [amd64])`;
    expect(parseSimulation(out)).toEqual([
      { name: 'bash', from: '5.2.15-2+b8', to: '5.2.15-2+b13' },
      { name: 'libgcrypt20', from: '1.10.1-3', to: '1.10.1-3+deb12u1' },
      { name: 'linux-image-6.1.0-40-amd64', to: '6.1.153-1' },
      { name: 'oldpkg', from: '0.9-1' },
    ]);
    expect(() => upgradeFact('upgrade').parse({ stdout: '', exitCode: 100 })).toThrow(/apt-get -s upgrade failed/);
  });
});

describe('apt plan', () => {
  const cases: { name: string; args: Record<string, unknown>; facts: Parameters<typeof planApt>[1]; ok?: string; commands?: string[]; diff?: string[]; summary?: string }[] = [
    {
      name: 'installs only the missing packages, in one call',
      args: { packages: ['nginx', 'certbot', 'curl'] },
      facts: { packages: [row('curl'), row('nginx', 'rc ')] },
      commands: [`${APT} install -- nginx certbot`],
      diff: ['+ nginx', '+ certbot'],
      summary: 'install nginx, certbot',
    },
    {
      name: 'nothing to do when all are installed',
      args: { packages: ['nginx', 'certbot'] },
      facts: { packages: [row('nginx'), row('certbot', 'iW ')] },
      ok: 'nginx, certbot already installed',
    },
    {
      name: 'a pinned version that differs is installed',
      args: { packages: ['nginx=1.22.1-9'] },
      facts: { packages: [row('nginx', 'ii ', '1.22.1-8')] },
      commands: [`${APT} install -- nginx=1.22.1-9`],
      diff: ['~ nginx 1.22.1-8 -> 1.22.1-9'],
    },
    {
      name: 'a pinned version that matches is ok',
      args: { packages: ['nginx=1.22.1-9'] },
      facts: { packages: [row('nginx', 'ii ', '1.22.1-9')] },
      ok: 'nginx=1.22.1-9 already installed',
    },
    {
      name: 'architecture qualifiers match dpkg\'s Architecture',
      args: { packages: ['libc6:i386'] },
      facts: { packages: [row('libc6', 'ii ', '2.36', 'amd64')] },
      commands: [`${APT} install -- libc6:i386`],
    },
    {
      name: 'no recommends when asked',
      args: { packages: ['nginx'], install_recommends: false, lock_timeout: 60 },
      facts: { packages: [] },
      commands: ['env DEBIAN_FRONTEND=noninteractive APT_LISTCHANGES_FRONTEND=none apt-get -y -q -o DPkg::Lock::Timeout=60 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends install -- nginx'],
    },
    {
      name: 'removes installed packages; config-only leftovers count as absent',
      args: { packages: ['apache2', 'nginx', 'exim4'], state: 'absent' },
      facts: { packages: [row('apache2', 'ii ', '2.4.62-1'), row('nginx', 'rc '), row('exim4', 'un ')] },
      commands: [`${APT} remove -- apache2`],
      diff: ['- apache2 2.4.62-1'],
      summary: 'remove apache2',
    },
    {
      name: 'purge also removes configuration leftovers',
      args: { packages: ['apache2', 'nginx'], state: 'absent', purge: true },
      facts: { packages: [row('nginx', 'rc ')] },
      commands: [`${APT} purge -- nginx`],
      diff: ['- nginx (configuration files)'],
    },
    {
      name: 'absent and already gone',
      args: { packages: ['apache2'], state: 'absent' },
      facts: { packages: [] },
      ok: 'apache2 already absent',
    },
    {
      name: 'refreshes stale lists before installing',
      args: { packages: ['nginx'], update_cache: true },
      facts: { packages: [], cache: { age: 7200 } },
      commands: [`${APT} update --error-on=any`, 'mkdir -p -- /var/lib/apt/periodic', 'touch -- /var/lib/apt/periodic/update-success-stamp', `${APT} install -- nginx`],
      diff: ['~ package lists (last refreshed 2 h ago)', '+ nginx'],
    },
    {
      name: 'never-fetched lists are refreshed',
      args: { update_cache: true, cache_valid_time: 999999 },
      facts: { cache: { age: null } },
      summary: 'refresh package lists (never refreshed)',
    },
    {
      name: 'fresh lists are left alone',
      args: { packages: ['nginx', 'certbot'], update_cache: true },
      facts: { packages: [row('nginx'), row('certbot')], cache: { age: 600 } },
      ok: 'package lists refreshed 10 min ago; nginx, certbot already installed',
    },
    {
      name: 'cache_valid_time 0 refreshes every run',
      args: { update_cache: true, cache_valid_time: 0 },
      facts: { cache: { age: 0 } },
      commands: [`${APT} update --error-on=any`, 'mkdir -p -- /var/lib/apt/periodic', 'touch -- /var/lib/apt/periodic/update-success-stamp'],
    },
    {
      name: 'upgrade: a no-op when nothing is pending',
      args: { upgrade: true },
      facts: { upgrades: [] },
      ok: 'no pending upgrades',
    },
    {
      name: 'upgrade: lists what would change',
      args: { upgrade: 'dist' },
      facts: { upgrades: [{ name: 'bash', from: '5.2.15-2+b8', to: '5.2.15-2+b13' }, { name: 'linux-image-x', to: '6.1' }, { name: 'old', from: '1' }] },
      commands: [`${APT} dist-upgrade`],
      diff: ['~ bash 5.2.15-2+b8 -> 5.2.15-2+b13', '+ linux-image-x 6.1', '- old 1'],
      summary: 'dist-upgrade 3 packages',
    },
    {
      name: 'upgrade after a refresh in the same run always runs',
      args: { upgrade: true, update_cache: true },
      facts: { upgrades: [], cache: { age: 99999 } },
      commands: [`${APT} update --error-on=any`, 'mkdir -p -- /var/lib/apt/periodic', 'touch -- /var/lib/apt/periodic/update-success-stamp', `${APT} upgrade`],
    },
  ];

  it.each(cases)('$name', (c) => {
    const plan = planApt(args(c.args), c.facts);
    if (c.ok !== undefined) {
      expect(plan.changes).toEqual([]);
      expect(plan.ok).toBe(c.ok);
      return;
    }
    if (c.commands) expect(commands(plan)).toEqual(c.commands);
    if (c.diff) expect(diffLines(plan)).toEqual(c.diff);
    if (c.summary) expect(plan.changes.map((ch) => ch.summary).join('; ')).toBe(c.summary);
  });

  it('exactly one apt-get call installs every missing package', () => {
    const plan = planApt(args({ packages: ['a1', 'b2', 'c3', 'd4'] }), { packages: [] });
    expect(commands(plan).filter((c) => c.includes('apt-get'))).toHaveLength(1);
  });
});
