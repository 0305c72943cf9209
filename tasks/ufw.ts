import { isIPv4, isIPv6 } from 'node:net';
import * as z from 'zod';
import { fact } from '../src/facts.js';
import { nothingToDo, type Step } from '../src/plan.js';
import { cmd, raw } from '../src/shell.js';
import { defineTask, type PlanContext } from '../src/task-type.js';

/*
 * ufw: rules, default policies and on/off state of the Uncomplicated Firewall.
 *
 * What is on the host is read from ufw's own files, never by running ufw:
 * the `### tuple ###` lines of /etc/ufw/user.rules and user6.rules (ufw writes
 * one per rule and address family), the DEFAULT_*_POLICY lines of
 * /etc/default/ufw and ENABLED= of /etc/ufw/ufw.conf. Rules are compared as
 * normalized tuples, so `22/tcp` in the playbook matches the rule ufw stored for
 * `ufw allow 22/tcp` and a second run changes nothing.
 */

// --- Field types -----------------------------------------------------------

const ANY = 'any';

/** An address as ufw stores it: IPv4 networks masked, /32 and /128 dropped, IPv6 compressed; 0.0.0.0/0 and ::/0 are "any". */
export function normalizeAddress(value: string): string | null {
  if (value === ANY) return ANY;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(value);
  if (!m) return null;
  const [, ip, bitsText] = m;
  if (isIPv4(ip)) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (bits > 32) return null;
    if (bits === 0) return ANY;
    if (bits === 32) return ip;
    const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const net = (n & mask) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
  }
  if (isIPv6(ip)) {
    const bits = bitsText === undefined ? 128 : Number(bitsText);
    if (bits > 128) return null;
    if (bits === 0) return ANY;
    // ufw compresses IPv6 addresses but keeps host bits (2001:0db8::0001/64 -> 2001:db8::1/64).
    const compressed = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    return bits === 128 ? compressed : `${compressed}/${bits}`;
  }
  return null;
}

function family(address: string): 4 | 6 | undefined {
  if (address === ANY) return undefined;
  return address.includes(':') ? 6 : 4;
}

const address = z
  .string()
  .refine((v) => normalizeAddress(v) !== null, 'expected "any", an IPv4 or IPv6 address, or a network in CIDR form (10.0.0.0/8, 2001:db8::/32)');

const MAX_PORT_ENTRIES = 15;

interface ParsedPort {
  ports: string;
  proto?: 'tcp' | 'udp';
}

/** "22", "22/tcp", "6000:6007/udp", "80,443/tcp" → ports and protocol; a message when invalid. */
export function parsePort(value: string | number): ParsedPort | string {
  const text = String(value);
  const m = /^([0-9,:]+)(?:\/(tcp|udp))?$/.exec(text);
  if (!m) return 'expected a port (22), port/proto (22/tcp), a range (6000:6007/tcp) or a list (80,443/tcp); proto is tcp or udp';
  const [, ports, proto] = m;
  let entries = 0;
  for (const part of ports.split(',')) {
    const bounds = part.split(':');
    if (bounds.length > 2 || bounds.some((b) => !/^\d{1,5}$/.test(b))) return `"${part}" is not a port or a range like 6000:6007`;
    const nums = bounds.map(Number);
    if (nums.some((n) => n < 1 || n > 65535)) return `port ${part} is out of range (1-65535)`;
    if (nums.length === 2 && nums[0] >= nums[1]) return `port range ${part} must go from low to high`;
    entries += nums.length;
  }
  if (entries > MAX_PORT_ENTRIES) return `ufw accepts at most ${MAX_PORT_ENTRIES} ports in one rule (a range counts as two)`;
  return { ports: ports.split(',').map((p) => p.split(':').map(Number).join(':')).join(','), proto: proto as ParsedPort['proto'] };
}

