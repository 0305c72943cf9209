import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { hostKeyCheckingWarning, loadSettings, type ProjectSettings } from '../../src/settings/index.js';
import { decodeConfigText } from '../../src/settings/config-text.js';
import { iniLookup, parseIni } from '../../src/settings/ini.js';
import { effectiveSettings, PROVISION_DEFAULTS, type CommandLineSettings } from '../../src/settings/precedence.js';
import { expandVars, resolvePath, toBoolean, toInteger } from '../../src/settings/values.js';

describe('parseIni: configparser as Ansible configures it', () => {
  const table: { text: string; section: string; key: string; value: string | undefined }[] = [
    { text: '', section: 'defaults', key: 'forks', value: undefined },
    { text: '[defaults]\nforks = 5\n', section: 'defaults', key: 'forks', value: '5' },
    { text: '[defaults]\nFoRkS: 5\n', section: 'defaults', key: 'forks', value: '5' },
    { text: '[defaults]\nuser = a ; comment\n', section: 'defaults', key: 'user', value: 'a' },
    { text: '[defaults]\nuser = a # kept\n', section: 'defaults', key: 'user', value: 'a # kept' },
    { text: '[defaults]\nuser = a;b\n', section: 'defaults', key: 'user', value: 'a;b' },
    { text: '[defaults]\nx = 1\n  2\n\n  3\n\n', section: 'defaults', key: 'x', value: '1\n2\n\n3' },
    { text: '[defaults]\nx = 1\n  # comment line\n  2\n', section: 'defaults', key: 'x', value: '1\n2' },
    { text: '[DEFAULT]\nx = d\n[defaults]\n', section: 'defaults', key: 'x', value: 'd' },
    { text: '[DEFAULT]\nx = d\n', section: 'defaults', key: 'x', value: undefined },
    { text: '[Defaults]\nx = 1\n', section: 'defaults', key: 'x', value: undefined },
    { text: '[defaults]\nx =\n', section: 'defaults', key: 'x', value: '' },
    { text: '[defaults]\r\nx = 1\r\n', section: 'defaults', key: 'x', value: '1' },
    { text: '[defaults]\nx = a = b\n', section: 'defaults', key: 'x', value: 'a = b' },
  ];
  it.each(table)('$text → [$section] $key = $value', ({ text, section, key, value }) => {
    expect(iniLookup(parseIni(text, 'ansible.cfg'), section, key)?.value).toBe(value);
  });

  it.each([
    ['x = 1\n', 1, 'before any \\[section\\]'],
    ['[defaults]\nx = 1\nx = 2\n', 3, 'set twice'],
    ['[a]\n[a]\n', 2, 'appears twice'],
    ['[defaults]\njust words\n', 2, 'expected key = value'],
    ['[defaults]\n= 1\n', 2, 'expected key = value'],
  ])('%j is refused at line %i', (text, line, words) => {
    expect(() => parseIni(text, 'ansible.cfg')).toThrow(new RegExp(`^ansible\\.cfg:${line}: .*${words}`));
  });

  it('remembers the line a value starts on', () => {
    expect(iniLookup(parseIni('[defaults]\n\n; c\nforks = 3\n', 'f'), 'defaults', 'forks')?.line).toBe(4);
  });
});

describe('values: Ansible\'s typing', () => {
  it.each([
    ['yes', true], ['On', true], ['1', true], ['t', true], ['y', true], ['TRUE', true],
    ['no', false], ['off', false], ['0', false], ['f', false], ['n', false], ['False', false],
  ])('boolean %s → %s', (text, value) => expect(toBoolean(text)).toEqual({ value }));
  it.each(['Flase', '', 'enabled', '2'])('boolean %j is an error (Ansible would read false)', (text) => expect(toBoolean(text)).toHaveProperty('problem'));
  it.each([['5', 5], [' 07 ', 7], ['+3', 3], ['1_000', 1000], ['-2', -2]])('integer %j → %i', (text, value) => expect(toInteger(text)).toEqual({ value }));
  it.each(['5.0', '1__0', '_1', 'five', '', '0x10'])('integer %j is an error', (text) => expect(toInteger(text)).toHaveProperty('problem'));

  const c = { env: { HOME: '/h', V: 'val' }, home: '/h', base: '/cfg', cwd: '/cwd' };
  it.each([
    ['keys/id', '/cfg/keys/id'],
    ['~/x', '/h/x'],
    ['~', '/h'],
    ['/abs/../y/', '/y'],
    ['$V/${V}/$NOPE', '/cfg/val/val/$NOPE'],
    ['{{CWD}}/r', '/cwd/r'],
    ['~user/x', '/cfg/~user/x'],
  ])('path %j → %j', (text, value) => expect(resolvePath(text, c)).toBe(value));
  it('nothing to expand: text as written', () => expect(expandVars('plain', {})).toBe('plain'));
});

