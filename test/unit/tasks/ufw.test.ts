import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan } from '../../../src/plan.js';
import type { PlanContext } from '../../../src/task-type.js';
import { getTaskType } from '../../../tasks/index.js';
import { addressIn, normalizeAddress, parsePort, parseTuple, parseUfwState, ufw, ufwFact, type UfwState } from '../../../tasks/ufw.js';

const ctx22: PlanContext = { host: 'web1', sshPort: 22 };
const args = (a: Record<string, unknown>) => ufw.schema.parse(a);
const commands = (p: Plan): string[] => p.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'run' ? s.command : `write ${s.path}`)));
const plan = (a: Record<string, unknown>, state: UfwState, ctx: PlanContext = ctx22): Plan => ufw.plan(args(a), { ufw: state }, ctx);

/** What the fact script prints on a host (its settings and rule lines, from ufw.conf, /etc/default/ufw, user.rules, user6.rules). */
function factOutput(o: { installed?: boolean; enabled?: boolean; incoming?: string; outgoing?: string; routed?: string; v4?: string[]; v6?: string[] } = {}): string {
  if (o.installed === false) {
    return ['installed no', 'file /etc/ufw/ufw.conf absent', 'file /etc/default/ufw absent', 'file /etc/ufw/user.rules absent', 'file /etc/ufw/user6.rules absent'].join('\n');
  }
  return [
    'installed yes',
    'file /etc/ufw/ufw.conf',
    `ENABLED=${o.enabled ? 'yes' : 'no'}`,
    'file /etc/default/ufw',
    `DEFAULT_INPUT_POLICY="${o.incoming ?? 'DROP'}"`,
    `DEFAULT_OUTPUT_POLICY="${o.outgoing ?? 'ACCEPT'}"`,
    `DEFAULT_FORWARD_POLICY="${o.routed ?? 'DROP'}"`,
    'file /etc/ufw/user.rules',
    ...(o.v4 ?? []).map((t) => `### tuple ### ${t}`),
    'file /etc/ufw/user6.rules',
    ...(o.v6 ?? []).map((t) => `### tuple ### ${t}`),
  ].join('\n');
}
const state = (o: Parameters<typeof factOutput>[0] = {}): UfwState => parseUfwState(factOutput(o));

// Tuples exactly as ufw 0.36.2 (Debian 12) wrote them for these commands.
const T = {
  ssh4: 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', // ufw allow 22/tcp
  ssh6: 'allow tcp 22 ::/0 any ::/0 in',
  sshComment4: 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=73736820616363657373', // comment 'ssh access'
  openssh4: 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in', // ufw allow OpenSSH
  nginxFull4: 'allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in',
  nginxFull6: 'allow tcp 80,443 ::/0 any ::/0 Nginx%20Full - in',
  limitNet: 'limit tcp 2222 0.0.0.0/0 any 10.0.0.0/8 in', // ufw limit from 10.0.0.1/8 to any port 2222 proto tcp
  denyOut: 'deny udp 6000:6007 0.0.0.0/0 any 0.0.0.0/0 out',
  rejectIface: 'reject any 25 0.0.0.0/0 any 0.0.0.0/0 in_eth0',
  route: 'route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1',
  log: 'allow_log any 53 0.0.0.0/0 any 0.0.0.0/0 in',
  deny22: 'deny tcp 22 0.0.0.0/0 any 0.0.0.0/0 in',
  web4: 'allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in',
};

