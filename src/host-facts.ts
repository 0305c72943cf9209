import { fact, type Fact } from './facts.js';

/**
 * Host facts as playbook variables, with the names, types and values of
 * Ansible 2.14's `setup` module (ansible_distribution, ansible_default_ipv4, …).
 *
 * Ansible computes them with Python on the host; provision runs no interpreter
 * there. So the work is split: one POSIX shell script prints the raw material
 * (os-release, /proc and /sys files, `ip` and `getent` output) as tagged lines,
 * reading files with shell builtins, and the pure functions below apply
 * Ansible's rules to it (ported from ansible/module_utils/facts/…). Keeping the
 * rules here, in TypeScript, makes them testable on recorded outputs.
 */

/** The facts, without the `ansible_` prefix (as under `ansible_facts`). */
export interface HostFacts {
  distribution: string;
  distribution_release: string;
  distribution_version: string;
  distribution_major_version: string;
  /** Only where /etc/debian_version holds "N.M" (Ansible sets it for Debian only). */
  distribution_minor_version?: string;
  os_family: string;
  system: string;
  kernel: string;
  kernel_version: string;
  architecture: string;
  machine: string;
  machine_id?: string;
  hostname: string;
  nodename: string;
  fqdn: string;
  domain: string;
  default_ipv4: DefaultIpv4;
  all_ipv4_addresses: string[];
  all_ipv6_addresses: string[];
  memtotal_mb: number;
  swaptotal_mb: number;
  /** Absent where Ansible gives none (s390x, no readable /proc/cpuinfo). */
  processor_count?: number;
  processor_cores?: number;
  processor_threads_per_core?: number;
  processor_vcpus?: number;
  processor_nproc?: number;
  service_mgr: string;
  pkg_mgr: string;
  user_id: string;
  user_uid?: number;
  user_gid?: number;
  user_gecos?: string;
  user_dir?: string;
  user_shell?: string;
}

/** Empty (`{}`) when the host has no IPv4 route to the internet, as in Ansible. */
export interface DefaultIpv4 {
  address?: string;
  interface?: string;
  gateway?: string;
  alias?: string;
  broadcast?: string;
  netmask?: string;
  network?: string;
  /** A string, as Ansible gives it ("24"). */
  prefix?: string;
  macaddress?: string;
  mtu?: number;
  type?: string;
}

const FACT_KEYS: readonly (keyof HostFacts)[] = [
  'distribution', 'distribution_release', 'distribution_version', 'distribution_major_version', 'distribution_minor_version',
  'os_family', 'system', 'kernel', 'kernel_version', 'architecture', 'machine', 'machine_id',
  'hostname', 'nodename', 'fqdn', 'domain', 'default_ipv4', 'all_ipv4_addresses', 'all_ipv6_addresses',
  'memtotal_mb', 'swaptotal_mb', 'processor_count', 'processor_cores', 'processor_threads_per_core', 'processor_vcpus', 'processor_nproc',
  'service_mgr', 'pkg_mgr', 'user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell',
];

/** The names this module defines, for deciding whether a playbook uses host facts (a template or condition that reads one of them). */
export const HOST_FACT_NAMES: readonly string[] = [...FACT_KEYS.map((k) => `ansible_${k}`), 'ansible_facts'];

/** The variables a playbook sees: ansible_distribution etc. at top level, and the same under ansible_facts without the ansible_ prefix (as Ansible's INJECT_FACTS_AS_VARS does). */
export function hostFactVars(f: HostFacts): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const k of FACT_KEYS) if (f[k] !== undefined) facts[k] = f[k];
  const vars: Record<string, unknown> = { ansible_facts: facts };
  for (const [k, v] of Object.entries(facts)) vars[`ansible_${k}`] = v;
  return vars;
}

// --- The script -----------------------------------------------------------

