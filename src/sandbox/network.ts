// Networking: each host gets a /30 in 10.213.0.0/16 on the veth pair nspawn creates;
// the machine NATs the hosts' traffic so apt inside can reach the mirrors.
import fs from 'node:fs';
import path from 'node:path';
import { run, which } from './exec.js';

export const SUBNET = '10.213.0.0/16';
export const NFT_TABLE = 'provision_sandbox';
const SLOTS = 16384; // /30 slots in a /16

export function slotAddresses(index: number): { gateway: string; address: string } {
  if (!Number.isInteger(index) || index < 0 || index >= SLOTS) throw new Error(`bad slot ${index}`);
  const base = index * 4;
  const ip = (n: number) => `10.213.${(base + n) >> 8}.${(base + n) & 255}`;
  return { gateway: ip(1), address: ip(2) };
}

/**
 * The first slot not in `used`, searching from `start` and wrapping around. up() starts at a
 * random slot, so a just-released address is not handed to the next host at once (a stale
 * ARP or conntrack entry never meets a new host) and runs of older builds, which do not
 * record claims (slots.ts), rarely pick the same one.
 */
export function freeSlot(used: Set<number>, start = 0): number {
  for (let k = 0; k < SLOTS; k++) {
    const i = (start + k) % SLOTS;
    if (!used.has(i)) return i;
  }
  throw new Error('no free sandbox address slot');
}

export const SLOT_COUNT = SLOTS;

// Slots whose machine-side address is configured right now, whichever stateDir made
// them: the subnet, the NAT table and ip_forward are machine-wide, the stateDir is not.
export async function slotsInUseOnMachine(): Promise<Set<number>> {
  const out = (await run('ip', ['-4', '-o', 'addr', 'show', 'to', SUBNET])).stdout;
  const slots = new Set<number>();
  for (const m of out.matchAll(/inet 10\.213\.(\d+)\.(\d+)\//g)) {
    slots.add(((Number(m[1]) << 8) + Number(m[2])) >> 2);
  }
  return slots;
}

export function linkExists(ifname: string): boolean {
  return fs.existsSync(path.join('/sys/class/net', ifname));
}

// Machine side: address on ve-<name>; container side via nsenter because
// systemd-networkd cannot run inside (fails with 200/CHDIR).
export async function configureLink(hostIf: string, machinePid: number, gateway: string, address: string): Promise<void> {
  await run('ip', ['addr', 'replace', `${gateway}/30`, 'dev', hostIf]);
  await run('ip', ['link', 'set', hostIf, 'up']);
  const ns = ['-t', String(machinePid), '-n', 'ip'];
  await run('nsenter', [...ns, 'addr', 'replace', `${address}/30`, 'dev', 'host0']);
  await run('nsenter', [...ns, 'link', 'set', 'host0', 'up']);
  await run('nsenter', [...ns, 'route', 'replace', 'default', 'via', gateway]);
}

// Forwarding is machine-wide; remember the old value so the last down() restores it.
// Kept under /run: a reboot resets both the sysctl and this note.
const SAVED_FORWARD = '/run/provision-sandbox.ip_forward';

export function enableForwarding(): void {
  const proc = '/proc/sys/net/ipv4/ip_forward';
  const saved = SAVED_FORWARD;
  const cur = fs.readFileSync(proc, 'utf8').trim();
  if (cur !== '1') {
    if (!fs.existsSync(saved)) fs.writeFileSync(saved, cur);
    fs.writeFileSync(proc, '1');
  }
}

export function restoreForwarding(): void {
  const saved = SAVED_FORWARD;
  if (!fs.existsSync(saved)) return;
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', fs.readFileSync(saved, 'utf8').trim());
  fs.rmSync(saved);
}

// Our own table, so we never touch the machine's rules and can drop it in one go.
// The forward chain only matters when another table's forward hook accepts by default;
// it cannot override a drop elsewhere (an nft limitation), which CI machines lack.
export async function ensureNat(): Promise<void> {
  const rules = `table ip ${NFT_TABLE} {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${SUBNET} ip daddr != ${SUBNET} masquerade
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip saddr ${SUBNET} accept
    ip daddr ${SUBNET} ct state established,related accept
  }
}
`;
  if (!(await natExists())) await run('nft', ['-f', '-'], { input: rules });
  await iptablesForward('add');
}

// Docker (GitHub's runners have it) sets the iptables FORWARD policy to DROP, which
// no accept in our nft table can override; open the subnet there, and only there.
async function iptablesForward(action: 'add' | 'remove'): Promise<void> {
  if (!(await which('iptables'))) return;
  const policyDrop = (await run('iptables', ['-S', 'FORWARD'], { allowFail: true })).stdout.includes('-P FORWARD DROP');
  for (const match of [['-s', SUBNET], ['-d', SUBNET]]) {
    const rule = ['FORWARD', ...match, '-j', 'ACCEPT'];
    const present = (await run('iptables', ['-C', ...rule], { allowFail: true })).code === 0;
    if (action === 'add' && policyDrop && !present) await run('iptables', ['-I', ...rule]);
    if (action === 'remove' && present) await run('iptables', ['-D', ...rule]);
  }
}

export async function natExists(): Promise<boolean> {
  return (await run('nft', ['list', 'table', 'ip', NFT_TABLE], { allowFail: true })).code === 0;
}

export async function removeNat(): Promise<void> {
  if (await natExists()) await run('nft', ['delete', 'table', 'ip', NFT_TABLE]);
  await iptablesForward('remove');
}
