import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FileState, PasswdEntry, UnitState } from '../../../src/facts.js';
import type { Plan, WriteStep } from '../../../src/plan.js';
import type { PlanContext, TaskType } from '../../../src/task-type.js';
import { allTaskTypes, getTaskType } from '../../../tasks/index.js';

const ctx: PlanContext = { host: 'web1', sshPort: 22 };

function plan(type: string, rawArgs: unknown, facts: Record<string, unknown>): Plan {
  const t = getTaskType(type) as TaskType;
  const args = t.schema.parse(rawArgs);
  return t.plan(args, facts as never, ctx);
}

/** The plan in a compact, readable form: summaries and the commands of run steps. */
function shape(p: Plan): { ok?: string; changes: { summary: string; steps: string[] }[] } {
  return {
    ...(p.ok !== undefined ? { ok: p.ok } : {}),
    changes: p.changes.map((c) => ({ summary: c.summary, steps: c.steps.map((s) => (s.kind === 'run' ? s.command : `write ${s.path}${(s as WriteStep).mode ? ` ${(s as WriteStep).mode}` : ''}`)) })),
  };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const absent: FileState = { exists: false };
const file = (content: string, extra: Partial<FileState> = {}): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, sha256: sha(content), ...extra });
const dir = (extra: Partial<FileState> = {}): FileState => ({ exists: true, type: 'directory', mode: '0755', owner: 'root', group: 'root', ...extra });
const unit = (activeState: string, unitFileState: string): UnitState => ({ loadState: 'loaded', activeState, unitFileState });
const user = (extra: Partial<PasswdEntry> = {}): PasswdEntry => ({ exists: true, uid: 999, gid: 999, home: '/opt/pa', shell: '/usr/sbin/nologin', comment: '', groups: ['pa'], ...extra });

describe.each([
  // [task type, args, facts, expected plan shape]
  ['command', { cmd: 'make install', creates: '/usr/local/bin/app' }, { creates: file('') }, { ok: '/usr/local/bin/app exists', changes: [] }],
  ['command', { cmd: 'make install', creates: '/usr/local/bin/app' }, { creates: absent }, { changes: [{ summary: 'run make install', steps: ["sh -c 'make install'"] }] }],
  ['command', { argv: ['rm', '-f', '/tmp/a b'], removes: '/tmp/a b' }, { removes: absent }, { ok: '/tmp/a b does not exist', changes: [] }],
  ['command', { argv: ['echo', "it's"], chdir: '/srv' }, {}, { changes: [{ summary: "run echo it's", steps: [`cd /srv && echo 'it'\\''s'`] }] }],
  ['file', { path: '/opt/pa', state: 'directory', owner: 'pa', mode: '0750' }, { path: dir({ owner: 'pa', mode: '0750' }) }, { ok: '/opt/pa is a directory as wanted', changes: [] }],
  ['file', { path: '/opt/pa', state: 'directory', owner: 'pa', mode: '0750' }, { path: absent }, { changes: [{ summary: 'create directory /opt/pa', steps: ['mkdir -p -- /opt/pa', 'chown pa -- /opt/pa', 'chmod 0750 -- /opt/pa'] }] }],
  ['file', { path: '/opt/pa', state: 'directory', mode: 0o750 }, { path: dir() }, { changes: [{ summary: 'set mode: 0750 on /opt/pa', steps: ['chmod 0750 -- /opt/pa'] }] }],
  ['file', { path: '/etc/nginx/sites-enabled/a', state: 'link', src: '/etc/nginx/sites-available/a' }, { path: { exists: true, type: 'link', linkTarget: '/etc/nginx/sites-available/a' } }, { ok: '/etc/nginx/sites-enabled/a links to /etc/nginx/sites-available/a', changes: [] }],
  ['file', { path: '/etc/nginx/sites-enabled/a', state: 'link', src: '/etc/nginx/sites-available/a' }, { path: absent }, { changes: [{ summary: 'link /etc/nginx/sites-enabled/a -> /etc/nginx/sites-available/a', steps: ['ln -sfn -- /etc/nginx/sites-available/a /etc/nginx/sites-enabled/a'] }] }],
  ['file', { path: '/etc/nginx/sites-enabled/default', state: 'absent' }, { path: absent }, { ok: '/etc/nginx/sites-enabled/default is absent', changes: [] }],
  ['file', { path: '/etc/nginx/sites-enabled/default', state: 'absent' }, { path: { exists: true, type: 'link', linkTarget: 'x' } }, { changes: [{ summary: 'remove /etc/nginx/sites-enabled/default', steps: ['rm -rf -- /etc/nginx/sites-enabled/default'] }] }],
  ['copy', { dest: '/etc/motd', content: 'hi\n' }, { dest: file('hi\n') }, { ok: '/etc/motd is up to date', changes: [] }],
  ['copy', { dest: '/etc/motd', content: 'hi\n' }, { dest: file('old\n') }, { changes: [{ summary: 'update /etc/motd', steps: ['write /etc/motd'] }] }],
  ['copy', { dest: '/opt/pa/.env', content: 'A=1\n', mode: '0600', owner: 'pa' }, { dest: absent }, { changes: [{ summary: 'create /opt/pa/.env (mode 0600, owner pa)', steps: ['write /opt/pa/.env 0600'] }] }],
  ['copy', { dest: '/opt/pa/.env', content: 'A=1\n', mode: '0600' }, { dest: file('A=1\n') }, { changes: [{ summary: 'set mode: 0600 on /opt/pa/.env', steps: ['chmod 0600 -- /opt/pa/.env'] }] }],
  ['service', { name: 'nginx', state: 'started', enabled: true }, { unit: unit('active', 'enabled') }, { ok: 'nginx.service is active, enabled', changes: [] }],
  ['service', { name: 'nginx', state: 'started', enabled: true }, { unit: unit('inactive', 'disabled') }, { changes: [{ summary: 'enable nginx.service', steps: ['systemctl enable -- nginx.service'] }, { summary: 'start nginx.service', steps: ['systemctl start -- nginx.service'] }] }],
  ['service', { name: 'nginx', state: 'reloaded' }, { unit: unit('active', 'enabled') }, { changes: [{ summary: 'reload nginx.service', steps: ['systemctl reload -- nginx.service'] }] }],
  ['service', { name: 'nginx', state: 'stopped' }, { unit: unit('inactive', 'enabled') }, { ok: 'nginx.service is inactive', changes: [] }],
  ['user', { name: 'pa', system: true, shell: '/usr/sbin/nologin', home: '/opt/pa' }, { user: user() }, { ok: 'user pa exists as wanted', changes: [] }],
  ['user', { name: 'pa', system: true, shell: '/usr/sbin/nologin', home: '/opt/pa' }, { user: { exists: false } }, { changes: [{ summary: 'create system user pa', steps: ['useradd --system --shell /usr/sbin/nologin --home-dir /opt/pa --no-create-home --user-group -- pa'] }] }],
  ['user', { name: 'pa', shell: '/bin/bash', groups: ['www-data'], append: true }, { user: user() }, { changes: [{ summary: 'update user pa (shell, groups)', steps: ['usermod --shell /bin/bash --append --groups www-data -- pa'] }] }],
  ['group', { name: 'pa', system: true }, { group: { exists: true, gid: 998 } }, { ok: 'group pa exists', changes: [] }],
  ['group', { name: 'pa', system: true }, { group: { exists: false } }, { changes: [{ summary: 'create group pa', steps: ['groupadd --system -- pa'] }] }],
] as [string, unknown, Record<string, unknown>, ReturnType<typeof shape>][])('%s %j', (type, args, facts, expected) => {
  it(`plans ${expected.changes.length ? expected.changes.map((c) => c.summary).join('; ') : 'nothing'}`, () => {
    expect(shape(plan(type, args, facts))).toEqual(expected);
  });
});