/** Ansible's package managers, in its order (module_utils/facts/system/pkg_mgr.py PKG_MGRS): the last one present wins. */
const PKG_MGRS: readonly [path: string, name: string][] = [
  ['/usr/bin/rpm-ostree', 'atomic_container'], ['/usr/bin/yum', 'yum'], ['/usr/bin/dnf', 'dnf'], ['/usr/bin/apt-get', 'apt'],
  ['/usr/bin/zypper', 'zypper'], ['/usr/sbin/urpmi', 'urpmi'], ['/usr/bin/pacman', 'pacman'], ['/bin/opkg', 'opkg'],
  ['/usr/pkg/bin/pkgin', 'pkgin'], ['/opt/local/bin/pkgin', 'pkgin'], ['/opt/tools/bin/pkgin', 'pkgin'], ['/opt/local/bin/port', 'macports'],
  ['/usr/local/bin/brew', 'homebrew'], ['/opt/homebrew/bin/brew', 'homebrew'], ['/sbin/apk', 'apk'], ['/usr/sbin/pkg', 'pkgng'],
  ['/usr/sbin/swlist', 'swdepot'], ['/usr/bin/emerge', 'portage'], ['/usr/sbin/pkgadd', 'svr4pkg'], ['/usr/bin/pkg', 'pkg5'],
  ['/usr/bin/xbps-install', 'xbps'], ['/usr/local/sbin/pkg', 'pkgng'], ['/usr/bin/swupd', 'swupd'], ['/usr/sbin/sorcery', 'sorcery'],
  ['/usr/bin/installp', 'installp'], ['/QOpenSys/pkgs/bin/yum', 'yum'],
];

/** /proc/cpuinfo keys Ansible's CPU count reads (hardware/linux.py get_cpu_facts). */
const CPUINFO_KEYS = ['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor', 'physical id', 'core id', 'cpu cores', 'siblings', '# processors', 'ncpus active'];

/**
 * Every line is "TAG<tab>VALUE". Files are read with `read` (a builtin), so the
 * processes started are: uname -m, ip (twice), getent (three times), grep for
 * /proc/cpuinfo, readlink for /sbin/init; no interpreter. stderr is dropped by
 * the batch. PATH gets the sbin directories, as Ansible's get_bin_path looks there.
 */