describe('precedence: flag > environment > ansible.cfg > provision\'s default', () => {
  const none: ProjectSettings = { home: '/h/.ansible', rolesPath: ['/r'], origins: { home: { source: 'default' }, rolesPath: { source: 'default' } }, warnings: [] };
  const fromFile: ProjectSettings = { ...none, forks: 7, remoteUser: 'cfg', become: true, origins: { ...none.origins, forks: { source: 'file', file: 'a.cfg', line: 2 }, remoteUser: { source: 'file', file: 'a.cfg', line: 3 }, become: { source: 'file', file: 'a.cfg', line: 5 } } };
  const fromEnv: ProjectSettings = { ...fromFile, forks: 9, origins: { ...fromFile.origins, forks: { source: 'env', name: 'ANSIBLE_FORKS' } } };
  const table: { case: string; s: ProjectSettings; flags: CommandLineSettings; forks: [number, string]; user?: [string, string]; become: [boolean, string] }[] = [
    { case: 'nothing set anywhere: the defaults', s: none, flags: {}, forks: [PROVISION_DEFAULTS.forks, 'default'], become: [false, 'default'] },
    { case: 'the file', s: fromFile, flags: {}, forks: [7, 'file'], user: ['cfg', 'file'], become: [true, 'file'] },
    { case: 'the environment over the file (loadSettings ordered them)', s: fromEnv, flags: {}, forks: [9, 'env'], user: ['cfg', 'file'], become: [true, 'file'] },
    { case: 'flags over both', s: fromEnv, flags: { forks: 2, user: 'flag', become: true }, forks: [2, 'flag'], user: ['flag', 'flag'], become: [true, 'flag'] },
  ];
  it.each(table)('$case', ({ s, flags, forks, user, become }) => {
    const e = effectiveSettings(s, flags);
    expect([e.forks.value, e.forks.origin.source]).toEqual(forks);
    expect(e.remoteUser && [e.remoteUser.value, e.remoteUser.origin.source]).toEqual(user);
    expect([e.become.value, e.become.origin.source]).toEqual(become);
  });
  it('-i given replaces the file\'s inventory; no -i keeps it', () => {
    const s: ProjectSettings = { ...none, inventory: ['/p/hosts'], origins: { ...none.origins, inventory: { source: 'file', file: 'a.cfg', line: 1 } } };
    expect(effectiveSettings(s, { inventory: ['x.yaml'] }).inventory.value).toEqual(['x.yaml']);
    expect(effectiveSettings(s, { inventory: [] }).inventory.value).toEqual(['/p/hosts']);
    expect(effectiveSettings(none, {}).inventory).toEqual({ value: ['inventory/hosts.yaml'], origin: { source: 'default' } });
  });
});

