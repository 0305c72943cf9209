import { describe, expect, it } from 'vitest';
import type { FileState } from '../../../src/facts.js';
import type { PlanContext } from '../../../src/task-type.js';
import { fetchDestination, fetchTask, type LocalFileState } from '../../../tasks/fetch.js';

const ctx: PlanContext = { host: 'web1', sshPort: 22 };
const H = (c: string): string => c.repeat(64);
const onHost = (sha: string): FileState => ({ exists: true, type: 'file', mode: '0600', owner: 'root', group: 'root', size: 10, sha256: sha });
const args = (extra: Record<string, unknown> = {}) => fetchTask.schema.parse({ src: '/var/backups/app.tgz', dest: '/ctl/backups/', ...extra });

describe.each([
  // [name, args, host file, local file, expected summary or ok]
  ['nothing to do: the controller has the same bytes', args(), onHost(H('a')), { exists: true, sha256: H('a') }, { ok: '/ctl/backups/web1/var/backups/app.tgz matches /var/backups/app.tgz' }],
  ['new: fetched into dest/HOST/path', args(), onHost(H('a')), { exists: false }, { summary: 'fetch /var/backups/app.tgz to /ctl/backups/web1/var/backups/app.tgz', line: `+ /ctl/backups/web1/var/backups/app.tgz: sha256 ${H('a')} (10 bytes)` }],
  ['changed on the host: fetched again', args({ flat: true }), onHost(H('b')), { exists: true, sha256: H('a') }, { summary: 'fetch /var/backups/app.tgz to /ctl/backups/app.tgz', line: `~ /ctl/backups/app.tgz: sha256 ${H('a')} → ${H('b')} (10 bytes)` }],
  ['missing with fail_on_missing: false', args({ fail_on_missing: false }), { exists: false }, { exists: false }, { ok: '/var/backups/app.tgz does not exist on the host; nothing to fetch' }],
] as [string, ReturnType<typeof args>, FileState, LocalFileState, { ok?: string; summary?: string; line?: string }][])('%s', (_n, a, src, local, expected) => {
  it('plans exactly this', () => {
    const plan = fetchTask.plan(a, { src, local } as never, ctx);
    if (expected.ok) return expect(plan).toEqual({ changes: [], ok: expected.ok });
    expect(plan.changes.map((c) => c.summary)).toEqual([expected.summary]);
    expect(plan.changes[0].diff).toEqual({ kind: 'lines', lines: [expected.line] });
    expect(plan.changes[0].steps).toEqual([{ kind: 'download', path: '/var/backups/app.tgz', local: fetchDestination(a, 'web1'), sha256: src.sha256 }]);
  });
});

describe('fetch refuses what it cannot do', () => {
  it.each([
    ['missing src (fail_on_missing defaults to true, as in Ansible)', args(), { exists: false }, { exists: false }, '/var/backups/app.tgz does not exist on the host'],
    ['a directory on the host', args(), { exists: true, type: 'directory' }, { exists: false }, 'is a directory on the host; fetch copies regular files'],
    ['flat onto a local directory', args({ flat: true, dest: '/ctl/backups' }), onHost(H('a')), { exists: true, directory: true }, '/ctl/backups is a directory on the controller (with flat, end dest with "/"'],
  ] as [string, ReturnType<typeof args>, FileState, LocalFileState, string][])('%s', (_n, a, src, local, message) => {
    expect(() => fetchTask.plan(a, { src, local } as never, ctx)).toThrow(message);
  });
});

describe('fetchDestination (Ansible layout)', () => {
  it.each([
    [{}, '/ctl/backups/web1/var/backups/app.tgz'],
    [{ dest: '/ctl/backups' }, '/ctl/backups/web1/var/backups/app.tgz'],
    [{ flat: true }, '/ctl/backups/app.tgz'],
    [{ flat: true, dest: '/ctl/latest.tgz' }, '/ctl/latest.tgz'],
  ])('%j → %s', (extra, path) => {
    expect(fetchDestination(args(extra), 'web1')).toBe(path);
  });
});
