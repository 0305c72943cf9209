import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FileState, PasswdEntry } from '../../../src/facts.js';
import { sha256 } from '../../../src/file-plan.js';
import type { Plan, WriteStep } from '../../../src/plan.js';
import { getTaskType } from '../../../tasks/index.js';
import { locationFact, parseLocation, planStreamlitConfig, relativeDirs, renderConfig, streamlitConfig, type ConfigLocation, type StreamlitConfigArgs } from '../../../tasks/streamlit-config.js';

const args = (a: Record<string, unknown>): StreamlitConfigArgs => streamlitConfig.schema.parse(a);
const commands = (p: Plan): string[] => p.changes.flatMap((c) => c.steps.map((s) => (s.kind === 'run' ? s.command : `write ${s.path} ${(s as WriteStep).mode ?? '-'} ${(s as WriteStep).owner ?? '-'}:${(s as WriteStep).group ?? '-'}`)));

// The RockTalk guide, section 7.
const ROCKTALK = {
  user: 'rocktalk',
  app_dir: '.rocktalk',
  settings: {
    server: { headless: true, enableCORS: false, enableXsrfProtection: false, port: 8502 },
    browser: { serverAddress: 'chat.example.com', serverPort: 443, gatherUsageStats: false, disconnectedSessionTTL: 2592000 },
  },
};
const ROCKTALK_TOML = `# Managed by provision: changes made here are overwritten.

[server]
headless = true
enableCORS = false
enableXsrfProtection = false
port = 8502

[browser]
serverAddress = "chat.example.com"
serverPort = 443
gatherUsageStats = false
disconnectedSessionTTL = 2592000
`;

const alice: PasswdEntry = { exists: true, uid: 1000, gid: 1000, home: '/home/rocktalk', shell: '/bin/bash', groups: ['users', 'sudo'] };
const fileWith = (content: string, extra: Partial<FileState> = {}): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'rocktalk', group: 'users', size: content.length, sha256: sha256(content), ...extra });
const loc = (dirs: boolean[], file: FileState = { exists: false }): ConfigLocation => ({ userExists: true, dirs, file });

describe('streamlit_config schema', () => {
  it('is registered and its example parses', () => {
    expect(getTaskType('streamlit_config')).toBe(streamlitConfig);
    const [task] = parse(streamlitConfig.example);
    expect(streamlitConfig.schema.safeParse(task.streamlit_config).success).toBe(true);
  });

  it('every field is described', () => {
    for (const [k, v] of Object.entries((streamlitConfig.schema as any).shape)) expect((v as any).description, k).toBeTruthy();
  });

  it.each([
    [{ settings: {} }, 'exactly one of'],
    [{ settings: {}, user: 'a', path: '/x/config.toml' }, 'exactly one of'],
    [{ settings: {}, path: 'relative/config.toml' }, 'absolute'],
    [{ settings: {}, user: 'a', app_dir: '../../root' }, 'app_dir'],
    [{ settings: {}, user: 'a', app_dir: '/etc' }, 'app_dir'],
    [{ settings: {}, user: 'a', app_dir: 'x;rm -rf /' }, 'app_dir'],
    [{ settings: {}, user: 'a', app_dir: '-x' }, 'app_dir'],
    [{ settings: {}, user: 'Bad User' }, 'user'],
    [{ settings: { server: { port: 1 } }, user: 'a', mode: '999' }, 'octal'],
    [{ settings: { 'ser ver': { port: 1 } }, user: 'a' }, 'option name'],
    [{ settings: { server: { 'a.b': 1 } }, user: 'a' }, 'option name'],
    [{ settings: { server: 'x' }, user: 'a' }, 'settings'],
    [{ settings: { server: { port: null } }, user: 'a' }, 'port'],
    [{ settings: {}, user: 'a', home: '/x' }, 'home'],
  ])('rejects %j', (a, hint) => {
    const r = streamlitConfig.schema.safeParse(a);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toContain(hint);
  });
});