describe('ufw schema', () => {
  it('is registered and its example parses', () => {
    expect(getTaskType('ufw')).toBe(ufw);
    const [task] = parse(ufw.example);
    expect(ufw.schema.safeParse(task.ufw).success).toBe(true);
  });

  it('every field is described', () => {
    const shape = (ufw.schema as any).shape;
    for (const [k, v] of Object.entries(shape)) expect((v as any).description, k).toBeTruthy();
    const rule = (shape.rules as any).unwrap().element.shape;
    for (const [k, v] of Object.entries(rule)) expect((v as any).description, `rules.${k}`).toBeTruthy();
    for (const [k, v] of Object.entries((shape.defaults as any).unwrap().shape)) expect((v as any).description, `defaults.${k}`).toBeTruthy();
  });

  it.each([
    [{ rule: 'allow', port: 22 }],
    [{ rule: 'allow', port: '22/tcp' }],
    [{ rule: 'allow', port: '6000:6007/udp' }],
    [{ rule: 'allow', port: '80,443', proto: 'tcp' }],
    [{ rule: 'limit', port: 22, proto: 'tcp', from: '10.0.0.0/8', comment: 'admins (VPN)' }],
    [{ rule: 'allow', app: 'Nginx Full' }],
    [{ rule: 'allow', app: 'OpenSSH' }],
    [{ rule: 'deny', from: '2001:db8::/32' }],
    [{ rule: 'reject', direction: 'out', port: 25 }],
    [{ rule: 'allow', from: '192.168.1.5', to: '192.168.1.1', port: 53, proto: 'udp' }],
  ])('accepts rule %j', (rule) => {
    expect(ufw.schema.safeParse({ rules: [rule] }).success).toBe(true);
  });

  it.each([
    [{ rule: 'allow', port: '22; rm -rf /' }, 'port'],
    [{ rule: 'allow', port: '$(reboot)' }, 'port'],
    [{ rule: 'allow', port: 0 }, 'port'],
    [{ rule: 'allow', port: 70000 }, 'port'],
    [{ rule: 'allow', port: '22-25/tcp' }, 'port'],
    [{ rule: 'allow', port: '6000:6007' }, 'port'], // a range needs a protocol
    [{ rule: 'allow', port: '25:20/tcp' }, 'port'],
    [{ rule: 'allow', port: '22/icmp' }, 'port'],
    [{ rule: 'allow', port: '22/tcp', proto: 'udp' }, 'proto'],
    [{ rule: 'allow', port: 22, proto: 'icmp' }, 'proto'],
    [{ rule: 'allow', port: '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16/tcp' }, 'port'],
    [{ rule: 'allow', app: "Nginx'; reboot; '" }, 'app'],
    [{ rule: 'allow', app: '-h' }, 'app'],
    [{ rule: 'allow', app: 'Nginx$(id)' }, 'app'],
    [{ rule: 'allow', app: 'OpenSSH', port: 22 }, 'app'],
    [{ rule: 'allow', from: 'example.com' }, 'from'],
    [{ rule: 'allow', from: '10.0.0.0/33' }, 'from'],
    [{ rule: 'allow', from: '1.2.3.4; id' }, 'from'],
    [{ rule: 'allow', to: '-1.2.3.4' }, 'to'],
    [{ rule: 'allow', from: '10.0.0.1', to: '2001:db8::1' }, 'to'],
    [{ rule: 'allow', port: 22, comment: "it's" }, 'comment'],
    [{ rule: 'allow', port: 22, comment: 'a\nb' }, 'comment'],
    [{ rule: 'allow', port: 22, comment: '--force' }, 'comment'],
    [{ rule: 'allow' }, ''],
    [{ rule: 'permit', port: 22 }, 'rule'],
    [{ rule: 'allow', port: 22, interface: 'eth0' }, ''],
  ])('rejects rule %j', (rule, field) => {
    const r = ufw.schema.safeParse({ rules: [rule] });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.slice(2).join('.'));
    expect(paths).toContain(field);
  });

  it('rejects an empty task, unknown keys, bad policies and duplicate rules', () => {
    expect(ufw.schema.safeParse({}).success).toBe(false);
    expect(ufw.schema.safeParse({ state: 'on' }).success).toBe(false);
    expect(ufw.schema.safeParse({ state: 'enabled', policy: 'deny' }).success).toBe(false);
    expect(ufw.schema.safeParse({ defaults: { incoming: 'drop' } }).success).toBe(false);
    expect(ufw.schema.safeParse({ defaults: { inbound: 'deny' } }).success).toBe(false);
    const dup = ufw.schema.safeParse({ rules: [{ rule: 'allow', port: '22/tcp' }, { rule: 'allow', port: 22, proto: 'tcp', comment: 'x' }] });
    expect(dup.success).toBe(false);
    expect(dup.error!.issues[0].path).toEqual(['rules', 1]);
  });
});

