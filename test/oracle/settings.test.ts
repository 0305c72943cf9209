import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { loadSettings, type ProjectSettings } from '../../src/settings/index.js';
import { SETTINGS, type SettingName } from '../../src/settings/keys.js';
import { CLI } from '../support/provision.js';

/**
 * ansible.cfg against Ansible: each case lays out files (the current
 * directory, a home, an ANSIBLE_CONFIG elsewhere) and environment variables,
 * asks `ansible-config dump -t all --only-changed -f json` (ansible-core 2.14)
 * which file it read and every setting provision reads (value and origin), and
 * asks provision's loadSettings the same, with the same directory, home and
 * environment. A file Ansible refuses must be refused by provision, with its line.
 */
const run = promisify(execFile);

interface Case {
  name: string;
  /** Files by path: `cwd/...`, `home/...`, `other/...` (directories made as needed); bytes where the encoding matters. */
  files: Record<string, string | Buffer>;
  env?: Record<string, string>;
  /** Make the current directory writable by everyone. */
  worldWritableCwd?: boolean;
  /** Ansible refuses the file: provision must too, naming this line. */
  errorLine?: number;
}

const ALL_KEYS = `[defaults]
inventory = inventory/hosts.ini, ~/shared/inventory.yaml
roles_path = roles:~/roles:/opt/roles/../shared-roles
vault_password_file = secrets/vault-pass.txt
vault_identity_list = dev@secrets/dev.txt, prod@prompt
forks = 7
remote_user = deploy
private_key_file = keys/id_ed25519
host_key_checking = False
timeout = 25

[privilege_escalation]
become = yes
become_user = root
`;