describe('streamlit_config rendering', () => {
  it('the RockTalk settings give the guide\'s config.toml, typed', () => {
    const text = renderConfig(args(ROCKTALK).settings) as string; // no secret in these settings
    expect(text).toBe(ROCKTALK_TOML);
    expect(parseToml(text)).toEqual(ROCKTALK.settings);
  });

  it('is deterministic and keeps the order given', () => {
    const s = { theme: { base: 'dark', primaryColor: '#F63366' }, server: { port: 1 } };
    expect(renderConfig(s)).toBe(renderConfig(structuredClone(s)));
    expect((renderConfig(s) as string).indexOf('[theme]')).toBeLessThan((renderConfig(s) as string).indexOf('[server]'));
  });

  it('one settings object (shared by compile across hosts) renders once; another object renders its own', () => {
    const s = { server: { port: 8501 } };
    const first = renderConfig(s);
    expect(renderConfig(s)).toBe(first);
    expect(renderConfig({ server: { port: 8502 } })).toContain('port = 8502');
  });

  it('quotes hostile strings as TOML strings', () => {
    const s = { browser: { serverAddress: 'x"\n[server]\nport = 1' } };
    const text = renderConfig(s) as string;
    expect(parseToml(text)).toEqual(s);
    expect(text).not.toContain('\n[server]');
  });

  it('nested tables and lists', () => {
    const s = { server: { folderWatchBlacklist: ['a', 'b'] }, theme: { sidebar: { backgroundColor: '#fff' } } };
    expect(parseToml(renderConfig(s) as string)).toEqual(s);
  });
});

describe('streamlit_config facts', () => {
  it('finds the file from the home directory on the host, quoted', () => {
    const f = locationFact(args(ROCKTALK));
    expect(f.script).toContain("getent passwd -- rocktalk | cut -d: -f6");
    expect(f.script).toContain(`"$base"/.rocktalk/.streamlit/config.toml`);
    expect(f.script).toContain(`if [ -d "$base"/.rocktalk ]`);
    expect(f.key).toBe('streamlit:rocktalk:.rocktalk');
    const g = locationFact(args({ settings: {}, path: "/srv/it's/.streamlit/config.toml" }));
    expect(g.script).toContain(`p='/srv/it'\\''s/.streamlit/config.toml'`);
  });

  it('parses user, directories and file state', () => {
    expect(parseLocation('nouser')).toEqual({ userExists: false, dirs: [], file: { exists: false } });
    expect(parseLocation('user\ndir 1\ndir 0\nabsent')).toEqual({ userExists: true, dirs: [true, false], file: { exists: false } });
    expect(parseLocation('user\ndir 1\ndir 1\nregular file|644|a|b|10\nabc  -')).toMatchObject({ dirs: [true, true], file: { exists: true, type: 'file', sha256: 'abc', owner: 'a' } });
  });

  it('directories between home and the file', () => {
    expect(relativeDirs('.')).toEqual(['.streamlit']);
    expect(relativeDirs('.rocktalk')).toEqual(['.rocktalk', '.rocktalk/.streamlit']);
    expect(relativeDirs('apps/flip')).toEqual(['apps', 'apps/flip', 'apps/flip/.streamlit']);
  });
});