describe('ufw rule parsing', () => {
  it.each([
    ['22', { ports: '22' }],
    [22, { ports: '22' }],
    ['22/tcp', { ports: '22', proto: 'tcp' }],
    ['6000:6007/udp', { ports: '6000:6007', proto: 'udp' }],
    ['80,443/tcp', { ports: '80,443', proto: 'tcp' }],
    ['080/tcp', { ports: '80', proto: 'tcp' }],
  ])('port %j', (input, out) => {
    expect(parsePort(input)).toEqual(out);
  });

  it.each([
    ['any', 'any'],
    ['0.0.0.0/0', 'any'],
    ['::/0', 'any'],
    ['10.0.0.1/8', '10.0.0.0/8'],
    ['192.168.1.5/32', '192.168.1.5'],
    ['192.168.1.5', '192.168.1.5'],
    ['2001:0db8::0001/64', '2001:db8::1/64'],
    ['2001:db8::5/128', '2001:db8::5'],
    ['10.0.0.0/33', null],
    ['example.com', null],
  ])('address %s -> %s (as ufw stores it)', (input, out) => {
    expect(normalizeAddress(input)).toBe(out);
  });

  it('reads the tuples ufw writes, with comments, applications, interfaces, route and log rules', () => {
    expect(parseTuple(`### tuple ### ${T.sshComment4}`)).toEqual({ action: 'allow', proto: 'tcp', dport: '22', dst: 'any', sport: 'any', src: 'any', dapp: '', sapp: '', direction: 'in', comment: 'ssh access' });
    expect(parseTuple(`### tuple ### ${T.nginxFull4}`)).toMatchObject({ dapp: 'Nginx Full', dport: '80,443', proto: 'tcp' });
    expect(parseTuple(`### tuple ### ${T.route}`)).toMatchObject({ action: 'route:allow', direction: 'in_eth0!out_eth1' });
    expect(parseTuple('-A ufw-user-input -p tcp --dport 22 -j ACCEPT')).toBeNull();
  });

  it('merges the IPv4 and IPv6 copies of a rule and reads policies and status', () => {
    const s = state({ enabled: true, incoming: 'REJECT', routed: 'ACCEPT', v4: [T.ssh4, T.nginxFull4, T.limitNet], v6: [T.ssh6, T.nginxFull6] });
    expect(s.rules).toHaveLength(3);
    expect(s).toMatchObject({ installed: true, enabled: true, defaults: { incoming: 'reject', outgoing: 'allow', routed: 'allow' } });
    expect(state({ installed: false })).toEqual({ installed: false, unreadable: [], enabled: false, defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' }, rules: [] });
  });

  it('addressIn', () => {
    expect(addressIn('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(addressIn('11.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(addressIn('10.1.2.3', '10.1.2.3')).toBe(true);
    expect(addressIn('2001:db8::7', '2001:db8::/32')).toBe(true);
    expect(addressIn('2001:db9::7', '2001:db8::/32')).toBe(false);
    expect(addressIn('10.1.2.3', '2001:db8::/32')).toBe(false);
  });
});

describe('ufw plan', () => {
  const webRules = [{ rule: 'allow', port: '22/tcp' }, { rule: 'allow', app: 'Nginx Full' }];

  it('the same arguments (shared by compile across hosts) plan each host from its own state', () => {
    const shared = args({ rules: webRules, state: 'enabled' });
    const fresh = ufw.plan(shared, { ufw: state({ installed: false }) }, ctx22);
    const done = ufw.plan(shared, { ufw: state({ enabled: true, v4: [T.ssh4, T.nginxFull4], v6: [T.ssh6, T.nginxFull6] }) }, ctx22);
    const again = ufw.plan(shared, { ufw: state({ installed: false }) }, ctx22);
    expect(fresh.changes).toHaveLength(1);
    expect(done.changes).toEqual([]);
    expect(again).toEqual(fresh);
  });

  it('on a fresh host without ufw: plans as if no rules exist, checks ufw is there first', () => {
    const p = plan({ rules: webRules, state: 'enabled' }, state({ installed: false }));
    expect(p.changes).toHaveLength(1);
    const [c] = p.changes;
    expect(c.summary).toBe("add allow 22/tcp, add allow 'Nginx Full', enable ufw (ufw is not installed yet)");
    expect(commands(p)).toEqual([
      expect.stringContaining('ufw is not installed on this host'),
      'ufw allow in proto tcp from any to any port 22',
      "ufw allow in from any to any app 'Nginx Full'",
      'ufw --force enable',
    ]);
    expect(c.diff).toEqual({
      kind: 'text',
      label: 'ufw',
      before: 'Status: not installed\nDefault: deny (incoming), allow (outgoing), deny (routed)',
      after: "Status: active\nDefault: deny (incoming), allow (outgoing), deny (routed)\nallow 22/tcp\nallow 'Nginx Full'",
    });
  });

  it('nothing to do when rules, policies and state match (IPv4 + IPv6 copies)', () => {
    const p = plan(
      { rules: [{ rule: 'allow', port: 22, proto: 'tcp', comment: 'ssh access' }, { rule: 'allow', app: 'Nginx Full' }], defaults: { incoming: 'deny', outgoing: 'allow' }, state: 'enabled', purge: true },
      state({ enabled: true, v4: [T.sshComment4, T.nginxFull4], v6: [T.ssh6.replace(' in', ' in comment=73736820616363657373'), T.nginxFull6] }),
    );
    expect(p.changes).toEqual([]);
    expect(p.ok).toBe('ufw active, 2 rules, defaults as wanted');
  });

  it('an unset comment leaves the stored one; a different comment is set in place', () => {
    const s = state({ v4: [T.sshComment4] });
    expect(plan({ rules: [{ rule: 'allow', port: '22/tcp' }] }, s).changes).toEqual([]);
    const p = plan({ rules: [{ rule: 'allow', port: '22/tcp', comment: 'admins only' }] }, s);
    expect(commands(p)).toEqual(["ufw allow in proto tcp from any to any port 22 comment 'admins only'"]);
    expect(p.changes[0].summary).toBe("set comment 'admins only' on allow 22/tcp");
  });

  it('normalizes addresses as ufw does, so a second run matches', () => {
    const p = plan({ rules: [{ rule: 'limit', port: 2222, proto: 'tcp', from: '10.0.0.1/8' }] }, state({ v4: [T.limitNet] }));
    expect(p.changes).toEqual([]);
  });

  it('deletes a rule marked absent', () => {
    const p = plan({ rules: [{ rule: 'deny', direction: 'out', port: '6000:6007/udp', state: 'absent' }, { rule: 'allow', port: 8080, state: 'absent' }] }, state({ v4: [T.ssh4, T.denyOut] }));
    expect(commands(p)).toEqual(['ufw delete deny out proto udp from any to any port 6000:6007']);
  });

  it('purge deletes every rule not listed, whatever its kind', () => {
    const p = plan({ rules: [{ rule: 'allow', port: '22/tcp' }, { rule: 'allow', port: '443/tcp' }], purge: true }, state({ v4: [T.ssh4, T.openssh4, T.limitNet, T.rejectIface, T.route, T.log] }));
    expect(commands(p)).toEqual([
      'ufw allow in proto tcp from any to any port 443',
      'ufw delete allow in from any to any app OpenSSH',
      'ufw delete limit in proto tcp from 10.0.0.0/8 to any port 2222',
      'ufw delete reject in on eth0 from any to any port 25',
      'ufw route delete allow in on eth0 out on eth1 proto tcp from any to any port 80',
      'ufw delete allow in log from any to any port 53',
    ]);
    const diff = p.changes[0].diff as { kind: 'text'; before: string; after: string };
    expect(diff.after.split('\n').slice(2)).toEqual(['allow 22/tcp', 'allow 443/tcp']);
    expect(diff.before.split('\n').slice(2)).toEqual(['allow 22/tcp', 'allow OpenSSH', 'limit from 10.0.0.0/8 to any port 2222 proto tcp', 'reject in on eth0 25', 'route allow in on eth0 out on eth1 80/tcp', 'allow log 53']);
  });

  it('sets default policies and disables', () => {
    const p = plan({ defaults: { incoming: 'reject', outgoing: 'allow', routed: 'allow' }, state: 'disabled' }, state({ enabled: true, v4: [T.ssh4] }));
    expect(commands(p)).toEqual(['ufw disable', 'ufw default reject incoming', 'ufw default allow routed']);
  });

  it('quotes every value it passes to ufw', () => {
    const p = plan({ rules: [{ rule: 'allow', app: 'WWW Full', comment: 'web (public)' }] }, state());
    expect(commands(p)).toEqual(["ufw allow in from any to any app 'WWW Full' comment 'web (public)'"]);
  });

  it('refuses when it cannot read the rules (not root)', () => {
    const s = parseUfwState('installed yes\nfile /etc/ufw/ufw.conf\nENABLED=no\nfile /etc/default/ufw\nfile /etc/ufw/user.rules unreadable\nfile /etc/ufw/user6.rules unreadable');
    expect(() => plan({ rules: webRules }, s)).toThrow(/cannot read \/etc\/ufw\/user.rules, \/etc\/ufw\/user6.rules .*become: true/);
  });
});

describe('ufw SSH lockout guard', () => {
  type Case = [string, Record<string, unknown>, Parameters<typeof factOutput>[0], PlanContext, RegExp | null];
  const on = { state: 'enabled' };
  const cases: Case[] = [
    ['enable, default deny, no rule: refused', { ...on, rules: [{ rule: 'allow', app: 'Nginx Full' }] }, {}, ctx22, /refusing to change ufw: afterwards it would block SSH on port 22\/tcp.*incoming default is deny and no allow or limit rule covers 22\/tcp.*allow_ssh_lockout: true/],
    ['enable on a fresh host without rules: refused', on, { installed: false }, ctx22, /block SSH on port 22\/tcp/],
    ['explicit allow_ssh_lockout: applied', { ...on, allow_ssh_lockout: true }, {}, ctx22, null],
    ['rule 22/tcp: fine', { ...on, rules: [{ rule: 'allow', port: '22/tcp' }] }, {}, ctx22, null],
    ['rule 22 (any protocol): fine', { ...on, rules: [{ rule: 'allow', port: 22 }] }, {}, ctx22, null],
    ['limit 22/tcp: fine', { ...on, rules: [{ rule: 'limit', port: 22, proto: 'tcp' }] }, {}, ctx22, null],
    ['OpenSSH profile: fine', { ...on, rules: [{ rule: 'allow', app: 'OpenSSH' }] }, {}, ctx22, null],
    ['a range covering 22: fine', { ...on, rules: [{ rule: 'allow', port: '20:30/tcp' }] }, {}, ctx22, null],
    ['an existing stored 22/tcp rule: fine', on, { v4: [T.ssh4] }, ctx22, null],
    ['an existing OpenSSH rule: fine', on, { v4: [T.openssh4] }, ctx22, null],
    ['22/udp only: refused', { ...on, rules: [{ rule: 'allow', port: '22/udp' }] }, {}, ctx22, /block SSH/],
    ['22 outgoing only: refused', { ...on, rules: [{ rule: 'allow', port: '22/tcp', direction: 'out' }] }, {}, ctx22, /block SSH/],
    ['incoming default reject: refused', { ...on, defaults: { incoming: 'reject' } }, {}, ctx22, /incoming default is reject/],
    ['incoming default allow: fine', { ...on, defaults: { incoming: 'allow' } }, {}, ctx22, null],
    ['a deny 22/tcp stored before the allow: refused', { ...on, rules: [{ rule: 'allow', port: '22/tcp' }] }, { v4: [T.deny22] }, ctx22, /the rule "deny 22\/tcp" blocks it/],
    ['sshPort 2222, only 22/tcp: refused', { ...on, rules: [{ rule: 'allow', port: '22/tcp' }] }, {}, { host: 'web1', sshPort: 2222 }, /port 2222\/tcp.*port: 2222, proto: tcp/],
    ['sshPort 2222, OpenSSH profile: refused', { ...on, rules: [{ rule: 'allow', app: 'OpenSSH' }] }, {}, { host: 'web1', sshPort: 2222 }, /port 2222\/tcp/],
    ['sshPort 2222, 2222/tcp: fine', { ...on, rules: [{ rule: 'allow', port: '2222/tcp' }] }, {}, { host: 'web1', sshPort: 2222 }, null],
    ['already on: purge removing the SSH rule is refused', { rules: [{ rule: 'allow', port: '80/tcp' }], purge: true }, { enabled: true, v4: [T.ssh4, T.web4] }, ctx22, /block SSH/],
    ['already on: deleting the SSH rule is refused', { rules: [{ rule: 'allow', port: '22/tcp', state: 'absent' }] }, { enabled: true, v4: [T.ssh4] }, ctx22, /block SSH/],
    ['already on: switching incoming to deny without SSH rule is refused', { defaults: { incoming: 'deny' } }, { enabled: true, incoming: 'ACCEPT' }, ctx22, /block SSH/],
    ['already on with SSH rule: adding a rule is fine', { rules: [{ rule: 'allow', port: '80/tcp' }] }, { enabled: true, v4: [T.ssh4] }, ctx22, null],
    ['disabling is always fine', { state: 'disabled', purge: true }, { enabled: true, v4: [T.ssh4] }, ctx22, null],
    ['rules while disabled are fine', { rules: [{ rule: 'deny', port: '22/tcp' }] }, {}, ctx22, null],
    ['SSH only from a network, client unknown: refused, says why', { ...on, rules: [{ rule: 'allow', port: '22/tcp', from: '10.0.0.0/8' }] }, {}, ctx22, /cannot tell whether "allow from 10.0.0.0\/8 to any port 22 proto tcp" covers its own connection/],
    ['SSH only from a network holding the client: fine', { ...on, rules: [{ rule: 'allow', port: '22/tcp', from: '10.0.0.0/8' }] }, {}, { ...ctx22, sshClientAddress: '10.1.2.3' }, null],
    ['SSH only from a network not holding the client: refused', { ...on, rules: [{ rule: 'allow', port: '22/tcp', from: '10.0.0.0/8' }] }, {}, { ...ctx22, sshClientAddress: '192.168.1.9' }, /block SSH/],
    ['already on through a network rule we cannot check: other changes are fine', { rules: [{ rule: 'allow', port: '80/tcp' }] }, { enabled: true, v4: ['allow tcp 22 0.0.0.0/0 any 10.0.0.0/8 in'] }, ctx22, null],
  ];
  it.each(cases)('%s', (_name, a, facts, ctx, error) => {
    const run = () => plan(a, state(facts), ctx);
    if (error) expect(run).toThrow(error);
    else expect(run().changes.length).toBeGreaterThan(0);
  });

  it('the RockTalk guide as written (allow Nginx Full, enable) is refused with a plain reason', () => {
    expect(() => plan({ rules: [{ rule: 'allow', app: 'Nginx Full' }], state: 'enabled' }, state(), ctx22)).toThrow(
      'refusing to change ufw: afterwards it would block SSH on port 22/tcp, the connection this run uses (incoming default is deny and no allow or limit rule covers 22/tcp (nor the OpenSSH profile)). ' +
        'Add a rule such as { rule: allow, port: 22, proto: tcp } or { rule: allow, app: OpenSSH } to rules, or set allow_ssh_lockout: true if you have another way into web1.',
    );
  });

  it('does not complain when nothing changes', () => {
    expect(plan({ state: 'enabled' }, state({ enabled: true, v4: ['allow tcp 22 0.0.0.0/0 any 10.0.0.0/8 in'] })).changes).toEqual([]);
  });

  it('orders steps so SSH never goes missing: disable, add, comment, delete, policies, enable', () => {
    const p = plan(
      { rules: [{ rule: 'allow', app: 'OpenSSH' }, { rule: 'allow', port: '80/tcp', comment: 'web' }], defaults: { incoming: 'deny' }, state: 'enabled', purge: true },
      state({ incoming: 'ACCEPT', v4: [T.ssh4, T.web4] }),
    );
    expect(commands(p)).toEqual([
      'ufw allow in from any to any app OpenSSH',
      'ufw allow in proto tcp from any to any port 80 comment web',
      'ufw delete allow in proto tcp from any to any port 22',
      'ufw default deny incoming',
      'ufw --force enable',
    ]);
  });
});

describe('the ufw fact script, run by sh', () => {
  it('reads the settings and the rules of both files in one grep, and names absent files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-ufw-'));
    mkdirSync(join(dir, 'ufw'));
    mkdirSync(join(dir, 'default'));
    writeFileSync(join(dir, 'ufw', 'ufw.conf'), '# comment\nENABLED=yes\nLOGLEVEL=low\n');
    writeFileSync(join(dir, 'default', 'ufw'), 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="ACCEPT"\n');
    writeFileSync(join(dir, 'ufw', 'user.rules'), '*filter\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in\n');
    const script = ufwFact().script.replaceAll('/etc/ufw/', `${dir}/ufw/`).replaceAll('/etc/default/ufw', `${dir}/default/ufw`);
    const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(out).toContain(`file ${dir}/ufw/user6.rules absent\n`);
    const s = parseUfwState(out);
    expect(s).toMatchObject({ unreadable: [], enabled: true, defaults: { incoming: 'deny', outgoing: 'allow', routed: 'allow' } });
    expect(s.rules.map((r) => r.dport)).toEqual(['22', '443']);
  });
});
