// Host facts: the fact script's recorded output on real Debian 12 and 13 hosts, and edge cases
// derived from it, through the parser to the variables a playbook sees. The expected values of
// the recorded hosts are what Ansible's setup module gave on the same host at the same moment
// (test/hosts/host-facts.test.ts compares the two live on every run).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  affinityCount, cpuFacts, distributionFacts, fqdnOf, HOST_FACT_NAMES, hostFactsFact, hostFactVars, packageManager, parseHostFacts, readTagged, serviceManager,
  type HostFacts,
} from '../../src/host-facts.js';
import { factBatch } from '../../src/remote-script.js';

/** The fact script's output on a fresh Debian test host (bookworm), as root. */
const BOOKWORM = `os	PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
os	NAME="Debian GNU/Linux"
os	VERSION_ID="12"
os	VERSION="12 (bookworm)"
os	VERSION_CODENAME=bookworm
os	ID=debian
os	HOME_URL="https://www.debian.org/"
os	SUPPORT_URL="https://www.debian.org/support"
os	BUG_REPORT_URL="https://bugs.debian.org/"
debian_version	12.15
ostype	Linux
osrelease	6.18.44-fc-v1045
kversion	#1 SMP PREEMPT_DYNAMIC @0
nodename	pv-hf-b
machine	x86_64
machine_id_dbus	d2558b1306fb49bba97c7c058380166e
machine_id_etc	d2558b1306fb49bba97c7c058380166e
forward	127.0.1.1
reverse	127.0.1.1       pv-hf-b
route4	8.8.8.8 via 10.213.0.17 dev host0 src 10.213.0.18 uid 0 
route4	    cache 
addr	1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
addr	1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever
addr	2: host0    inet 10.213.0.18/30 scope global host0\\       valid_lft forever preferred_lft forever
addr	2: host0    inet6 fe80::8e8:45ff:fee6:d82b/64 scope link \\       valid_lft forever preferred_lft forever
if	host0 1500 0a:e8:45:e6:d8:2b 1 
if	lo 65536 00:00:00:00:00:00 772 
mem	MemTotal:       24683548 kB
mem	SwapTotal:             0 kB
affinity		0-1
cpuinfo	
cpu	processor	: 0
cpu	vendor_id	: AuthenticAMD
cpu	model name	: AMD EPYC
cpu	physical id	: 0
cpu	siblings	: 2
cpu	core id		: 0
cpu	cpu cores	: 2
cpu	processor	: 1
cpu	vendor_id	: AuthenticAMD
cpu	model name	: AMD EPYC
cpu	physical id	: 0
cpu	siblings	: 2
cpu	core id		: 1
cpu	cpu cores	: 2
proc1	systemd
sbin_init	/lib/systemd/systemd
has	systemctl
exists	/run/systemd/system/
exists	/etc/init.d/
exists	/usr/bin/apt-get
user	root
passwd	root:x:0:0:root:/root:/bin/bash
`;

/** ansible -m setup on the same host at the same time (ansible-core 2.14): the facts of HOST_FACT_NAMES. */
const BOOKWORM_ANSIBLE = {
  "ansible_distribution": "Debian",
  "ansible_distribution_release": "bookworm",
  "ansible_distribution_version": "12",
  "ansible_distribution_major_version": "12",
  "ansible_distribution_minor_version": "15",
  "ansible_os_family": "Debian",
  "ansible_system": "Linux",
  "ansible_kernel": "6.18.44-fc-v1045",
  "ansible_kernel_version": "#1 SMP PREEMPT_DYNAMIC @0",
  "ansible_architecture": "x86_64",
  "ansible_machine": "x86_64",
  "ansible_machine_id": "d2558b1306fb49bba97c7c058380166e",
  "ansible_hostname": "pv-hf-b",
  "ansible_nodename": "pv-hf-b",
  "ansible_fqdn": "pv-hf-b",
  "ansible_domain": "",
  "ansible_default_ipv4": {
    "address": "10.213.0.18",
    "alias": "host0",
    "broadcast": "",
    "gateway": "10.213.0.17",
    "interface": "host0",
    "macaddress": "0a:e8:45:e6:d8:2b",
    "mtu": 1500,
    "netmask": "255.255.255.252",
    "network": "10.213.0.16",
    "prefix": "30",
    "type": "ether"
  },
  "ansible_all_ipv4_addresses": [
    "10.213.0.18"
  ],
  "ansible_all_ipv6_addresses": [
    "fe80::8e8:45ff:fee6:d82b"
  ],
  "ansible_memtotal_mb": 24105,
  "ansible_swaptotal_mb": 0,
  "ansible_processor_count": 1,
  "ansible_processor_cores": 2,
  "ansible_processor_threads_per_core": 1,
  "ansible_processor_vcpus": 2,
  "ansible_processor_nproc": 2,
  "ansible_service_mgr": "systemd",
  "ansible_pkg_mgr": "apt",
  "ansible_user_id": "root",
  "ansible_user_uid": 0,
  "ansible_user_gid": 0,
  "ansible_user_gecos": "root",
  "ansible_user_dir": "/root",
  "ansible_user_shell": "/bin/bash"
};

