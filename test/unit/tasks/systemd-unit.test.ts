import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sha256 } from '../../../src/file-plan.js';
import type { FileState, UnitState } from '../../../src/facts.js';
import type { Plan, WriteStep } from '../../../src/plan.js';
import { getTaskType } from '../../../tasks/index.js';
import { planUnit, renderUnit, systemdUnit, type SystemdUnitArgs } from '../../../tasks/systemd-unit.js';

const args = (a: Record<string, unknown>): SystemdUnitArgs => systemdUnit.schema.parse(a);
const commands = (p: Plan): string[] => p.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'run' ? s.command : `write ${s.path} ${(s as WriteStep).mode} ${(s as WriteStep).owner}:${(s as WriteStep).group}`)));

const SECTIONS = {
  name: 'rocktalk.service',
  unit: { Description: 'RockTalk Streamlit Application', After: 'network.target' },
  service: { User: 'rocktalk', ExecStart: '/usr/bin/env rocktalk', Restart: 'always', NoNewPrivileges: true, TimeoutStopSec: 20, Environment: ['A=1', 'B=two words'] },
  install: { WantedBy: 'multi-user.target' },
};
const RENDERED = `# Managed by provision: changes made here are overwritten.
[Unit]
Description=RockTalk Streamlit Application
After=network.target

[Service]
User=rocktalk
ExecStart=/usr/bin/env rocktalk
Restart=always
NoNewPrivileges=yes
TimeoutStopSec=20
Environment=A=1
Environment=B=two words

[Install]
WantedBy=multi-user.target
`;

const absentFile: FileState = { exists: false };
const fileWith = (content: string, mode = '0644'): FileState => ({ exists: true, type: 'file', mode, owner: 'root', group: 'root', size: content.length, sha256: sha256(content) });
const notFound: UnitState = { loadState: 'not-found', activeState: 'inactive', unitFileState: '' };
const unit = (activeState: string, unitFileState: string): UnitState => ({ loadState: 'loaded', activeState, unitFileState });

describe('systemd_unit schema', () => {
  it('is registered and its example parses', () => {
    expect(getTaskType('systemd_unit')).toBe(systemdUnit);
    const [task] = parse(systemdUnit.example);
    expect(systemdUnit.schema.safeParse(task.systemd_unit).success).toBe(true);
  });

  it('every field is described', () => {
    for (const [k, v] of Object.entries((systemdUnit.schema as any).shape)) expect((v as any).description, k).toBeTruthy();
  });

  it.each([
    [{ name: 'x.service' }, 'exactly one of'],
    [{ name: 'x.service', content: 'a', service: { A: 'b' } }, 'exactly one of'],
    [{ name: 'x.service', content: 'a', src: 'x.hbs' }, 'exactly one of'],
    [{ name: 'x', content: 'a' }, 'unit name'],
    [{ name: '../../etc/passwd.service', content: 'a' }, 'unit name'],
    [{ name: 'x;reboot.service', content: 'a' }, 'unit name'],
    [{ name: '-x.service', content: 'a' }, 'may not start'],
    [{ name: 'x.service', service: { ExecStart: 'a\n[Service]\nUser=root' } }, 'newline'],
    [{ name: 'x.service', service: { ExecStart: 'a \\' } }, 'may not end with'],
    [{ name: 'x.service', service: { 'Exec Start': 'a' } }, 'key'],
    [{ name: 'x.service', service: { 'A=B': 'a' } }, 'key'],
    [{ name: 'x.service', service: { A: { b: 1 } } }, 'service'],
    [{ name: 'x.service', timer: { OnCalendar: 'daily' } }, '.timer unit'],
    [{ name: 'x.service', content: 'a', state: 'restarted' }, 'state'],
    [{ name: 'x.service', content: 'a', enable: true }, 'enable'],
    [{ name: 'x.service', service: { ExecStart: '/bin/true' }, enabled: true }, 'needs an install section'],
  ])('rejects %j', (a, hint) => {
    const r = systemdUnit.schema.safeParse(a);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toContain(hint);
  });

  it('accepts a timer with its section', () => {
    expect(systemdUnit.schema.safeParse({ name: 'backup.timer', unit: { Description: 'x' }, timer: { OnCalendar: 'daily', Persistent: true }, install: { WantedBy: 'timers.target' } }).success).toBe(true);
  });
});

describe('systemd_unit rendering', () => {
  it('sections in a fixed order, keys as given, lists repeat the key, booleans yes/no', () => {
    // YAML order of sections does not matter: [Unit] first, [Install] last.
    const a = args({ install: SECTIONS.install, service: SECTIONS.service, unit: SECTIONS.unit, name: SECTIONS.name });
    expect(renderUnit(a)).toBe(RENDERED);
  });

  it('is byte-identical run after run', () => {
    const once = renderUnit(args(SECTIONS));
    for (let i = 0; i < 5; i++) expect(renderUnit(args(structuredClone(SECTIONS)))).toBe(once);
  });

  it('an empty string resets a list setting', () => {
    expect(renderUnit(args({ name: 'x.service', service: { ExecStart: ['', '/bin/true'] } }))).toContain('[Service]\nExecStart=\nExecStart=/bin/true\n');
  });
});