describe('refusals', () => {
  it('file: will not turn a file into a directory, or replace a file with a link without force', () => {
    expect(() => plan('file', { path: '/a', state: 'directory' }, { path: file('x') })).toThrow(/not a directory/);
    expect(() => plan('file', { path: '/a', state: 'link', src: '/b' }, { path: file('x') })).toThrow(/force: true/);
    expect(shape(plan('file', { path: '/a', state: 'link', src: '/b', force: true }, { path: file('x') })).changes[0].steps).toEqual(['rm -rf -- /a', 'ln -sfn -- /b /a']);
  });
  it('copy: will not overwrite a directory', () => {
    expect(() => plan('copy', { dest: '/etc', content: 'x' }, { dest: dir() })).toThrow(/is a directory/);
  });
});

describe('hostile values are rejected by the schemas', () => {
  it.each([
    ['user', { name: 'pa; rm -rf /' }],
    ['user', { name: '-o' }],
    ['group', { name: 'a b' }],
    ['file', { path: '/etc/../root', state: 'directory' }],
    ['file', { path: '/x', state: 'directory', owner: 'root;id' }],
    ['service', { name: '-H evil', state: 'started' }],
    ['service', { name: 'nginx; reboot', state: 'started' }],
    ['copy', { dest: 'relative', content: 'x' }],
  ])('%s %j', (type, args) => {
    expect(getTaskType(type)!.schema.safeParse(args).success).toBe(false);
  });
});

describe('every task type documents itself', () => {
  it.each(allTaskTypes().map((t) => [t.name, t] as const))('%s: its example parses with its own schema', (_name, t) => {
    const example = parse(t.example) as Record<string, unknown>[];
    const task = Array.isArray(example) ? example[0] : example;
    expect(task).toHaveProperty(t.name);
    const result = t.schema.safeParse(task[t.name]);
    expect(result.error?.message).toBeUndefined();
    expect(t.summary.length).toBeGreaterThan(5);
  });
});