const SCRIPT = String.raw`PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin"
put() { [ -r "$2" ] || return 0; while IFS= read -r l || [ -n "$l" ]; do printf '%s\t%s\n' "$1" "$l"; done < "$2"; }
putc() { while IFS= read -r l || [ -n "$l" ]; do printf '%s\t%s\n' "$1" "$l"; done; }
if [ -r /etc/os-release ]; then put os /etc/os-release; else put os /usr/lib/os-release; fi
put debian_version /etc/debian_version
put ostype /proc/sys/kernel/ostype
put osrelease /proc/sys/kernel/osrelease
put kversion /proc/sys/kernel/version
put nodename /proc/sys/kernel/hostname
printf 'machine\t%s\n' "$(uname -m)"
put machine_id_dbus /var/lib/dbus/machine-id
put machine_id_etc /etc/machine-id
n=''; [ -r /proc/sys/kernel/hostname ] && read -r n < /proc/sys/kernel/hostname
a=$(getent ahosts "$n" | { read -r x _ && printf %s "$x"; })
printf 'forward\t%s\n' "$a"
[ -n "$a" ] && getent hosts "$a" | putc reverse
ip -4 route get 8.8.8.8 | putc route4
ip -o addr show | putc addr
for d in /sys/class/net/*; do
  [ -d "$d" ] || continue
  mtu=''; mac=''; type=''; kind=''
  [ -r "$d/mtu" ] && read -r mtu < "$d/mtu"
  [ -r "$d/address" ] && read -r mac < "$d/address"
  [ -r "$d/type" ] && read -r type < "$d/type"
  [ -e "$d/bridge" ] && kind=bridge
  [ -e "$d/bonding" ] && kind=bonding
  printf 'if\t%s %s %s %s %s\n' "\${d##*/}" "$mtu" "\${mac:--}" "\${type:--}" "$kind"
done
[ -r /proc/meminfo ] && while IFS= read -r l; do case $l in MemTotal:*|SwapTotal:*) printf 'mem\t%s\n' "$l";; esac; done < /proc/meminfo
[ -r /proc/self/status ] && while IFS= read -r l; do case $l in Cpus_allowed_list:*) printf 'affinity\t%s\n' "\${l#*:}";; esac; done < /proc/self/status
xen=''; if [ -e /proc/xen ]; then xen=1; elif [ -r /sys/hypervisor/type ]; then read -r h < /sys/hypervisor/type; [ "$h" = xen ] && xen=1; fi
[ -n "$xen" ] && printf 'xen\t1\n'
if [ -r /proc/cpuinfo ]; then
  printf 'cpuinfo\t\n'
  grep -E "^(${CPUINFO_KEYS.join('|')}${'$'}{xen:+|flags})[[:space:]]*:" /proc/cpuinfo | putc cpu
fi
put proc1 /proc/1/comm
[ -L /sbin/init ] && printf 'sbin_init\t%s\n' "$(readlink /sbin/init)"
command -v systemctl >/dev/null && printf 'has\tsystemctl\n'
command -v initctl >/dev/null && printf 'has\tinitctl\n'
[ -e /usr/lib/python3/dist-packages/distro/__init__.py ] && printf 'has\tdistro_module\n'
for p in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc /etc/init.d/ ${PKG_MGRS.map(([p]) => p).join(' ')} /usr/bin/rpm; do [ -e "$p" ] && printf 'exists\t%s\n' "$p"; done
[ -e /usr/bin/rpm ] && /usr/bin/rpm -q --whatprovides /usr/bin/apt-get >/dev/null 2>&1 && printf 'apt_rpm\t1\n'
u=\${LOGNAME:-\${USER:-\${LNAME:-\${USERNAME:-}}}}
[ -n "$u" ] || u=$(id -un)
printf 'user\t%s\n' "$u"
p=$(getent passwd "$u") || p=$(getent passwd "$(id -u)")
[ -n "$p" ] && printf 'passwd\t%s\n' "$p"
true`;

/**
 * One fact that reads everything above in one script (no interpreter on the host).
 * SCRIPT is a raw template, so printf's `\t` and `\n` stay as written; its shell
 * parameter expansions are written `\${…}` there, to keep them from TypeScript.
 */
export const hostFactsFact: Fact<HostFacts> = fact('host-facts', SCRIPT.replace(/\\\$\{/g, '${'), ({ stdout }) => parseHostFacts(stdout));

// --- The parser: Ansible's rules over the script's output ---------------------

/** The script's output as TAG → values, in order. */
export type RawFacts = Map<string, string[]>;

export function readTagged(stdout: string): RawFacts {
  const raw: RawFacts = new Map();
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const tag = line.slice(0, tab);
    raw.set(tag, [...(raw.get(tag) ?? []), line.slice(tab + 1)]);
  }
  return raw;
}