const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;
const COMMENT = /^[A-Za-z0-9_.,:;()/@+#=][A-Za-z0-9 _.,:;()/@+#=-]*$/;

const ruleSchema = z
  .strictObject({
    rule: z.enum(['allow', 'deny', 'limit', 'reject']).describe('allow, deny (drop silently), reject (refuse with an error) or limit (allow, but refuse an address opening 6 or more connections in 30 seconds).'),
    port: z.union([z.number().int(), z.string()]).optional().describe('Destination port: 22, "22/tcp", a range "6000:6007/tcp" or a list "80,443/tcp" (ranges and lists need a protocol).'),
    proto: z.enum(['tcp', 'udp', 'any']).optional().describe('Protocol; may also be given as the "/tcp" suffix of port. Default: any.'),
    app: z.string().regex(APP_NAME, 'expected an application profile name such as "OpenSSH" or "Nginx Full"').optional().describe('An application profile (`ufw app list`), e.g. "OpenSSH" or "Nginx Full", instead of port and proto. The profile must exist when the rule is applied.'),
    from: address.default(ANY).describe('Source address or network (IPv4, IPv6, CIDR) or "any".'),
    to: address.default(ANY).describe('Destination address or network (IPv4, IPv6, CIDR) or "any".'),
    direction: z.enum(['in', 'out']).default('in').describe('in: traffic to this host; out: traffic from it.'),
    comment: z.string().max(200).regex(COMMENT, 'a comment may use letters, digits, spaces and _.,:;()/@+#=- (not starting with "-")').optional().describe('A note stored with the rule (shown by `ufw status`). Unset: an existing rule keeps its comment.'),
    state: z.enum(['present', 'absent']).default('present').describe('absent: delete this rule if it exists.'),
  })
  .superRefine((r, ctx) => {
    if (r.app !== undefined && (r.port !== undefined || r.proto !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either app or port/proto, not both (the profile defines its ports)', path: ['app'] });
    }
    if (r.port !== undefined) {
      const p = parsePort(r.port);
      if (typeof p === 'string') ctx.addIssue({ code: 'custom', message: p, path: ['port'] });
      else {
        if (p.proto && r.proto && p.proto !== r.proto) ctx.addIssue({ code: 'custom', message: `port says /${p.proto} but proto is ${r.proto}`, path: ['proto'] });
        const proto = p.proto ?? r.proto ?? ANY;
        if (/[,:]/.test(p.ports) && proto === ANY) ctx.addIssue({ code: 'custom', message: 'a port range or list needs a protocol: add /tcp or /udp, or proto', path: ['port'] });
      }
    }
    const from = normalizeAddress(r.from);
    const to = normalizeAddress(r.to);
    if (from && to && family(from) && family(to) && family(from) !== family(to)) {
      ctx.addIssue({ code: 'custom', message: 'from and to must both be IPv4 or both IPv6', path: ['to'] });
    }
    if (r.app === undefined && r.port === undefined && r.proto === undefined && from === ANY && to === ANY) {
      ctx.addIssue({ code: 'custom', message: 'a rule needs at least one of port, app, proto, from or to', path: [] });
    }
  });

const policy = z.enum(['allow', 'deny', 'reject']);

const schema = z
  .strictObject({
    state: z.enum(['enabled', 'disabled']).optional().describe('enabled: turn the firewall on (now and at boot, `ufw --force enable`); disabled: turn it off. Unset: leave as is.'),
    defaults: z
      .strictObject({
        incoming: policy.optional().describe('Policy for incoming traffic no rule matches (ufw default: deny).'),
        outgoing: policy.optional().describe('Policy for outgoing traffic (ufw default: allow).'),
        routed: policy.optional().describe('Policy for forwarded traffic (ufw default: deny).'),
      })
      .optional()
      .describe('Default policies { incoming, outgoing, routed }, each allow, deny or reject; unset directions are left as they are.'),
    rules: z.array(ruleSchema).default([]).describe('Rules, each { rule: allow|deny|limit|reject, port: 22 | "22/tcp" | "6000:6007/udp" | "80,443/tcp", proto: tcp|udp|any, app: "Nginx Full", from, to: address or CIDR (default any), direction: in|out, comment, state: present|absent }. Compared with the rules ufw has stored; new rules are appended (ufw checks rules in order; the first match wins).'),
    purge: z.boolean().default(false).describe('Exactly these rules: delete every stored rule not listed in rules (including route rules).'),
    allow_ssh_lockout: z
      .boolean()
      .default(false)
      .describe('Apply even when the resulting firewall would block the SSH port this run is connected through (normally refused: incoming default deny/reject with no allow or limit rule for that port over tcp, or the OpenSSH profile for port 22).'),
  })
  .superRefine((a, ctx) => {
    if (a.state === undefined && a.defaults === undefined && a.rules.length === 0 && !a.purge) {
      ctx.addIssue({ code: 'custom', message: 'give state, defaults, rules or purge', path: [] });
    }
    const seen = new Map<string, number>();
    a.rules.forEach((r, i) => {
      const k = ruleKey(fromArgs(r));
      if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `the same rule as rules[${seen.get(k)}]`, path: ['rules', i] });
      else seen.set(k, i);
    });
  })
  .describe('The ufw firewall: rules (ports, ranges, application profiles, addresses), default policies, enabled or disabled; refuses to lock out the SSH session it runs over.');