/** The fact script's output on a fresh Debian test host (trixie), as root. */
const TRIXIE = `os	PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
os	NAME="Debian GNU/Linux"
os	VERSION_ID="13"
os	VERSION="13 (trixie)"
os	VERSION_CODENAME=trixie
os	DEBIAN_VERSION_FULL=13.8
os	ID=debian
os	HOME_URL="https://www.debian.org/"
os	SUPPORT_URL="https://www.debian.org/support"
os	BUG_REPORT_URL="https://bugs.debian.org/"
debian_version	13.8
ostype	Linux
osrelease	6.18.44-fc-v1045
kversion	#1 SMP PREEMPT_DYNAMIC @0
nodename	pv-hf-t
machine	x86_64
machine_id_dbus	14fd6fb91dac4ebe9150cbd744ac996d
machine_id_etc	14fd6fb91dac4ebe9150cbd744ac996d
forward	127.0.1.1
reverse	127.0.1.1       pv-hf-t
route4	8.8.8.8 via 10.213.208.29 dev host0 src 10.213.208.30 uid 0 
route4	    cache 
addr	1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
addr	1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever
addr	2: host0    inet 10.213.208.30/30 scope global host0\\       valid_lft forever preferred_lft forever
addr	2: host0    inet6 fe80::c00b:2eff:fe25:11de/64 scope link proto kernel_ll \\       valid_lft forever preferred_lft forever
if	host0 1500 c2:0b:2e:25:11:de 1 
if	lo 65536 00:00:00:00:00:00 772 
mem	MemTotal:       24683548 kB
mem	SwapTotal:             0 kB
affinity		0-1
cpuinfo	
cpu	processor	: 0
cpu	vendor_id	: AuthenticAMD
cpu	model name	: AMD EPYC
cpu	physical id	: 0
cpu	siblings	: 2
cpu	core id		: 0
cpu	cpu cores	: 2
cpu	processor	: 1
cpu	vendor_id	: AuthenticAMD
cpu	model name	: AMD EPYC
cpu	physical id	: 0
cpu	siblings	: 2
cpu	core id		: 1
cpu	cpu cores	: 2
proc1	systemd
sbin_init	../lib/systemd/systemd
has	systemctl
exists	/run/systemd/system/
exists	/etc/init.d/
exists	/usr/bin/apt-get
user	root
passwd	root:x:0:0:root:/root:/bin/bash
`;