export function parseHostFacts(stdout: string): HostFacts {
  const raw = readTagged(stdout);
  const first = (tag: string): string | undefined => raw.get(tag)?.[0];
  const exists = new Set(raw.get('exists') ?? []);
  const machine = first('machine') ?? '';
  const system = first('ostype') ?? '';
  const has = new Set(raw.get('has') ?? []);
  const distribution = distributionFacts(raw.get('os') ?? [], raw.get('debian_version') ?? [], has.has('distro_module'));
  const nodename = first('nodename') ?? '';
  const fqdn = fqdnOf(nodename, first('forward') ?? '', first('reverse'));
  const network = networkFacts(raw);
  const user = userFacts(first('user') ?? '', first('passwd'));
  return {
    ...distribution,
    system,
    kernel: first('osrelease') ?? '',
    kernel_version: first('kversion') ?? '',
    architecture: /i([3456]86|86pc)/.test(machine) ? 'i386' : machine,
    machine,
    ...optional('machine_id', machineId(first('machine_id_dbus'), first('machine_id_etc'))),
    hostname: nodename.split('.')[0],
    nodename,
    fqdn,
    domain: fqdn.split('.').slice(1).join('.'),
    ...network,
    ...memoryFacts(raw.get('mem') ?? []),
    ...cpuFacts(raw, machine),
    service_mgr: serviceManager(first('proc1'), first('sbin_init'), has, exists, system),
    pkg_mgr: packageManager(exists, distribution.os_family, raw.has('apt_rpm')),
    ...user,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** os-release as a map, values unquoted as python's distro does (shlex). */
export function osRelease(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const m = /^([A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    const q = /^(["'])(.*)\1$/.exec(v);
    if (q) v = q[1] === '"' ? q[2].replace(/\\(["\\$`])/g, '$1') : q[2];
    out.set(m[1], v);
  }
  return out;
}

const OS_FAMILY_MAP: Record<string, string[]> = {
  RedHat: ['RedHat', 'RHEL', 'Fedora', 'CentOS', 'Scientific', 'SLC', 'Ascendos', 'CloudLinux', 'PSBM', 'OracleLinux', 'OVS', 'OEL', 'Amazon', 'Virtuozzo', 'XenServer', 'Alibaba', 'EulerOS', 'openEuler', 'AlmaLinux', 'Rocky', 'TencentOS', 'EuroLinux', 'Kylin Linux Advanced Server'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Neon', 'KDE neon', 'Linux Mint', 'SteamOS', 'Devuan', 'Kali', 'Cumulus Linux', 'Pop!_OS', 'Parrot', 'Pardus GNU/Linux', 'Uos', 'Deepin', 'OSMC'],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Alpine: ['Alpine'],
  Gentoo: ['Gentoo', 'Funtoo'],
};

/**
 * distribution.py: the guess from python's distro (ID capitalised, VERSION_ID,
 * VERSION_CODENAME), then the Debian file rule (a file mentioning Debian: the
 * release from PRETTY_NAME's parentheses, the minor version from
 * /etc/debian_version). Missing values are "NA", as Ansible's.
 *
 * The version depends on which python `distro` library Ansible's module finds on
 * the host: its own copy (1.6) reads VERSION_ID ("12"); Debian's python3-distro
 * (1.8 in Debian 12, 1.9 in 13), when installed, takes the most precise of that
 * and /etc/debian_version ("12.15"). So the script checks (without running any
 * Python) whether that package's module is there.
 */
export function distributionFacts(osLines: string[], debianVersion: string[], systemDistro = false): Pick<HostFacts, 'distribution' | 'distribution_release' | 'distribution_version' | 'distribution_major_version' | 'distribution_minor_version' | 'os_family'> {
  const os = osRelease(osLines);
  const id = os.get('ID') ?? '';
  let distribution = id ? id.charAt(0).toUpperCase() + id.slice(1).toLowerCase() : 'OtherLinux';
  if (distribution === 'Amzn') distribution = 'Amazon';
  if (distribution === 'Rhel') distribution = 'Redhat';
  let version = os.get('VERSION_ID') || 'NA';
  const full = debianVersion[0]?.trimEnd() ?? '';
  // distro's version(best=True): the first candidate with more dots than the one before.
  if (systemDistro && id === 'debian' && dots(full) > dots(version === 'NA' ? '' : version)) version = full;
  let release = os.get('VERSION_CODENAME') ?? os.get('UBUNTU_CODENAME') ?? 'NA';
  let minor: string | undefined;
  const text = osLines.join('\n');
  if (text.includes('Debian') || text.includes('Raspbian')) {
    distribution = 'Debian';
    const m = /PRETTY_NAME=[^(]+ \(?([^)]+?)\)/.exec(text);
    if (m) release = m[1];
    for (const line of debianVersion) {
      const v = /(\d+)\.(\d+)/.exec(line.trim());
      if (v) minor = v[2];
    }
  } else if (text.includes('Ubuntu')) {
    distribution = 'Ubuntu';
  }
  const family = Object.entries(OS_FAMILY_MAP).find(([, names]) => names.includes(distribution))?.[0] ?? distribution;
  return {
    distribution,
    distribution_release: release,
    distribution_version: version,
    distribution_major_version: version.split('.')[0] || 'NA',
    ...optional('distribution_minor_version', minor),
    os_family: family,
  };
}

function dots(s: string): number {
  return s === '' ? -1 : s.split('.').length - 1;
}

/**
 * python's socket.getfqdn(): the host name resolved forward (getaddrinfo's
 * first address) and back (gethostbyaddr); the first of the canonical name and
 * its aliases that holds a dot, else the canonical name; the plain node name
 * when either lookup fails.
 */
export function fqdnOf(nodename: string, forward: string, reverse: string | undefined): string {
  if (!forward || !reverse) return nodename;
  const [, canonical, ...aliases] = reverse.trim().split(/\s+/);
  if (!canonical) return nodename;
  return [canonical, ...aliases].find((n) => n.includes('.')) ?? canonical;
}

function machineId(dbus: string | undefined, etc: string | undefined): string | undefined {
  return dbus?.trim() || etc?.trim() || undefined;
}

const INTERFACE_TYPE: Record<string, string> = { '1': 'ether', '32': 'infiniband', '512': 'ppp', '772': 'loopback', '65534': 'tunnel' };

interface Interface {
  name: string;
  mtu?: number;
  mac?: string;
  type: string;
}

/**
 * network/linux.py: the default IPv4 route from `ip -4 route get 8.8.8.8`
 * (dev, src, via), completed from the interface holding that address; every
 * address but 127.* and ::1, interface by interface, primaries before secondaries.
 */
export function networkFacts(raw: RawFacts): Pick<HostFacts, 'default_ipv4' | 'all_ipv4_addresses' | 'all_ipv6_addresses'> {
  const interfaces = new Map<string, Interface>();
  for (const line of raw.get('if') ?? []) {
    const [name, mtu, mac, type, kind] = line.split(' ');
    interfaces.set(name, {
      name,
      ...(mtu ? { mtu: Number(mtu) } : {}),
      ...(mac && mac !== '-' ? { mac } : {}),
      type: kind || (type && type !== '-' ? (INTERFACE_TYPE[type] ?? 'unknown') : 'unknown'),
    });
  }
  const default_ipv4: DefaultIpv4 = {};
  const route = (raw.get('route4')?.[0] ?? '').trim().split(/\s+/);
  if (route[0] === '8.8.8.8') {
    for (let i = 0; i < route.length - 1; i++) {
      if (route[i] === 'dev') default_ipv4.interface = route[i + 1];
      else if (route[i] === 'src') default_ipv4.address = route[i + 1];
      else if (route[i] === 'via' && route[i + 1] !== '8.8.8.8') default_ipv4.gateway = route[i + 1];
    }
  }
  // `ip -o addr` lines: "2: eth0    inet 10.0.0.2/24 brd 10.0.0.255 scope global [secondary] eth0\       valid_lft …"
  const byDevice = new Map<string, { v4: string[]; v4secondary: string[]; v6: string[] }>();
  for (const line of raw.get('addr') ?? []) {
    const words = line.split('\\')[0].trim().split(/\s+/);
    const device = words[1]?.replace(/@.*$/, '');
    const family = words[2];
    if (!device || (family !== 'inet' && family !== 'inet6')) continue;
    const entry = byDevice.get(device) ?? { v4: [], v4secondary: [], v6: [] };
    byDevice.set(device, entry);
    const rest = words.slice(2);
    if (family === 'inet') {
      const v4 = ipv4Address(rest);
      (rest.includes('secondary') ? entry.v4secondary : entry.v4).push(v4.address);
      if (default_ipv4.address !== undefined && default_ipv4.address === v4.address) {
        const iface = interfaces.get(device);
        Object.assign(default_ipv4, {
          broadcast: v4.broadcast, netmask: v4.netmask, network: v4.network, prefix: v4.prefix,
          ...(iface?.mac !== undefined ? { macaddress: iface.mac } : {}),
          ...(iface?.mtu !== undefined ? { mtu: iface.mtu } : {}),
          type: iface?.type ?? 'unknown',
          alias: rest[rest.length - 1],
        });
      }
    } else {
      entry.v6.push(rest[2] === 'peer' ? rest[1] : rest[1].split('/')[0]);
    }
  }
  const all_ipv4_addresses: string[] = [];
  const all_ipv6_addresses: string[] = [];
  for (const e of byDevice.values()) {
    all_ipv4_addresses.push(...[...e.v4, ...e.v4secondary].filter((a) => !a.startsWith('127.')));
    all_ipv6_addresses.push(...e.v6.filter((a) => a !== '::1'));
  }
  return { default_ipv4, all_ipv4_addresses, all_ipv6_addresses };
}

/** An `inet` line's address, as Ansible derives netmask, network and broadcast from it. */
function ipv4Address(words: string[]): { address: string; prefix: string; netmask: string; network: string; broadcast: string } {
  const [address, prefix = '32'] = words[1].split('/');
  const broadcast = words.length > 3 && words[2] === 'brd' ? words[3] : '';
  const bits = Number(prefix);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const addr = address.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
  return { address, prefix, broadcast, netmask: dotted(mask), network: dotted((addr & mask) >>> 0) };
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** hardware/linux.py: MiB, rounded down, of /proc/meminfo's kB. */
export function memoryFacts(lines: string[]): Pick<HostFacts, 'memtotal_mb' | 'swaptotal_mb'> {
  const kb = (key: string): number => {
    const line = lines.find((l) => l.startsWith(`${key}:`));
    return line ? Math.floor(Number(line.slice(key.length + 1).trim().split(' ')[0]) / 1024) : 0;
  };
  return { memtotal_mb: kb('MemTotal'), swaptotal_mb: kb('SwapTotal') };
}

/** hardware/linux.py get_cpu_facts, line for line: sockets, cores and threads from /proc/cpuinfo; nproc from the affinity mask. */
export function cpuFacts(raw: RawFacts, architecture: string): Partial<Pick<HostFacts, 'processor_count' | 'processor_cores' | 'processor_threads_per_core' | 'processor_vcpus' | 'processor_nproc'>> {
  if (!raw.has('cpuinfo') || architecture === 's390x') return {};
  const xen = raw.has('xen');
  let xenParavirt = false;
  let i = 0;
  let vendorIds = 0;
  let modelNames = 0;
  let processors = 0;
  let physid = '0';
  let coreid = '0';
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  for (const line of raw.get('cpu') ?? []) {
    const colon = line.indexOf(':');
    const key = (colon < 0 ? line : line.slice(0, colon)).trim();
    const val = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (xen && key === 'flags' && !val.includes('vme')) xenParavirt = true;
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      if (key === 'vendor_id') vendorIds++;
      if (key === 'model name') modelNames++;
      if (key === 'processor') processors++;
      i++;
    } else if (key === 'physical id') {
      physid = val;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = val;
      // Ansible tests `coreid not in sockets` here (sic): kept, for the same answer.
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, parseInt(val, 10));
    else if (key === 'siblings') cores.set(coreid, parseInt(val, 10));
    else if (key === 'ncpus active') i = parseInt(val, 10);
  }
  if (vendorIds > 0 && vendorIds === modelNames) i = vendorIds;
  if (/^(armv|aarch|ppc)/.test(architecture)) i = processors;
  const nproc = affinityCount(raw.get('affinity')?.[0]) ?? processors;
  if (xenParavirt) return { processor_count: i, processor_cores: i, processor_threads_per_core: 1, processor_vcpus: i, processor_nproc: nproc };
  const count = sockets.size ? sockets.size : i;
  const firstSocket = [...sockets.values()][0];
  // A "# processors" line sets processor_cores in Ansible, but this overwrites it: kept, for the same answer.
  const coresPerSocket = firstSocket ? firstSocket : 1;
  const firstCore = [...cores.values()][0];
  const threads = cores.size ? Math.floor(firstCore / coresPerSocket) : Math.floor(1 / coresPerSocket);
  return { processor_count: count, processor_cores: coresPerSocket, processor_threads_per_core: threads, processor_vcpus: threads * count * coresPerSocket, processor_nproc: nproc };
}

/** The number of CPUs in a Cpus_allowed_list ("0-3,8,10-11"): what os.sched_getaffinity(0) counts. */
export function affinityCount(list: string | undefined): number | undefined {
  if (!list?.trim()) return undefined;
  let n = 0;
  for (const part of list.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

const PROC_1_MAP: Record<string, string> = { procd: 'openwrt_init', 'runit-init': 'runit', svscan: 'svc', 'openrc-init': 'openrc' };

/** system/service_mgr.py for Linux: PID 1's name, else systemd's run directory, upstart, openrc, /sbin/init → systemd, sysvinit. */
export function serviceManager(proc1: string | undefined, sbinInit: string | undefined, has: Set<string>, exists: Set<string>, system: string): string {
  let name = proc1 ?? (sbinInit !== undefined ? sbinInit : undefined);
  if (name !== undefined) name = name.replace(/\/+$/, '').split('/').pop()!.trim();
  if (name !== undefined && (name === 'init' || name.endsWith('sh'))) name = undefined;
  if (name) return PROC_1_MAP[name] ?? name;
  if (name === '') return 'service';
  if (system === 'Linux') {
    const systemd = has.has('systemctl') && ['/run/systemd/system/', '/dev/.run/systemd/', '/dev/.systemd/'].some((c) => exists.has(c));
    if (systemd) return 'systemd';
    if (has.has('initctl') && exists.has('/etc/init/')) return 'upstart';
    if (exists.has('/sbin/openrc')) return 'openrc';
    if (has.has('systemctl') && sbinInit !== undefined && sbinInit.split('/').pop() === 'systemd') return 'systemd';
    if (exists.has('/etc/init.d/')) return 'sysvinit';
  }
  return 'service';
}

/** system/pkg_mgr.py: the last of Ansible's list present; the Debian family is always apt (apt_rpm when rpm owns apt-get). */
export function packageManager(exists: Set<string>, osFamily: string, aptFromRpm: boolean): string {
  let name = 'unknown';
  for (const [path, mgr] of PKG_MGRS) if (exists.has(path)) name = mgr;
  if (osFamily === 'Debian') name = 'apt';
  if (name === 'apt' && aptFromRpm) name = 'apt_rpm';
  return name;
}

/** system/user.py: the login name from LOGNAME/USER/…, and its passwd entry. */
export function userFacts(user: string, passwd: string | undefined): Pick<HostFacts, 'user_id' | 'user_uid' | 'user_gid' | 'user_gecos' | 'user_dir' | 'user_shell'> {
  const f = passwd?.split(':');
  if (!f || f.length < 7) return { user_id: user };
  return { user_id: user, user_uid: Number(f[2]), user_gid: Number(f[3]), user_gecos: f[4], user_dir: f[5], user_shell: f[6] };
}