type UfwArgs = z.infer<typeof schema>;
type RuleArgs = z.infer<typeof ruleSchema>;

// --- Rules as ufw stores them ----------------------------------------------

/** One rule in the shape of ufw's tuple (addresses normalized, "any" for both families). */
export interface UfwRule {
  /** allow, deny, limit, reject; possibly "route:" prefixed and "_log"/"_log-all" suffixed, as ufw writes it. */
  action: string;
  proto: string;
  dport: string;
  dst: string;
  sport: string;
  src: string;
  /** Application profile on the destination side ('' when none). */
  dapp: string;
  sapp: string;
  /** in, out, in_eth0, in_eth0!out_eth1 (route rules). */
  direction: string;
  comment?: string;
}

const FAMILY_ANY = new Set(['0.0.0.0/0', '::/0']);

/** Parses one `### tuple ###` line of user.rules/user6.rules; null when not a tuple. */
export function parseTuple(line: string): UfwRule | null {
  const m = /^### tuple ### (.*)$/.exec(line.trim());
  if (!m) return null;
  let words = m[1].split(' ').filter(Boolean);
  let comment: string | undefined;
  const last = words[words.length - 1];
  if (last?.startsWith('comment=')) {
    comment = Buffer.from(last.slice('comment='.length), 'hex').toString('utf8');
    words = words.slice(0, -1);
  }
  const addr = (a: string): string => (FAMILY_ANY.has(a) ? ANY : a);
  const app = (a: string): string => (a === '-' ? '' : a.replace(/%20/g, ' '));
  if (words.length === 7) {
    const [action, proto, dport, dst, sport, src, direction] = words;
    return { action, proto, dport, dst: addr(dst), sport, src: addr(src), dapp: '', sapp: '', direction, comment };
  }
  if (words.length === 9) {
    const [action, proto, dport, dst, sport, src, dapp, sapp, direction] = words;
    return { action, proto, dport, dst: addr(dst), sport, src: addr(src), dapp: app(dapp), sapp: app(sapp), direction, comment };
  }
  // Older ufw wrote tuples without a direction: they are incoming rules.
  if (words.length === 6) {
    const [action, proto, dport, dst, sport, src] = words;
    return { action, proto, dport, dst: addr(dst), sport, src: addr(src), dapp: '', sapp: '', direction: 'in', comment };
  }
  if (words.length === 8) {
    const [action, proto, dport, dst, sport, src, dapp, sapp] = words;
    return { action, proto, dport, dst: addr(dst), sport, src: addr(src), dapp: app(dapp), sapp: app(sapp), direction: 'in', comment };
  }
  return null;
}

/** Identity of a rule (comment excluded). For application rules the profile stands for its ports and protocol. */
export function ruleKey(r: UfwRule): string {
  const isApp = r.dapp !== '' || r.sapp !== '';
  return [r.action, isApp ? '' : r.proto, r.dapp ? `app=${r.dapp}` : r.dport, r.dst, r.sapp ? `app=${r.sapp}` : r.sport, r.src, r.direction].join(' ');
}

/** The ports of profiles the lockout guard knows without reading the host's profiles. */
const KNOWN_PROFILES: Record<string, { proto: string; dport: string }> = { OpenSSH: { proto: 'tcp', dport: '22' } };

/** The rules as ufw states them, made once for a rule list that compile sharing gives many hosts. */
function wantedRules(rules: RuleArgs[]): readonly { rule: UfwRule; present: boolean }[] {
  let wanted = wantedByArgs.get(rules);
  if (!wanted) {
    wanted = rules.map((r) => ({ rule: fromArgs(r), present: r.state === 'present' }));
    wantedByArgs.set(rules, wanted);
  }
  return wanted;
}