describe('loadSettings: what provision does not carry out', () => {
  /** The directory of the last load's layout: cwd/ (holding ansible.cfg) and home/. */
  let root = '';
  function load(cfg: string | undefined, env: Record<string, string> = {}): ProjectSettings {
    root = mkdtempSync(join(tmpdir(), 'provision-settings-unit-'));
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    if (cfg !== undefined) writeFileSync(join(cwd, 'ansible.cfg'), cfg);
    return loadSettings({ cwd, env, home: join(root, 'home') });
  }
  const errorOf = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      if (err instanceof ConfigError || err instanceof ConfigErrors) return err.message;
      throw err;
    }
    return '';
  };

  it('no file, no variable: nothing set, no warning (Ansible\'s roles_path default)', () => {
    const s = load(undefined, { ANSIBLE_HOME: '/ah' });
    expect(s).toMatchObject({ file: undefined, warnings: [], home: '/ah', rolesPath: ['/ah/roles', '/usr/share/ansible/roles', '/etc/ansible/roles'] });
    expect(s.origins).toEqual({ home: { source: 'env', name: 'ANSIBLE_HOME' }, rolesPath: { source: 'default' } });
  });
  it.each([
    ['no home anywhere: ~/.ansible', undefined, {}, 'home/.ansible/roles'],
    ['[defaults] home, relative to the file', '[defaults]\nhome = ../h\n', {}, 'h/roles'],
    ['$ANSIBLE_HOME over the file', '[defaults]\nhome = ../h\n', { ANSIBLE_HOME: '../eh' }, 'eh/roles'],
  ])('the default roles_path follows Ansible\'s home: %s', (_name, cfg, env, expected) => {
    // $ANSIBLE_HOME is relative to the current directory, as the file's home is to the file's.
    expect(load(cfg, env as Record<string, string>).rolesPath[0]).toBe(join(root, expected));
  });
  it.each([
    ['[privilege_escalation]\nbecome_method = su\n', /ansible\.cfg:2: \[privilege_escalation\] become_method: su is not supported/],
    ['[privilege_escalation]\nbecome_user = postgres\n', /ansible\.cfg:2: become_user: become_user postgres is not supported/],
    ['[defaults]\nask_pass = True\n', /ansible\.cfg:2: \[defaults\] ask_pass: True is not supported/],
    ['[defaults]\ntransport = paramiko\n', /ansible\.cfg:2: \[defaults\] transport/],
    ['[defaults]\nremote_port = 2222\n', /ansible\.cfg:2: \[defaults\] remote_port/],
    ['[defaults]\nhost_key_checking = Flase\n', /ansible\.cfg:2: \[defaults\] host_key_checking: "Flase" is not a boolean/],
    ['[defaults]\nforks = 0\n', /ansible\.cfg:2: forks: forks must be 1 or more/],
  ])('%j is an error naming file:line', (cfg, message) => expect(errorOf(() => load(cfg))).toMatch(message));
  it('a variable Ansible would read as false is an error naming it', () => {
    expect(errorOf(() => load(undefined, { ANSIBLE_HOST_KEY_CHECKING: '' }))).toMatch(/ANSIBLE_HOST_KEY_CHECKING: "" is not a boolean/);
    expect(errorOf(() => load(undefined, { ANSIBLE_BECOME_METHOD: 'doas' }))).toMatch(/\$ANSIBLE_BECOME_METHOD=doas is not supported/);
  });
  it.each([
    ['[privilege_escalation]\nbecome_method = sudo\nbecome_user = root\n', 0],
    ['[defaults]\ngathering = implicit\ntransport = smart\n', 0],
    ['[defaults]\ngathering = explicit\n[ssh_connection]\npipelining = True\nssh_args = -C\n', 3],
  ])('%j: %i warnings', (cfg, n) => expect(load(cfg).warnings).toHaveLength(n));
  it.each([
    ['[defaults]\n\nhost_key_checking = no\n', {}, /ansible\.cfg:3: host_key_checking is off/],
    ['[defaults]\nhost_key_checking = yes\n', { ANSIBLE_SSH_HOST_KEY_CHECKING: 'false' }, /^\$ANSIBLE_SSH_HOST_KEY_CHECKING: host_key_checking is off/],
    ['[defaults]\nhost_key_checking = yes\n', {}, undefined],
    ['', {}, undefined],
  ])('host_key_checking off is a warning naming where it was set: %j %j', (cfg, env, message) => {
    const warning = hostKeyCheckingWarning(load(cfg, env as Record<string, string>));
    if (message) expect(warning).toMatch(message);
    else expect(warning).toBeUndefined();
  });
});

describe('ansible.cfg bytes that are not UTF-8: fine in a comment, refused in a value', () => {
  const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
  it.each([
    { name: 'nothing to do: UTF-8 text', bytes: Buffer.from('[defaults]\nremote_user = ren\u00e9\n'), lines: {} },
    { name: 'a Latin-1 é on line 2', bytes: latin1('[defaults]\n# caf\xe9\nforks = 1\n'), lines: { 2: 0xe9 } },
    { name: 'CRLF and CR lines counted as parseIni counts them', bytes: latin1('[defaults]\r\n#\r#\xff\r\nx = \xc3(\n'), lines: { 3: 0xff, 4: 0xc3 } },
    { name: 'a sequence cut short at the end', bytes: Buffer.from([0x78, 0x3d, 0xe2, 0x82]), lines: { 1: 0xe2 } },
  ])('$name', ({ bytes, lines }) => {
    expect(Object.fromEntries(decodeConfigText(bytes).undecodable)).toEqual(lines);
  });
  const read = (bytes: Buffer) => {
    const { text, undecodable } = decodeConfigText(bytes);
    return parseIni(text, 'ansible.cfg', undecodable);
  };
  it('in a comment, whole-line or after " ;": read as if it were not there', () => {
    expect(iniLookup(read(latin1('# caf\xe9\n[defaults]\nforks = 3 ; d\xe9j\xe0\n')), 'defaults', 'forks')?.value).toBe('3');
  });
  it.each([
    ['in a value', '[defaults]\nremote_user = caf\xe9\n', 2, 'E9'],
    ['after " #", which is part of the value', '[defaults]\nforks = 3 # \xe9\n', 2, 'E9'],
    ['in a key', '[defaults]\nf\xf6rks = 3\n', 2, 'F6'],
    ['in a section header', '[d\xe9faults]\n', 1, 'E9'],
    ['on a continuation line', '[defaults]\ninventory = a,\n  \xe9\n', 3, 'E9'],
  ])('%s: an error naming the line and the byte', (_name, text, line, hex) => {
    expect(() => read(latin1(text))).toThrow(new RegExp(`^ansible\\.cfg:${line}: byte 0x${hex} is not UTF-8`));
  });
});