describe('systemd_unit plan', () => {
  const path = '/etc/systemd/system/rocktalk.service';
  const cases: { name: string; args: Record<string, unknown>; file: FileState; unit: UnitState; ok?: string; commands?: string[]; summaries?: string[] }[] = [
    {
      name: 'fresh host: write, daemon-reload, enable, start',
      args: { ...SECTIONS, enabled: true, state: 'started' },
      file: absentFile,
      unit: notFound,
      commands: [`write ${path} 0644 root:root`, 'systemctl daemon-reload', 'systemctl enable --quiet -- rocktalk.service', 'systemctl start -- rocktalk.service'],
      summaries: [`create ${path} (mode 0644, owner root:root), daemon-reload`, 'enable rocktalk.service', 'start rocktalk.service'],
    },
    {
      name: 'nothing to do',
      args: { ...SECTIONS, enabled: true, state: 'started' },
      file: fileWith(RENDERED),
      unit: unit('active', 'enabled'),
      ok: `${path} is up to date, enabled, active`,
    },
    {
      name: 'changed file on a running, enabled service: reload, re-link, restart',
      args: { ...SECTIONS, enabled: true, state: 'started' },
      file: fileWith('old'),
      unit: unit('active', 'enabled'),
      commands: [`write ${path} 0644 root:root`, 'systemctl daemon-reload', 'systemctl reenable --quiet -- rocktalk.service', 'systemctl restart -- rocktalk.service'],
      summaries: [`update ${path}, daemon-reload`, 'restart rocktalk.service (unit file changed)'],
    },
    {
      name: 'restart_on_change: false leaves it running on the old definition',
      args: { ...SECTIONS, restart_on_change: false },
      file: fileWith('old'),
      unit: unit('active', 'disabled'),
      commands: [`write ${path} 0644 root:root`, 'systemctl daemon-reload'],
    },
    {
      name: 'changed file, no state given, service running: restarts',
      args: { ...SECTIONS },
      file: fileWith('old'),
      unit: unit('active', 'disabled'),
      commands: [`write ${path} 0644 root:root`, 'systemctl daemon-reload', 'systemctl restart -- rocktalk.service'],
    },
    {
      name: 'changed file, stopped service: not started unless asked',
      args: { ...SECTIONS },
      file: fileWith('old'),
      unit: unit('inactive', 'disabled'),
      commands: [`write ${path} 0644 root:root`, 'systemctl daemon-reload'],
    },
    {
      name: 'changed file and state stopped: stop, no restart',
      args: { ...SECTIONS, state: 'stopped', enabled: false },
      file: fileWith('old'),
      unit: unit('active', 'enabled'),
      commands: [`write ${path} 0644 root:root`, 'systemctl daemon-reload', 'systemctl disable --quiet -- rocktalk.service', 'systemctl stop -- rocktalk.service'],
    },
    {
      name: 'only the mode drifted: chmod, no reload, no restart',
      args: { ...SECTIONS, state: 'started' },
      file: fileWith(RENDERED, '0600'),
      unit: unit('active', 'enabled'),
      commands: [`chmod 0644 -- ${path}`],
    },
    {
      name: 'inline content',
      args: { name: 'a@b.service', content: '[Service]\nExecStart=/bin/true\n', state: 'started' },
      file: absentFile,
      unit: notFound,
      commands: ['write /etc/systemd/system/a@b.service 0644 root:root', 'systemctl daemon-reload', 'systemctl start -- a@b.service'],
    },
    {
      name: 'static units are not enabled',
      args: { name: 'x.service', content: '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=x\n', enabled: true },
      file: fileWith('[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=x\n'),
      unit: unit('inactive', 'static'),
      ok: '/etc/systemd/system/x.service is up to date, static',
    },
  ];

  it.each(cases)('$name', (c) => {
    const plan = planUnit(args(c.args), { file: c.file, unit: c.unit });
    if (c.ok !== undefined) {
      expect(plan.changes).toEqual([]);
      expect(plan.ok).toBe(c.ok);
      return;
    }
    if (c.commands) expect(commands(plan)).toEqual(c.commands);
    if (c.summaries) expect(plan.changes.map((ch) => ch.summary)).toEqual(c.summaries);
  });

  it('diff shows the file, enablement and state', () => {
    const plan = planUnit(args({ ...SECTIONS, enabled: true, state: 'started' }), { file: absentFile, unit: notFound });
    expect(plan.changes.map((c) => c.diff)).toEqual([
      { kind: 'file', path, after: RENDERED, before: null },
      { kind: 'text', label: 'rocktalk.service enabled', before: 'not-found', after: 'enabled' },
      { kind: 'text', label: 'rocktalk.service state', before: 'inactive', after: 'active' },
    ]);
  });

  it('enabled: true without an [Install] section is an error, not a silent no-op', () => {
    expect(() => planUnit(args({ name: 'x.service', content: '[Service]\nExecStart=/bin/true\n', enabled: true }), { file: absentFile, unit: notFound })).toThrow(/\[Install\]/);
  });

  it('a template rendered by resolveLocal is the content', () => {
    const a = systemdUnit.resolveLocal!(args({ name: 'x.service', src: 'x.service.hbs' }), { template: (src) => `[Service]\nExecStart=/bin/${src}\n`, file: () => '' });
    const plan = planUnit(a, { file: absentFile, unit: notFound });
    expect(plan.changes[0].diff).toMatchObject({ after: '[Service]\nExecStart=/bin/x.service.hbs\n' });
  });

  it('values are never put on a command line; unit names are quoted by cmd()', () => {
    const plan = planUnit(args({ name: 'a\\x2db.service', service: { ExecStart: "/bin/sh -c 'rm -rf /'" }, state: 'started' }), { file: absentFile, unit: notFound });
    expect(commands(plan)).toEqual(['write /etc/systemd/system/a\\x2db.service 0644 root:root', 'systemctl daemon-reload', "systemctl start -- 'a\\x2db.service'"]);
  });
});