const wantedByArgs = new WeakMap<RuleArgs[], readonly { rule: UfwRule; present: boolean }[]>();

function fromArgs(r: RuleArgs): UfwRule {
  const base = { action: r.rule, dst: normalizeAddress(r.to) ?? r.to, src: normalizeAddress(r.from) ?? r.from, sport: ANY, sapp: '', direction: r.direction, comment: r.comment };
  if (r.app !== undefined) {
    const known = KNOWN_PROFILES[r.app];
    return { ...base, proto: known?.proto ?? '?', dport: known?.dport ?? '?', dapp: r.app };
  }
  const p = r.port !== undefined ? parsePort(r.port) : undefined;
  const ports = p && typeof p !== 'string' ? p : undefined;
  return { ...base, proto: ports?.proto ?? (r.proto && r.proto !== ANY ? r.proto : ANY), dport: ports?.ports ?? ANY, dapp: '' };
}

// --- Facts -----------------------------------------------------------------

export interface UfwState {
  installed: boolean;
  /** A file that exists but could not be read (not root). */
  unreadable: string[];
  enabled: boolean;
  defaults: { incoming: string; outgoing: string; routed: string };
  /** Stored rules in ufw's order, IPv4 and IPv6 merged. */
  rules: UfwRule[];
}

const FILES = ['/etc/ufw/ufw.conf', '/etc/default/ufw', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'];

// One grep over all readable files (the parser does not need to know which line came from which).
const FACT_SCRIPT = [
  `if [ -x /usr/sbin/ufw ] || command -v ufw >/dev/null 2>&1; then echo 'installed yes'; else echo 'installed no'; fi`,
  `set --`,
  `for f in ${FILES.join(' ')}; do`,
  `  if [ ! -e "$f" ]; then printf 'file %s absent\\n' "$f";`,
  `  elif [ ! -r "$f" ]; then printf 'file %s unreadable\\n' "$f";`,
  `  else printf 'file %s\\n' "$f"; set -- "$@" "$f"; fi`,
  `done`,
  `if [ $# -gt 0 ]; then grep -h -E '^(ENABLED|DEFAULT_(INPUT|OUTPUT|FORWARD)_POLICY)=|^### tuple ### ' -- "$@" || true; fi`,
].join('\n');

const POLICIES: Record<string, string> = { DROP: 'deny', ACCEPT: 'allow', REJECT: 'reject' };

export function parseUfwState(stdout: string): UfwState {
  const state: UfwState = { installed: false, unreadable: [], enabled: false, defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' }, rules: [] };
  const seen = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (line === 'installed yes') state.installed = true;
    const f = /^file (\S+) unreadable$/.exec(line);
    if (f) state.unreadable.push(f[1]);
    const kv = /^([A-Z_]+)=\s*"?([A-Za-z]*)"?\s*$/.exec(line);
    if (kv) {
      const [, key, value] = kv;
      if (key === 'ENABLED') state.enabled = value.toLowerCase() === 'yes';
      const dir = { DEFAULT_INPUT_POLICY: 'incoming', DEFAULT_OUTPUT_POLICY: 'outgoing', DEFAULT_FORWARD_POLICY: 'routed' }[key] as keyof UfwState['defaults'] | undefined;
      if (dir && POLICIES[value.toUpperCase()]) state.defaults[dir] = POLICIES[value.toUpperCase()];
    }
    const rule = parseTuple(line);
    if (rule) {
      const k = ruleKey(rule);
      if (!seen.has(k)) {
        seen.add(k);
        state.rules.push(rule);
      }
    }
  }
  return state;
}

export function ufwFact() {
  return fact('ufw:state', FACT_SCRIPT, ({ stdout }) => parseUfwState(stdout));
}

// --- Commands --------------------------------------------------------------

/** The words after `ufw` (or `ufw route`) that name a rule, in ufw's full syntax. */
function ruleWords(r: UfwRule): string[] {
  const words: string[] = [];
  const action = r.action.replace(/^route:/, '');
  const [verb, log] = action.split('_');
  words.push(verb);
  const [first, second] = r.direction.split('!');
  const [dir, iface] = first.split('_');
  words.push(dir);
  if (iface) words.push('on', iface);
  if (second) {
    const [dir2, iface2] = second.split('_');
    words.push(dir2, 'on', iface2);
  }
  if (log) words.push(log);
  if (!r.dapp && !r.sapp && r.proto !== ANY) words.push('proto', r.proto);
  words.push('from', r.src);
  if (r.sapp) words.push('app', r.sapp);
  else if (r.sport !== ANY) words.push('port', r.sport);
  words.push('to', r.dst);
  if (r.dapp) words.push('app', r.dapp);
  else if (r.dport !== ANY) words.push('port', r.dport);
  return words;
}

function isRoute(r: UfwRule): boolean {
  return r.action.startsWith('route:');
}

function addCommand(r: UfwRule): string {
  return cmd('ufw', ...ruleWords(r), ...(r.comment !== undefined ? ['comment', r.comment] : []));
}

function deleteCommand(r: UfwRule): string {
  return isRoute(r) ? cmd('ufw', 'route', 'delete', ...ruleWords(r)) : cmd('ufw', 'delete', ...ruleWords(r));
}

/** A rule as a person reads it, close to `ufw show added`. */
export function describeRule(r: UfwRule): string {
  const action = r.action.replace(/^route:/, 'route ').replace('_', ' ');
  const [first, second] = r.direction.split('!');
  const [dir, iface] = first.split('_');
  const where: string[] = [];
  if (dir !== 'in' || iface) where.push(dir);
  if (iface) where.push('on', iface);
  if (second) {
    const [dir2, iface2] = second.split('_');
    where.push(dir2, 'on', iface2);
  }
  const app = (name: string): string => (name.includes(' ') ? `'${name}'` : name);
  const portProto = (port: string): string => `${port}${r.proto !== ANY ? `/${r.proto}` : ''}`;
  let what: string;
  if (r.src === ANY && r.dst === ANY && r.sport === ANY && !r.sapp && (r.dapp || r.dport !== ANY)) {
    what = r.dapp ? app(r.dapp) : portProto(r.dport);
  } else {
    const parts = [`from ${r.src}`];
    if (r.sapp) parts.push(`app ${app(r.sapp)}`);
    else if (r.sport !== ANY) parts.push(`port ${r.sport}`);
    if (r.dst !== ANY || r.dapp || r.dport !== ANY) {
      parts.push(`to ${r.dst}`);
      if (r.dapp) parts.push(`app ${app(r.dapp)}`);
      else if (r.dport !== ANY) parts.push(`port ${r.dport}`);
    }
    if (!r.dapp && !r.sapp && r.proto !== ANY) parts.push(`proto ${r.proto}`);
    what = parts.join(' ');
  }
  return [action, ...where, what].join(' ') + (r.comment ? ` comment '${r.comment}'` : '');
}

// --- Lockout guard -----------------------------------------------------------

type SshVerdict = { verdict: 'allowed' } | { verdict: 'blocked'; why: string } | { verdict: 'unknown'; why: string; uncertain: string[] };

function portCovers(ports: string, port: number): boolean {
  if (ports === ANY) return true;
  return ports.split(',').some((p) => {
    const [lo, hi] = p.split(':').map(Number);
    return hi === undefined ? lo === port : port >= lo && port <= hi;
  });
}

function ipToBigInt(ip: string): { n: bigint; bits: number } | null {
  if (isIPv4(ip)) return { n: ip.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n), bits: 32 };
  if (!isIPv6(ip)) return null;
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return { n: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n), bits: 128 };
}