/** ansible -m setup on the same host at the same time (ansible-core 2.14): the facts of HOST_FACT_NAMES. */
const TRIXIE_ANSIBLE = {
  "ansible_distribution": "Debian",
  "ansible_distribution_release": "trixie",
  "ansible_distribution_version": "13",
  "ansible_distribution_major_version": "13",
  "ansible_distribution_minor_version": "8",
  "ansible_os_family": "Debian",
  "ansible_system": "Linux",
  "ansible_kernel": "6.18.44-fc-v1045",
  "ansible_kernel_version": "#1 SMP PREEMPT_DYNAMIC @0",
  "ansible_architecture": "x86_64",
  "ansible_machine": "x86_64",
  "ansible_machine_id": "14fd6fb91dac4ebe9150cbd744ac996d",
  "ansible_hostname": "pv-hf-t",
  "ansible_nodename": "pv-hf-t",
  "ansible_fqdn": "pv-hf-t",
  "ansible_domain": "",
  "ansible_default_ipv4": {
    "address": "10.213.208.30",
    "alias": "host0",
    "broadcast": "",
    "gateway": "10.213.208.29",
    "interface": "host0",
    "macaddress": "c2:0b:2e:25:11:de",
    "mtu": 1500,
    "netmask": "255.255.255.252",
    "network": "10.213.208.28",
    "prefix": "30",
    "type": "ether"
  },
  "ansible_all_ipv4_addresses": [
    "10.213.208.30"
  ],
  "ansible_all_ipv6_addresses": [
    "fe80::c00b:2eff:fe25:11de"
  ],
  "ansible_memtotal_mb": 24105,
  "ansible_swaptotal_mb": 0,
  "ansible_processor_count": 1,
  "ansible_processor_cores": 2,
  "ansible_processor_threads_per_core": 1,
  "ansible_processor_vcpus": 2,
  "ansible_processor_nproc": 2,
  "ansible_service_mgr": "systemd",
  "ansible_pkg_mgr": "apt",
  "ansible_user_id": "root",
  "ansible_user_uid": 0,
  "ansible_user_gid": 0,
  "ansible_user_gecos": "root",
  "ansible_user_dir": "/root",
  "ansible_user_shell": "/bin/bash"
};

/** A recorded output with some of its lines replaced: lines of `drop`'s tags removed, `add` appended. */
function edit(raw: string, drop: string[], add = ''): string {
  return raw.split('\n').filter((l) => !drop.includes(l.split('\t')[0])).join('\n') + add;
}

const vars = (raw: string): Record<string, unknown> => hostFactVars(parseHostFacts(raw));

describe('recorded hosts: every fact as Ansible gave it, with its type', () => {
  it.each([
    ['Debian 12 (bookworm)', BOOKWORM, BOOKWORM_ANSIBLE],
    ['Debian 13 (trixie)', TRIXIE, TRIXIE_ANSIBLE],
  ])('%s', (_name, raw, ansible) => {
    const v = vars(raw);
    const mine = Object.fromEntries(HOST_FACT_NAMES.filter((n) => n !== 'ansible_facts').map((n) => [n, v[n]]));
    expect(mine).toStrictEqual(ansible);
  });
});