describe('streamlit_config plan', () => {
  const path = '/home/rocktalk/.rocktalk/.streamlit/config.toml';
  const cases: { name: string; args: Record<string, unknown>; user?: PasswdEntry; location: ConfigLocation; ok?: string; commands?: string[]; summaries?: string[] }[] = [
    {
      name: 'fresh: creates each missing directory with the user\'s owner, then the file',
      args: ROCKTALK,
      user: alice,
      location: loc([false, false]),
      commands: [
        'test -d /home/rocktalk/.rocktalk || { mkdir -p -- /home/rocktalk/.rocktalk && chown rocktalk:users -- /home/rocktalk/.rocktalk ; }',
        'test -d /home/rocktalk/.rocktalk/.streamlit || { mkdir -p -- /home/rocktalk/.rocktalk/.streamlit && chown rocktalk:users -- /home/rocktalk/.rocktalk/.streamlit ; }',
        `write ${path} - rocktalk:users`,
      ],
      summaries: ['create /home/rocktalk/.rocktalk/, /home/rocktalk/.rocktalk/.streamlit/', `create ${path} (owner rocktalk:users)`],
    },
    {
      name: 'only the .streamlit directory is missing',
      args: { ...ROCKTALK, owner: 'root', group: 'rocktalk', mode: '0640' },
      user: alice,
      location: loc([true, false]),
      commands: [
        'test -d /home/rocktalk/.rocktalk/.streamlit || { mkdir -p -- /home/rocktalk/.rocktalk/.streamlit && chown root:rocktalk -- /home/rocktalk/.rocktalk/.streamlit ; }',
        `write ${path} 0640 root:rocktalk`,
      ],
    },
    {
      name: 'nothing to do',
      args: ROCKTALK,
      user: alice,
      location: loc([true, true], fileWith(ROCKTALK_TOML)),
      ok: `${path} is up to date`,
    },
    {
      name: 'drifted content is rewritten',
      args: ROCKTALK,
      user: alice,
      location: loc([true, true], fileWith('[server]\nport = 8501\n')),
      commands: [`write ${path} - rocktalk:users`],
      summaries: [`update ${path}`],
    },
    {
      name: 'drifted owner is fixed without rewriting',
      args: ROCKTALK,
      user: alice,
      location: loc([true, true], fileWith(ROCKTALK_TOML, { owner: 'root', group: 'root' })),
      commands: [`chown rocktalk:users -- ${path}`],
    },
    {
      name: 'the global config of a user: ~/.streamlit/config.toml',
      args: { ...ROCKTALK, app_dir: '.' },
      user: alice,
      location: loc([true]),
      commands: ['write /home/rocktalk/.streamlit/config.toml - rocktalk:users'],
    },
    {
      name: 'user not created yet (check mode of a playbook that creates it first): Debian defaults, and a guard',
      args: ROCKTALK,
      user: { exists: false },
      location: { userExists: false, dirs: [], file: { exists: false } },
      commands: [
        'id -u -- rocktalk',
        'test -d /home/rocktalk/.rocktalk || { mkdir -p -- /home/rocktalk/.rocktalk && chown rocktalk:rocktalk -- /home/rocktalk/.rocktalk ; }',
        'test -d /home/rocktalk/.rocktalk/.streamlit || { mkdir -p -- /home/rocktalk/.rocktalk/.streamlit && chown rocktalk:rocktalk -- /home/rocktalk/.rocktalk/.streamlit ; }',
        `write ${path} - rocktalk:rocktalk`,
      ],
      summaries: ['create /home/rocktalk/.rocktalk/, /home/rocktalk/.rocktalk/.streamlit/', `create ${path} (owner rocktalk:rocktalk) (user rocktalk does not exist yet: assuming home /home/rocktalk)`],
    },
    {
      name: 'absolute path, no owner: the parent directory is created as is',
      args: { settings: { server: { port: 8501 } }, path: '/opt/flip/.streamlit/config.toml' },
      location: loc([false]),
      commands: ['test -d /opt/flip/.streamlit || { mkdir -p -- /opt/flip/.streamlit ; }', 'write /opt/flip/.streamlit/config.toml - -:-'],
    },
    {
      name: 'odd characters in a home directory are quoted',
      args: ROCKTALK,
      user: { ...alice, home: "/srv/o'neil dir" },
      location: loc([true, false]),
      commands: [
        "test -d '/srv/o'\\''neil dir/.rocktalk/.streamlit' || { mkdir -p -- '/srv/o'\\''neil dir/.rocktalk/.streamlit' && chown rocktalk:users -- '/srv/o'\\''neil dir/.rocktalk/.streamlit' ; }",
        "write /srv/o'neil dir/.rocktalk/.streamlit/config.toml - rocktalk:users",
      ],
    },
  ];

  it.each(cases)('$name', (c) => {
    const plan = planStreamlitConfig(args(c.args), { user: c.user, location: c.location });
    if (c.ok !== undefined) {
      expect(plan.changes).toEqual([]);
      expect(plan.ok).toBe(c.ok);
      return;
    }
    if (c.commands) expect(commands(plan)).toEqual(c.commands);
    if (c.summaries) expect(plan.changes.map((ch) => ch.summary)).toEqual(c.summaries);
  });

  it('the diff is the TOML before and after', () => {
    const plan = planStreamlitConfig(args(ROCKTALK), { user: alice, location: loc([true, true], fileWith('old')) });
    expect(plan.changes[0].diff).toEqual({ kind: 'file', path, after: ROCKTALK_TOML });
  });
});