/** Whether `client` lies in `network` (an address or CIDR as ufw stores it). */
export function addressIn(client: string, network: string): boolean {
  if (network === ANY) return true;
  const [ip, bitsText] = network.split('/');
  const a = ipToBigInt(client);
  const b = ipToBigInt(ip);
  if (!a || !b || a.bits !== b.bits) return false;
  const bits = bitsText === undefined ? b.bits : Number(bitsText);
  const shift = BigInt(b.bits - bits);
  return a.n >> shift === b.n >> shift;
}

/**
 * Would new TCP connections to `port` get through? Walks the rules as ufw does
 * (first match wins), then the incoming policy. A rule whose match we cannot
 * know (a source network when the client address is unknown, a destination
 * address, an interface) never counts as letting SSH in; an uncertain deny rule
 * is assumed not to concern us. Of the application profiles the playbook names,
 * only OpenSSH (22/tcp) is known; stored application rules carry their ports.
 */
export function sshVerdict(enabled: boolean, incoming: string, rules: UfwRule[], port: number, client?: string): SshVerdict {
  if (!enabled) return { verdict: 'allowed' };
  const uncertain: string[] = [];
  for (const r of rules) {
    if (isRoute(r) || !r.direction.startsWith('in')) continue;
    const verb = r.action.split('_')[0];
    const allows = verb === 'allow' || verb === 'limit';
    // A profile not on the host yet (say "Nginx Full" before nginx is installed): taken not to cover SSH.
    if (r.proto === '?' || r.dport === '?') continue;
    if (r.proto !== ANY && r.proto !== 'tcp') continue;
    if (!portCovers(r.dport, port)) continue;
    let certain = r.direction === 'in' && r.sport === ANY && !r.sapp && r.dst === ANY;
    if (r.src !== ANY) {
      if (client === undefined) certain = false;
      else if (!addressIn(client, r.src)) continue;
    }
    if (!certain) {
      if (allows) uncertain.push(describeRule(r));
      continue;
    }
    if (allows) return { verdict: 'allowed' };
    return { verdict: 'blocked', why: `the rule "${describeRule(r)}" blocks it` };
  }
  if (incoming === 'allow') return { verdict: 'allowed' };
  const why = `incoming default is ${incoming} and no allow or limit rule covers ${port}/tcp${port === 22 ? ' (nor the OpenSSH profile)' : ''}`;
  return uncertain.length ? { verdict: 'unknown', why, uncertain } : { verdict: 'blocked', why };
}