describe('edge cases of the recorded bookworm host', () => {
  const cases: [string, string, Partial<Record<string, unknown>>][] = [
    ['no default route: default_ipv4 is empty, the addresses stay', edit(BOOKWORM, ['route4']), { ansible_default_ipv4: {}, ansible_all_ipv4_addresses: ['10.213.0.18'] }],
    ['"ip route get" fails (network unreachable): no output, as no route', edit(BOOKWORM, ['route4'], '\nroute4\t'), { ansible_default_ipv4: {} }],
    ['a default route without a gateway (a point-to-point link)', edit(BOOKWORM, ['route4'], '\nroute4\t8.8.8.8 dev host0 src 10.213.0.18 uid 0'), { ansible_default_ipv4: expect.not.objectContaining({ gateway: expect.anything() }) }],
    ['no domain: the fqdn is the host name', BOOKWORM, { ansible_fqdn: 'pv-hf-b', ansible_domain: '' }],
    [
      'a host name with dots: hostname is its first label, nodename all of it',
      edit(BOOKWORM, ['nodename', 'forward', 'reverse'], '\nnodename\tdb2.internal.example\nforward\t10.9.8.7\nreverse\t10.9.8.7        db2.internal.example'),
      { ansible_hostname: 'db2', ansible_nodename: 'db2.internal.example', ansible_fqdn: 'db2.internal.example', ansible_domain: 'internal.example' },
    ],
    [
      "the fqdn from /etc/hosts' alias (the first name with a dot)",
      edit(BOOKWORM, ['nodename', 'forward', 'reverse'], '\nnodename\tweb1\nforward\t127.0.1.1\nreverse\t127.0.1.1       web1 web1.example.test'),
      { ansible_hostname: 'web1', ansible_fqdn: 'web1.example.test', ansible_domain: 'example.test' },
    ],
    ['the host name does not resolve: the fqdn is the node name', edit(BOOKWORM, ['forward', 'reverse'], '\nforward\t'), { ansible_fqdn: 'pv-hf-b', ansible_domain: '' }],
    [
      'secondary addresses come after the primaries of their interface; loopback left out',
      edit(BOOKWORM, [], '\naddr\t2: host0    inet 192.0.2.11/24 scope global secondary host0\\       valid_lft forever\naddr\t2: host0    inet 192.0.2.10/24 brd 192.0.2.255 scope global host0\\       valid_lft forever'),
      { ansible_all_ipv4_addresses: ['10.213.0.18', '192.0.2.10', '192.0.2.11'] },
    ],
    [
      'the default address on a /24 with a broadcast address',
      edit(BOOKWORM, ['route4', 'addr'], '\nroute4\t8.8.8.8 via 192.0.2.1 dev host0 src 192.0.2.10 uid 0\naddr\t2: host0    inet 192.0.2.10/24 brd 192.0.2.255 scope global dynamic host0\\       valid_lft 86000sec'),
      { ansible_default_ipv4: { address: '192.0.2.10', gateway: '192.0.2.1', interface: 'host0', alias: 'host0', broadcast: '192.0.2.255', netmask: '255.255.255.0', network: '192.0.2.0', prefix: '24', macaddress: '0a:e8:45:e6:d8:2b', mtu: 1500, type: 'ether' } },
    ],
    ['an unprivileged login', edit(BOOKWORM, ['user', 'passwd'], '\nuser\tdeploy\npasswd\tdeploy:x:1000:1000::/home/deploy:/bin/bash'), { ansible_user_id: 'deploy', ansible_user_uid: 1000, ansible_user_gid: 1000, ansible_user_gecos: '', ansible_user_dir: '/home/deploy' }],
    ['python3-distro installed: the version from /etc/debian_version, as that distro reads it', edit(BOOKWORM, [], '\nhas\tdistro_module'), { ansible_distribution_version: '12.15', ansible_distribution_major_version: '12', ansible_distribution_minor_version: '15' }],
    ['python3-distro installed on Debian testing: /etc/debian_version as it is', edit(BOOKWORM, ['os', 'debian_version'], '\nos\tID=debian\nos\tPRETTY_NAME="Debian GNU/Linux trixie/sid"\ndebian_version\ttrixie/sid\nhas\tdistro_module'), { ansible_distribution_version: 'trixie/sid', ansible_distribution_major_version: 'trixie/sid' }],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    expect(vars(raw)).toMatchObject(expected);
  });
});

describe('nothing to read', () => {
  it('empty output (no files, no commands) gives Ansible\'s "unknown" values, not a crash', () => {
    const f = parseHostFacts('');
    expect(f).toMatchObject({
      distribution: 'OtherLinux', distribution_version: 'NA', distribution_major_version: 'NA', distribution_release: 'NA', os_family: 'OtherLinux',
      hostname: '', fqdn: '', domain: '', default_ipv4: {}, all_ipv4_addresses: [], memtotal_mb: 0, service_mgr: 'service', pkg_mgr: 'unknown', user_id: '',
    });
    expect(f.processor_vcpus).toBeUndefined(); // no /proc/cpuinfo: Ansible gives no CPU facts either
    expect(f.machine_id).toBeUndefined();
    expect(readTagged('no tab here\n\n')).toEqual(new Map());
  });
  it('empty values read as absent ones (an empty /proc/cpuinfo counts 0 CPUs, as in Ansible)', () => {
    expect(parseHostFacts('os\t\nmem\tMemTotal:\nroute4\t\naffinity\t\ncpuinfo\t\n')).toMatchObject({ distribution: 'OtherLinux', memtotal_mb: 0, default_ipv4: {}, processor_count: 0, processor_vcpus: 0, processor_nproc: 0 });
  });
});

