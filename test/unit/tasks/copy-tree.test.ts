import { describe, expect, it } from 'vitest';
import type { LocalTree } from '../../../src/local-tree.js';
import type { Change } from '../../../src/plan.js';
import { parseTree, type TreeEntry, type TreeState } from '../../../src/tree-fact.js';
import { planTree, type DesiredTree } from '../../../src/tree-plan.js';

const H = (c: string): string => c.repeat(64);
const tree: LocalTree = {
  dirs: ['static'],
  files: [
    { rel: 'index.html', local: '/src/index.html', sha256: H('a'), size: 3, mode: '0644' },
    { rel: 'static/app.js', local: '/src/static/app.js', sha256: H('b'), size: 3, mode: '0644' },
  ],
};
const dir = (extra: Partial<TreeEntry> = {}): TreeEntry => ({ type: 'directory', mode: '0755', owner: 'root', group: 'root', ...extra });
const file = (sha: string, extra: Partial<TreeEntry> = {}): TreeEntry => ({ type: 'file', mode: '0644', owner: 'root', group: 'root', sha256: sha, ...extra });
const synced: Record<string, TreeEntry> = { '': dir(), static: dir(), 'index.html': file(H('a')), 'static/app.js': file(H('b')) };
const on = (entries: Record<string, TreeEntry>): TreeState => ({ kind: 'directory', entries });
const want = (extra: Partial<DesiredTree> = {}): DesiredTree => ({ root: '/srv/site', tree, delete: false, ...extra });

/** The plan as a person checks it: the diff's lines and the commands (uploads as "put PATH MODE OWNER"). */
function shape(c: Change | null): { lines: string[]; steps: string[] } | null {
  if (!c) return null;
  return {
    lines: c.diff?.kind === 'lines' ? c.diff.lines : [],
    steps: c.steps.map((s) => (s.kind === 'run' ? s.command : s.kind === 'upload' ? `put ${s.path} ${s.mode} ${s.owner ?? '-'}:${s.group ?? '-'}` : s.kind)),
  };
}

describe.each([
  ['nothing to do: the host matches', want(), on(synced), null],
  [
    'a new tree',
    want(),
    { kind: 'absent' },
    { lines: ['+ ./', '+ static/', '+ index.html', '+ static/app.js'], steps: ['mkdir -p -- /srv/site /srv/site/static', 'put /srv/site/index.html 0644 -:-', 'put /srv/site/static/app.js 0644 -:-'] },
  ],
  [
    'one file changed: only it is sent, keeping its mode and owner',
    want(),
    on({ ...synced, 'index.html': file(H('c'), { mode: '0600', owner: 'www-data' }) }),
    { lines: ['~ index.html'], steps: ['put /srv/site/index.html 0600 www-data:root'] },
  ],
  ['an extra file without delete: left alone', want(), on({ ...synced, 'old.css': file(H('d')) }), null],
  [
    'an extra file and directory with delete: removed (the directory once, not its contents)',
    want({ delete: true }),
    on({ ...synced, 'old.css': file(H('d')), old: dir(), 'old/x': file(H('e')) }),
    { lines: ['- old/', '- old.css'], steps: ['rm -rf -- /srv/site/old /srv/site/old.css'] },
  ],
  [
    'modes and owner: files and directories that differ, a few commands',
    want({ mode: '0640', directoryMode: '0750', owner: 'www-data' }),
    on({ ...synced, 'static/app.js': file(H('b'), { mode: '0640', owner: 'www-data' }) }),
    {
      lines: ['= index.html (owner root:root → www-data:root, mode 0644 → 0640)', '= ./ (owner root:root → www-data:root, mode 0755 → 0750)', '= static/ (owner root:root → www-data:root, mode 0755 → 0750)'],
      steps: ['chown www-data -- /srv/site/index.html', 'chmod 0640 -- /srv/site/index.html', 'chown www-data -- /srv/site /srv/site/static', 'chmod 0750 -- /srv/site /srv/site/static'],
    },
  ],
  [
    'new files with mode and owner; new directories get directory_mode after the files are in',
    want({ mode: '0600', directoryMode: '0700', owner: 'app', group: 'app' }),
    on({ '': dir({ owner: 'app', group: 'app', mode: '0700' }) }),
    {
      lines: ['+ static/', '+ index.html', '+ static/app.js'],
      steps: ['mkdir -p -- /srv/site/static', 'put /srv/site/index.html 0600 app:app', 'put /srv/site/static/app.js 0600 app:app', 'chown app:app -- /srv/site/static', 'chmod 0700 -- /srv/site/static'],
    },
  ],
  [
    'a symbolic link where a file goes: replaced by the file (rename replaces the link, never writes through it)',
    want(),
    on({ ...synced, 'index.html': { type: 'link', mode: '0777', owner: 'root', group: 'root' } }),
    { lines: ['+ index.html'], steps: ['put /srv/site/index.html 0644 -:-'] },
  ],
  [
    'a file where a directory goes, with delete: removed, then the directory made',
    want({ delete: true }),
    on({ '': dir(), static: file(H('f')), 'index.html': file(H('a')) }),
    { lines: ['- static', '+ static/', '+ static/app.js'], steps: ['rm -rf -- /srv/site/static', 'mkdir -p -- /srv/site/static', 'put /srv/site/static/app.js 0644 -:-'] },
  ],
] as [string, DesiredTree, TreeState, ReturnType<typeof shape>][])('%s', (_name, wanted, state, expected) => {
  it('plans exactly this', () => {
    expect(shape(planTree(wanted, state))).toEqual(expected);
  });
});

describe('refusals, before anything changes', () => {
  it('a file where a directory goes, without delete', () => {
    expect(() => planTree(want(), on({ '': dir(), static: file(H('f')) }))).toThrow('/srv/site/static is a file on the host where the source has a directory; remove it, or set delete: true');
  });
  it('a directory where a file goes, without delete', () => {
    expect(() => planTree(want(), on({ ...synced, 'index.html': dir() }))).toThrow('/srv/site/index.html is a directory on the host where the source has a file');
  });
  it('dest is not a directory', () => {
    expect(() => planTree(want(), { kind: 'not-directory' })).toThrow('/srv/site exists on the host and is not a directory');
  });
});

describe('parseTree reads find and sha256sum -z output', () => {
  it.each([
    ['absent', 'absent', { kind: 'absent' }],
    ['not a directory', 'not-directory', { kind: 'not-directory' }],
    [
      'names with newlines, pipes and spaces',
      `d|755|root|root|\0f|640|www-data|adm|a|b\nc d\0l|777|root|root|lnk\0--provision-tree-sums--\0${H('1')}  ./a|b\nc d\0`,
      { kind: 'directory', entries: { '': dir(), 'a|b\nc d': file(H('1'), { mode: '0640', owner: 'www-data', group: 'adm' }), lnk: { type: 'link', mode: '0777', owner: 'root', group: 'root' } } },
    ],
  ])('%s', (_n, stdout, expected) => {
    expect(parseTree(stdout)).toEqual(expected);
  });
});