const cases: Case[] = [
  { name: 'every key provision reads, relative paths from the file\'s directory, ~ from HOME', files: { 'cwd/ansible.cfg': ALL_KEYS } },
  {
    name: 'comments: # and ; lines, " ;" ends a value, " #" and ";" without a space do not',
    files: { 'cwd/ansible.cfg': '# a comment\n; another\n[defaults]\n  # indented comment\nforks = 9 ; inline\nremote_user = ops # not a comment\nprivate_key_file = keys/a;b\nvault_password_file=pw;x\n' },
  },
  { name: 'a value continued on indented lines (a pathlist over three lines)', files: { 'cwd/ansible.cfg': '[defaults]\ninventory = one.ini,\n    two.ini,\n\n    ../three.ini\nforks = 3\n' } },
  { name: 'keys in any case, ":" as separator; a [Defaults] section is another section', files: { 'cwd/ansible.cfg': '[defaults]\nFORKS: 4\nRemote_User = Admin\n[Defaults]\ntimeout = 99\n' } },
  { name: '[DEFAULT] values fill every section', files: { 'cwd/ansible.cfg': '[DEFAULT]\nforks = 6\nbecome = true\n[defaults]\nremote_user = u1\n[privilege_escalation]\n' } },
  { name: 'booleans: on, 0', files: { 'cwd/ansible.cfg': '[defaults]\nhost_key_checking = 0\n[privilege_escalation]\nbecome = on\n' } },
  { name: 'booleans: 1, off', files: { 'cwd/ansible.cfg': '[defaults]\nhost_key_checking = off\n[privilege_escalation]\nbecome = 1\n' } },
  { name: 'booleans: YES, n; [ssh_connection] host_key_checking wins over [defaults]', files: { 'cwd/ansible.cfg': '[defaults]\nhost_key_checking = YES\n[ssh_connection]\nhost_key_checking = n\n[privilege_escalation]\nbecome = YES\n' } },
  { name: 'booleans: t, f, True', files: { 'cwd/ansible.cfg': '[defaults]\nhost_key_checking = True\n[privilege_escalation]\nbecome = f\n' } },
  {
    name: 'environment over the file; relative env paths from the current directory; ANSIBLE_SSH_HOST_KEY_CHECKING over ANSIBLE_HOST_KEY_CHECKING',
    files: { 'cwd/ansible.cfg': ALL_KEYS },
    env: { ANSIBLE_FORKS: '12', ANSIBLE_REMOTE_USER: 'envuser', ANSIBLE_INVENTORY: 'env-inv.yaml,~/b.ini', ANSIBLE_ROLES_PATH: '~/r1:r2', ANSIBLE_PRIVATE_KEY_FILE: 'k', ANSIBLE_HOST_KEY_CHECKING: 'no', ANSIBLE_SSH_HOST_KEY_CHECKING: 'yes', ANSIBLE_TIMEOUT: '3', ANSIBLE_BECOME: 'false', ANSIBLE_VAULT_PASSWORD_FILE: 'pw' },
  },
  { name: 'an empty ANSIBLE_FORKS means the default, even over the file\'s forks (as in Ansible)', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 8\n' }, env: { ANSIBLE_FORKS: '' } },
  { name: 'ANSIBLE_CONFIG names a file elsewhere: it wins over ./ansible.cfg, paths relative to it', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 1\n', 'other/conf/project.cfg': '[defaults]\nforks = 2\ninventory = hosts\nprivate_key_file = ../k\n' }, env: { ANSIBLE_CONFIG: '../other/conf/project.cfg' } },
  { name: 'ANSIBLE_CONFIG names a directory: its ansible.cfg', files: { 'other/ansible.cfg': '[defaults]\nremote_user = fromdir\n' }, env: { ANSIBLE_CONFIG: '~/../other' } },
  { name: 'ANSIBLE_CONFIG names nothing that exists: the next candidate, ./ansible.cfg', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 5\n' }, env: { ANSIBLE_CONFIG: '/nonexistent/ansible.cfg' } },
  { name: 'no ./ansible.cfg: ~/.ansible.cfg, paths relative to HOME', files: { 'home/.ansible.cfg': '[defaults]\nforks = 4\nprivate_key_file = .ssh/deploy\n' } },
  { name: 'a world-writable current directory is skipped (with a warning): ~/.ansible.cfg', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 1\n', 'home/.ansible.cfg': '[defaults]\nforks = 2\n' }, worldWritableCwd: true },
  { name: '$VAR and ${VAR} in paths, {{CWD}}, quotes kept in paths and removed around strings', files: { 'cwd/ansible.cfg': '[defaults]\nprivate_key_file = $KEYDIR/${KEYNAME}\nroles_path = {{CWD}}/roles:$UNSET_VAR/r\nremote_user = "quoted user"\nvault_password_file = \'pw file\'\n' }, env: { KEYDIR: '/srv/keys', KEYNAME: 'id_rsa' } },
  { name: 'whole numbers as Python reads them: leading zeros, +, underscores', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 0012\ntimeout = +1_0\n' } },
  { name: 'an empty value and an empty file section', files: { 'cwd/ansible.cfg': '[defaults]\nremote_user =\n[privilege_escalation]\n' } },
  { name: '[defaults] home, relative to the file\'s directory', files: { 'cwd/ansible.cfg': '[defaults]\nhome = ../ansible-home\n' } },
  { name: '$ANSIBLE_HOME over [defaults] home, ~ expanded', files: { 'cwd/ansible.cfg': '[defaults]\nhome = h\n' }, env: { ANSIBLE_HOME: '~/from-env' } },
  { name: 'a Latin-1 byte in a comment changes nothing', files: { 'cwd/ansible.cfg': Buffer.concat([Buffer.from('# caf\xe9 comment\n[defaults]\nforks = 3 ; d\xe9j\xe0\n  # \xff\n', 'latin1'), Buffer.from('remote_user = ren\u00e9\n', 'utf8')]) } },
  { name: 'refused: a key set twice', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 1\nforks = 2\n' }, errorLine: 3 },
  { name: 'refused: a setting before any section', files: { 'cwd/ansible.cfg': 'forks = 1\n[defaults]\n' }, errorLine: 1 },
  { name: 'refused: a line with no = or :', files: { 'cwd/ansible.cfg': '[defaults]\nforks 3\n' }, errorLine: 2 },
  { name: 'refused: forks that is not a whole number', files: { 'cwd/ansible.cfg': '[defaults]\ntimeout = 10\nforks = five\n' }, errorLine: 3 },
  { name: 'refused: a section twice', files: { 'cwd/ansible.cfg': '[defaults]\nforks = 1\n[defaults]\ntimeout = 2\n' }, errorLine: 3 },
];

interface Layout {
  cwd: string;
  home: string;
  env: Record<string, string>;
}

function layOut(c: Case): Layout {
  const root = mkdtempSync(join(tmpdir(), 'provision-settings-'));
  const cwd = join(root, 'cwd');
  const home = join(root, 'home');
  for (const dir of [cwd, home, join(root, 'other')]) mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(c.files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  if (c.worldWritableCwd) chmodSync(cwd, 0o777);
  // Only the case's variables: none of the machine's ANSIBLE_* may leak in.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ANSIBLE_NOCOLOR: '1', ...c.env };
  return { cwd, home, env };
}

interface AnsibleEntry {
  name: string;
  origin: string;
  value: unknown;
}

type AnsibleDump = { ok: true; file: string | null; entries: Map<string, AnsibleEntry>; stderr: string } | { ok: false; stderr: string };

async function ansibleDump(l: Layout): Promise<AnsibleDump> {
  try {
    const { stdout, stderr } = await run('ansible-config', ['dump', '-t', 'all', '--only-changed', '-f', 'json'], { cwd: l.cwd, env: l.env, timeout: 60_000 });
    const list = JSON.parse(stdout) as (AnsibleEntry | Record<string, unknown>)[];
    const entries = new Map<string, AnsibleEntry>();
    for (const e of list) if ('name' in e && typeof e.name === 'string') entries.set(e.name, e as AnsibleEntry);
    // The ssh connection plugin's own host_key_checking decides for ssh connections.
    const plugins = (list.find((e) => 'CONNECTION_PLUGINS' in e) as { CONNECTION_PLUGINS: Record<string, AnsibleEntry[]>[] }).CONNECTION_PLUGINS;
    const ssh = plugins.find((p) => 'ssh' in p)?.ssh ?? [];
    for (const e of ssh) if (e.name === 'host_key_checking') entries.set('host_key_checking', e);
    const file = entries.get('CONFIG_FILE')?.value as string | undefined;
    return { ok: true, file: file ?? null, entries, stderr };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr ?? err) };
  }
}

/** Ansible's origin words for where provision says a value came from. */
function ansibleOrigin(s: ProjectSettings, name: SettingName): string {
  const o = s.origins[name]!;
  if (o.source === 'env') return `env: ${o.name}`;
  if (o.source === 'file') return o.file;
  return 'default';
}

describe('ansible.cfg and ANSIBLE_* as ansible-config dump (ansible-core 2.14) reads them', () => {
  it.each(cases)('$name', async (c) => {
    const l = layOut(c);
    const theirs = await ansibleDump(l);
    let ours: ProjectSettings | ConfigError | ConfigErrors;
    try {
      ours = loadSettings({ cwd: l.cwd, env: l.env, home: l.home });
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof ConfigErrors)) throw err;
      ours = err;
    }
    if (c.errorLine !== undefined) {
      expect(theirs.ok, 'Ansible refuses this file').toBe(false);
      expect(ours).toBeInstanceOf(ConfigError);
      expect((ours as ConfigError).message).toContain(`ansible.cfg:${c.errorLine}:`);
      return;
    }
    if (!theirs.ok) throw new Error(`ansible-config failed: ${theirs.stderr}`);
    if (ours instanceof Error) throw ours;
    expect(ours.file ?? null).toBe(theirs.file);
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const entry = theirs.entries.get(SETTINGS[name].ansible);
      const set = ours.origins[name] && ours.origins[name]!.source !== 'default';
      expect(set ? { value: ours[name], origin: ansibleOrigin(ours, name) } : undefined, name).toEqual(entry && { value: entry.value, origin: entry.origin });
    }
    // A skipped world-writable directory is said, by both.
    expect(ours.warnings.some((w) => w.includes('world writable'))).toBe(theirs.stderr.includes('world writable'));
  });

  // Ansible's default roles_path is built on its home; the dump above lists only what is set, this one every default.
  it.each([
    { name: 'no home set', files: {} },
    { name: '[defaults] home', files: { 'other/ansible.cfg': '[defaults]\nhome = ./h\n' }, env: { ANSIBLE_CONFIG: '../other/ansible.cfg' } },
    { name: '$ANSIBLE_HOME, relative to the current directory', files: { 'cwd/ansible.cfg': '[defaults]\nhome = ignored\n' }, env: { ANSIBLE_HOME: 'env-home' } },
    { name: 'roles_path set: home does not matter', files: { 'cwd/ansible.cfg': '[defaults]\nhome = h\nroles_path = r\n' } },
  ] as Case[])('roles_path where $name is what Ansible uses', async (c) => {
    const l = layOut(c);
    const { stdout } = await run('ansible-config', ['dump', '-f', 'json'], { cwd: l.cwd, env: l.env, timeout: 60_000 });
    const rolesPath = (JSON.parse(stdout) as { name?: string; value?: unknown }[]).find((e) => e.name === 'DEFAULT_ROLES_PATH')?.value;
    expect(loadSettings({ cwd: l.cwd, env: l.env, home: l.home }).rolesPath).toEqual(rolesPath);
  });

  it('a Latin-1 byte in a value: Ansible keeps the raw byte (surrogateescape), provision refuses the line', async () => {
    const l = layOut({ name: 'latin-1', files: { 'cwd/ansible.cfg': Buffer.from('[defaults]\n# ok\xe9\nforks = 3\nremote_user = caf\xe9\n', 'latin1') } });
    const theirs = await ansibleDump(l);
    if (!theirs.ok) throw new Error(theirs.stderr);
    // Not "café": the byte itself, as a lone surrogate, which no UTF-8 reader produces.
    expect(theirs.entries.get('DEFAULT_REMOTE_USER')?.value).toBe('caf\udce9');
    expect(() => loadSettings({ cwd: l.cwd, env: l.env, home: l.home })).toThrow(new RegExp(`^${join(l.cwd, 'ansible.cfg')}:4: byte 0xE9 is not UTF-8`));
  });

  it('the ssh command Ansible runs uses the key, user and timeout provision reads (a relative key from the file\'s directory, run from elsewhere)', async () => {
    const l = layOut({ name: 'ssh', files: { 'other/conf/ansible.cfg': '[defaults]\nprivate_key_file = keys/k\nremote_user = "deploy"\ntimeout = 3\n' } });
    const env = { ...l.env, ANSIBLE_CONFIG: '../other/conf/ansible.cfg' };
    // Nothing listens on port 1: the run fails at once, after -vvv has printed the ssh command.
    const out = await run('ansible', ['all', '-i', '127.0.0.1,', '-e', 'ansible_port=1', '-m', 'ping', '-vvv'], { cwd: l.cwd, env, timeout: 60_000 }).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    const option = (name: string): string | undefined => new RegExp(`-o '?${name}="?([^"' ]*)`).exec(out)?.[1];
    const ours = loadSettings({ cwd: l.cwd, env, home: l.home });
    expect(ours.privateKeyFile).toBe(option('IdentityFile'));
    expect(ours.remoteUser).toBe(option('User'));
    expect(String(ours.timeout)).toBe(option('ConnectTimeout'));
  });

  it('provision config prints the same values and origins as ansible-config for the file', async () => {
    const l = layOut(cases[0]);
    const theirs = await ansibleDump(l);
    if (!theirs.ok) throw new Error(theirs.stderr);
    const cfg = join(l.cwd, 'ansible.cfg');
    const r = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      execFile(process.execPath, [CLI, 'config'], { cwd: l.cwd, env: l.env }, (err, stdout) => resolve({ stdout, code: err ? (err as { code?: number }).code ?? 1 : 0 }));
    });
    expect(r.code).toBe(0);
    const value = (name: string): unknown => theirs.entries.get(name)?.value;
    expect(r.stdout).toContain(`config file = ${theirs.file}`);
    expect(r.stdout).toContain(`inventory = ${(value('DEFAULT_HOST_LIST') as string[]).join(', ')} (${cfg}:2)`);
    expect(r.stdout).toContain(`roles_path = ${(value('DEFAULT_ROLES_PATH') as string[]).join(', ')} (${cfg}:3)`);
    expect(r.stdout).toContain(`forks = ${value('DEFAULT_FORKS')} (${cfg}:6)`);
    expect(r.stdout).toContain(`private_key_file = ${value('DEFAULT_PRIVATE_KEY_FILE')} (${cfg}:8)`);
    expect(r.stdout).toContain(`host_key_checking = ${value('host_key_checking')} (${cfg}:9)`);
    expect(r.stdout).toContain('timeout = 25');
  });
});