describe('distribution (distribution.py)', () => {
  const os = (text: string) => text.split('\n');
  it.each([
    ['Debian 12', os('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian'), ['12.15'], { distribution: 'Debian', distribution_version: '12', distribution_major_version: '12', distribution_minor_version: '15', distribution_release: 'bookworm', os_family: 'Debian' }],
    ['Debian testing: no VERSION_ID', os('PRETTY_NAME="Debian GNU/Linux forky/sid"\nID=debian\nVERSION_CODENAME=forky'), ['forky/sid'], { distribution: 'Debian', distribution_version: 'NA', distribution_major_version: 'NA', distribution_release: 'forky' }],
    ['Ubuntu 24.04', os('PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian'), [], { distribution: 'Ubuntu', distribution_version: '24.04', distribution_major_version: '24', distribution_release: 'noble', os_family: 'Debian' }],
    ['Rocky (another family)', os('NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.4"'), [], { distribution: 'Rocky', distribution_version: '9.4', distribution_major_version: '9', os_family: 'RedHat' }],
  ])('%s', (_name, lines, debianVersion, expected) => {
    expect(distributionFacts(lines, debianVersion)).toMatchObject(expected);
  });
});

describe('fqdn (python socket.getfqdn)', () => {
  it.each([
    ['pv', '127.0.1.1', '127.0.1.1 pv', 'pv'],
    ['web1', '127.0.1.1', '127.0.1.1 web1.example.test web1', 'web1.example.test'],
    ['web1', '127.0.1.1', '127.0.1.1 web1 web1.example.test', 'web1.example.test'],
    ['web1', '10.0.0.5', '10.0.0.5 gw', 'gw'], // the reverse name wins even without a dot, as in python
    ['web1', '', undefined, 'web1'],
    ['web1', '10.0.0.5', undefined, 'web1'],
  ])('%s → %s / %s', (node, forward, reverse, fqdn) => {
    expect(fqdnOf(node, forward, reverse)).toBe(fqdn);
  });
});

describe('CPUs (hardware/linux.py)', () => {
  const cpu = (blocks: string[][], extra = ''): Map<string, string[]> => readTagged(`cpuinfo\t\n${blocks.flat().map((l) => `cpu\t${l}`).join('\n')}\n${extra}`);
  const x86 = (n: number, siblings: number, cores: number) => Array.from({ length: n }, (_, i) => ['processor\t: ' + i, 'vendor_id\t: GenuineIntel', 'model name\t: Xeon', 'physical id\t: 0', `siblings\t: ${siblings}`, `core id\t\t: ${Math.floor(i / (siblings / cores))}`, `cpu cores\t: ${cores}`]);
  it.each([
    ['2 cores, no hyperthreading', cpu(x86(2, 2, 2), 'affinity\t0-1'), 'x86_64', { processor_count: 1, processor_cores: 2, processor_threads_per_core: 1, processor_vcpus: 2, processor_nproc: 2 }],
    ['4 cores, 2 threads each, affinity to 3 CPUs', cpu(x86(8, 8, 4), 'affinity\t0-1,5'), 'x86_64', { processor_count: 1, processor_cores: 4, processor_threads_per_core: 2, processor_vcpus: 8, processor_nproc: 3 }],
    ['aarch64: counted by "processor" lines', cpu([['processor\t: 0', 'BogoMIPS\t: 50'], ['processor\t: 1']], 'affinity\t0-1'), 'aarch64', { processor_count: 2, processor_cores: 1, processor_threads_per_core: 1, processor_vcpus: 2, processor_nproc: 2 }],
    ['Xen paravirt (no vme flag): one core per CPU', cpu([['processor\t: 0', 'vendor_id\t: GenuineIntel', 'model name\t: Xeon', 'flags\t: fpu de pse'], ['processor\t: 1', 'vendor_id\t: GenuineIntel', 'model name\t: Xeon', 'flags\t: fpu de pse']], 'xen\t1'), 'x86_64', { processor_count: 2, processor_cores: 2, processor_threads_per_core: 1, processor_vcpus: 2, processor_nproc: 2 }],
    ['s390x: none, as Ansible', cpu(x86(2, 2, 2)), 's390x', {}],
    ['no /proc/cpuinfo: none', new Map(), 'x86_64', {}],
  ])('%s', (_name, raw, arch, expected) => {
    expect(cpuFacts(raw, arch)).toEqual(expected);
  });
  it.each([
    ['0-1', 2], ['0', 1], ['0-3,8,10-11', 7], ['', undefined], [undefined, undefined],
  ])('affinity %s counts %s CPUs', (list, n) => {
    expect(affinityCount(list)).toBe(n);
  });
});