// --- Task ------------------------------------------------------------------

const POLICY_DIRECTIONS = ['incoming', 'outgoing', 'routed'] as const;

function describeState(enabled: boolean, defaults: UfwState['defaults'], rules: UfwRule[], installed = true): string {
  return [
    installed ? `Status: ${enabled ? 'active' : 'inactive'}` : 'Status: not installed',
    `Default: ${defaults.incoming} (incoming), ${defaults.outgoing} (outgoing), ${defaults.routed} (routed)`,
    ...rules.map(describeRule),
  ].join('\n');
}

export const ufw = defineTask({
  name: 'ufw',
  summary: 'ufw firewall rules, default policies, enabled/disabled (with an SSH lockout guard).',
  schema: schema as z.ZodType<UfwArgs>,
  example: `- name: Firewall allows SSH, HTTP and HTTPS only
  ufw:
    defaults: { incoming: deny, outgoing: allow }
    rules:
      - { rule: limit, port: 22, proto: tcp, comment: ssh }
      - { rule: allow, app: Nginx Full }
      - { rule: allow, port: "6000:6007/udp", from: 10.0.0.0/8 }
    purge: true
    state: enabled`,
  facts: () => ({ ufw: ufwFact() }),
  plan(a, { ufw: s }, ctx: PlanContext) {
    if (s.installed && s.unreadable.length) {
      throw new Error(`cannot read ${s.unreadable.join(', ')} (readable by root only): run this task with become: true`);
    }
    const wanted = wantedRules(a.rules);
    const keep = new Set(wanted.filter((w) => w.present).map((w) => ruleKey(w.rule)));
    const current = new Map(s.rules.map((r) => [ruleKey(r), r]));

    const actions: string[] = [];
    const adds: Step[] = [];
    const updates: Step[] = [];
    const deletes: Step[] = [];
    const removed = new Set<string>();
    const commentOf = new Map<string, string | undefined>();
    const appended: UfwRule[] = [];
    for (const { rule, present } of wanted) {
      const k = ruleKey(rule);
      const have = current.get(k);
      if (present && !have) {
        adds.push({ kind: 'run', command: addCommand(rule) });
        appended.push(rule);
        actions.push(`add ${describeRule(rule)}`);
      } else if (present && have && rule.comment !== undefined && rule.comment !== (have.comment ?? '')) {
        // Adding a stored rule again with another comment makes ufw replace the comment in place.
        updates.push({ kind: 'run', command: addCommand({ ...have, comment: rule.comment }) });
        commentOf.set(k, rule.comment);
        actions.push(`set comment '${rule.comment}' on ${describeRule({ ...have, comment: undefined })}`);
      } else if (!present && have) {
        deletes.push({ kind: 'run', command: deleteCommand(have) });
        removed.add(k);
        actions.push(`delete ${describeRule(have)}`);
      }
    }
    if (a.purge) {
      for (const [k, have] of current) {
        if (keep.has(k) || removed.has(k)) continue;
        deletes.push({ kind: 'run', command: deleteCommand(have) });
        removed.add(k);
        actions.push(`delete ${describeRule(have)} (not listed)`);
      }
    }
    const defaults = { ...s.defaults };
    const policySteps: Step[] = [];
    for (const dir of POLICY_DIRECTIONS) {
      const want = a.defaults?.[dir];
      if (want && want !== s.defaults[dir]) {
        defaults[dir] = want;
        policySteps.push({ kind: 'run', command: cmd('ufw', 'default', want, dir) });
        actions.push(`default ${dir} ${want}`);
      }
    }
    let enabled = s.enabled;
    const enableSteps: Step[] = [];
    const disableSteps: Step[] = [];
    if (a.state === 'enabled' && !s.enabled) {
      enabled = true;
      enableSteps.push({ kind: 'run', command: cmd('ufw', '--force', 'enable') });
      actions.push('enable ufw');
    } else if (a.state === 'disabled' && s.enabled) {
      enabled = false;
      disableSteps.push({ kind: 'run', command: cmd('ufw', 'disable') });
      actions.push('disable ufw');
    }

    const finalRules = [
      ...s.rules.filter((r) => !removed.has(ruleKey(r))).map((r) => (commentOf.has(ruleKey(r)) ? { ...r, comment: commentOf.get(ruleKey(r)) } : r)),
      ...appended,
    ];
    const before = describeState(s.enabled, s.defaults, s.rules, s.installed);
    if (actions.length === 0) {
      return nothingToDo(`ufw ${s.enabled ? 'active' : 'inactive'}, ${s.rules.length} rule${s.rules.length === 1 ? '' : 's'}, defaults as wanted`);
    }

    if (!a.allow_ssh_lockout) {
      const after = sshVerdict(enabled, defaults.incoming, finalRules, ctx.sshPort, ctx.sshClientAddress);
      const now = sshVerdict(s.enabled, s.defaults.incoming, s.rules, ctx.sshPort, ctx.sshClientAddress);
      // Already enabled and our reading says SSH is blocked, yet we are connected: something we do not model lets it in.
      const modelExplainsNow = !(s.enabled && now.verdict !== 'allowed');
      const keepsUncertain = after.verdict === 'unknown' && s.enabled && now.verdict === 'unknown' && now.uncertain.every((u) => after.uncertain.includes(u));
      if (after.verdict !== 'allowed' && modelExplainsNow && !keepsUncertain) {
        const hint = ctx.sshPort === 22 ? `{ rule: allow, port: 22, proto: tcp } or { rule: allow, app: OpenSSH }` : `{ rule: allow, port: ${ctx.sshPort}, proto: tcp }`;
        const unsure = after.verdict === 'unknown' ? `; this run cannot tell whether ${after.uncertain.map((u) => `"${u}"`).join(', ')} covers its own connection` : '';
        throw new Error(
          `refusing to change ufw: afterwards it would block SSH on port ${ctx.sshPort}/tcp, the connection this run uses (${after.why}${unsure}). ` +
            `Add a rule such as ${hint} to rules, or set allow_ssh_lockout: true if you have another way into ${ctx.host}.`,
        );
      }
    }

    const guard: Step[] = s.installed
      ? []
      : [{ kind: 'run', command: cmd(raw(`if ! command -v ufw >/dev/null 2>&1 && [ ! -x /usr/sbin/ufw ]; then echo 'ufw is not installed on this host: install the ufw package before this task' >&2; exit 1; fi`)) }];
    const after = describeState(enabled, defaults, finalRules);
    return {
      changes: [
        {
          summary: actions.join(', ') + (s.installed ? '' : ' (ufw is not installed yet)'),
          diff: { kind: 'text', label: 'ufw', before, after },
          // Disable first; add rules before deleting (an SSH rule being replaced never goes missing); enable last.
          steps: [...guard, ...disableSteps, ...adds, ...updates, ...deletes, ...policySteps, ...enableSteps],
        },
      ],
    };
  },
});