describe('service and package manager', () => {
  const linux = (...paths: string[]) => new Set(paths);
  it.each([
    ['PID 1 is systemd', 'systemd', undefined, ['systemctl'], [], 'systemd'],
    ['PID 1 is runit-init', 'runit-init', undefined, [], [], 'runit'],
    ['PID 1 is a shell (a container): systemd by its run directory', 'bash', undefined, ['systemctl'], ['/run/systemd/system/'], 'systemd'],
    ['PID 1 is "init": sysvinit by /etc/init.d', 'init', undefined, [], ['/etc/init.d/'], 'sysvinit'],
    ['/proc/1/comm unreadable: the /sbin/init link names it', undefined, '/lib/systemd/systemd', ['systemctl'], [], 'systemd'],
    ['nothing known', undefined, undefined, [], [], 'service'],
  ])('%s', (_name, proc1, sbinInit, has, exists, expected) => {
    expect(serviceManager(proc1, sbinInit, new Set(has), linux(...exists), 'Linux')).toBe(expected);
  });
  it.each([
    [['/usr/bin/apt-get'], 'Debian', false, 'apt'],
    [[], 'Debian', false, 'apt'],
    [['/usr/bin/apt-get'], 'Debian', true, 'apt_rpm'],
    [['/usr/bin/zypper'], 'Suse', false, 'zypper'],
    [[], 'OtherLinux', false, 'unknown'],
  ])('package managers %j on %s (apt from rpm: %s) → %s', (exists, family, aptRpm, expected) => {
    expect(packageManager(new Set(exists), family, aptRpm)).toBe(expected);
  });
});

describe('the variables', () => {
  it('are ansible_NAME at top level and NAME under ansible_facts, for exactly HOST_FACT_NAMES', () => {
    const f = parseHostFacts(BOOKWORM);
    const v = hostFactVars(f);
    expect(v.ansible_distribution).toBe('Debian');
    expect((v.ansible_facts as Record<string, unknown>).distribution).toBe('Debian');
    expect((v.ansible_facts as Record<string, unknown>).default_ipv4).toEqual(v.ansible_default_ipv4);
    expect(Object.keys(v).sort()).toEqual([...HOST_FACT_NAMES].sort());
    for (const [k, value] of Object.entries(v.ansible_facts as Record<string, unknown>)) expect(v[`ansible_${k}`]).toBe(value);
  });
  it('leave out a fact the host did not give, rather than an undefined value', () => {
    const v = hostFactVars(parseHostFacts(''));
    expect('ansible_processor_vcpus' in v).toBe(false);
    expect('processor_vcpus' in (v.ansible_facts as object)).toBe(false);
  });
});

describe('the script', () => {
  it('runs no interpreter and reads this machine through a fact batch, as the runner does', () => {
    // Python is named once, as a path whose existence is tested (which distro library Ansible would use); never run.
    const named = hostFactsFact.script.split('\n').filter((l) => /python|perl/i.test(l));
    expect(named).toEqual(["[ -e /usr/lib/python3/dist-packages/distro/__init__.py ] && printf 'has\\tdistro_module\\n'"]);
    const batch = factBatch([hostFactsFact]);
    const r = spawnSync('/bin/sh', ['-s'], { input: batch.script });
    const out = batch.parse(r.stdout.toString()).get(hostFactsFact.key);
    expect(out?.exitCode).toBe(0);
    const f: HostFacts = hostFactsFact.parse(out!);
    expect(f.system).toBe('Linux');
    expect(f.memtotal_mb).toBeGreaterThan(0);
    expect(f.nodename).toBe(spawnSync('uname', ['-n']).stdout.toString().trim());
  });
});
