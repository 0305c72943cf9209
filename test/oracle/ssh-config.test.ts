import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSshConfig, SshConfigError } from '../../src/ssh/config.js';
import { resolveEndpoint } from '../../src/ssh/endpoint.js';
import { normalise, provisionView, sshG, type Query } from '../support/ssh-g.js';

/**
 * Differential: each ssh_config file is resolved by provision and by
 * `ssh -G -F FILE [-l user] [-p port] HOST` (OpenSSH 9.2), and every field
 * provision uses is compared. `normalise` is the one place where ssh's
 * printed defaults are mapped to provision's equivalent ones.
 */
let dir: string;
const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'provision-oracle-sshcfg-'));
  // ssh expands ~ with the passwd home; provision with $HOME: make them one.
  process.env.HOME = userInfo().homedir;
  process.env.SSH_AUTH_SOCK = join(dir, 'agent.sock');
  process.env.ORACLE_VAR = 'or\'a"cle`$@:#';
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  Object.assign(process.env, saved);
  if (saved.SSH_AUTH_SOCK === undefined) delete process.env.SSH_AUTH_SOCK;
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text.replaceAll('DIR', dir));
  chmodSync(path, 0o644);
  return path;
}

/** [name, config, host names (and -l/-p) to resolve] */
const CASES: [string, string, Query[]][] = [
  ['Host case-sensitive, name lowercased after', 'Host Web1\n  User upper\nHost web*\n  HostName %h.example.com\n  Port 2201\n', [{ host: 'Web1' }, { host: 'web1' }, { host: 'WEB2' }]],
  ['keywords any case, = syntax, first value wins', 'HOST=a*\n  user = first\n  PORT=2222\n  User second\nhost *\n  Port 1\n  IdentitiesOnly=yes\n', [{ host: 'abc' }, { host: 'b' }, { host: 'abc', user: 'cli', port: 99 }]],
  ['Host negation and several patterns', 'Host * !bastion !db?\n  User everyone\nHost bastion db1\n  User special\n', [{ host: 'web' }, { host: 'bastion' }, { host: 'db1' }, { host: 'db12' }]],
  ['IdentityFile accumulates, quoting, duplicates once', 'Host *\n  IdentityFile "~/.ssh/key one"\n  IdentityFile ~/.ssh/id_%h_%r\nHost w*\n  IdentityFile /k/\'two words\'\n  IdentityFile ~/.ssh/id_%h_%r\n  IdentityFile key\\ three # comment\n', [{ host: 'web' }, { host: 'x', user: 'deploy' }]],
  ['Match host sees HostName; ProxyJump in Match', 'Host db\n  HostName prod-db.example.com\nHost direct\n  HostName prod-x\n  ProxyJump none\nMatch host prod-*\n  ProxyJump ops@bastion:2222,gw\n  User prod\n', [{ host: 'db' }, { host: 'prod-web' }, { host: 'direct' }, { host: 'staging' }]],
  ['Match originalhost, user, localuser, negation, several criteria', `Match originalhost db !user admin\n  Port 2001\nMatch user admin host db\n  Port 2002\nMatch localuser ${userInfo().username}\n  HostKeyAlias Local-Alias\nMatch !localuser nobody-here originalhost web\n  User webber\n`, [{ host: 'db' }, { host: 'db', user: 'admin' }, { host: 'web' }, { host: 'other' }]],
  ['Match all, !all, canonical and final (a second pass sees the final name)', 'Host alias\n  HostName Real.Example.COM\nMatch canonical host real.example.com\n  User canon\nMatch final host real.example.com\n  User final\nMatch !all\n  Port 1\nMatch all\n  IdentitiesOnly yes\n', [{ host: 'alias' }, { host: 'real.example.com' }, { host: 'other' }]],
  ['Host lines on the final pass match the final name', 'Host short\n  HostName long.example.com\nHost long.*\n  User by-final-name\nMatch final\n  Port 2022\n', [{ host: 'short' }, { host: 'long.x' }]],
  ['Include with globs, conditional Include, Match in an include stays inside it', 'Include DIR/inc/*.conf\nHost c\n  Include DIR/inc/only-c\nHost *\n  User last\n', [{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'z' }]],
  ['${VAR} and % tokens in known hosts files and IdentityAgent', 'Host *\n  UserKnownHostsFile ~/.ssh/kh_%h_%p "${ORACLE_VAR}/kh_%r" /kh/%n/%u/%i/%L/%l/%C/%k/%d %%lit\n  IdentityAgent ${HOME}/agent-%r.sock\n  HostName real-%h\n', [{ host: 'web', user: 'u', port: 2022 }, { host: 'db' }]],
  ['HostKeyAlias changes %k; GlobalKnownHostsFile list', 'Host *\n  HostKeyAlias Shared-Name\n  GlobalKnownHostsFile /etc/a /etc/b\n  UserKnownHostsFile /kh/%k\n', [{ host: 'x' }]],
  ['known hosts none, IdentityAgent none and SSH_AUTH_SOCK', 'Host n\n  UserKnownHostsFile none\n  GlobalKnownHostsFile none\n  IdentityAgent none\nHost s\n  IdentityAgent SSH_AUTH_SOCK\nHost v\n  IdentityAgent $ORACLE_SOCK\n', [{ host: 'n' }, { host: 's' }, { host: 'v' }]],
  ['StrictHostKeyChecking values provision honours, first wins', 'Host a\n  StrictHostKeyChecking accept-new\nHost b\n  StrictHostKeyChecking yes\nHost *\n  StrictHostKeyChecking no\n', [{ host: 'a' }, { host: 'b' }]],
  ['IgnoreUnknown, ignored keywords', 'IgnoreUnknown UseKeychain,Add*\nHost *\n  UseKeychain yes\n  AddFancyThing 1\n  ServerAliveInterval 30\n  Compression yes\n  ControlMaster auto\n  SendEnv LANG\n  User kept\n', [{ host: 'h' }]],
  ['ProxyCommand none means direct and blocks a later ProxyJump', 'Host a\n  ProxyCommand none\nHost * !gw\n  ProxyJump gw\n', [{ host: 'a' }, { host: 'b' }]],
  // Found by ssh-config-fuzz.test.ts: ssh -G prints an ssh:// hop as user@host:port; `Port +2200` is 2200 for ssh.
  ['ProxyJump as an ssh:// URI or with a comment; Port with a plus sign', 'Host a\n  ProxyJump ssh://u@gw:22\nHost b\n  ProxyJump bastion # via the bastion\nHost c\n  Port +2200\n', [{ host: 'a' }, { host: 'b' }, { host: 'c' }]],
  ['an IP address is not lowercased; Host * !pattern with address', 'Host 10.* !10.0.0.2\n  User ten\nHost FE80::*\n  User v6\n', [{ host: '10.0.0.1' }, { host: '10.0.0.2' }, { host: 'FE80::1' }]],
];

describe('ssh_config as `ssh -G` reads it', () => {
  beforeAll(() => {
    write('inc/10-a.conf', 'Host a\n  User from-a\nMatch all\n  Port 2010\n');
    write('inc/20-b.conf', 'Host b\n  HostName b.internal\n');
    write('inc/.hidden.conf', 'Host *\n  User hidden\n');
    write('inc/ignored.txt', 'Host *\n  User never\n');
    write('inc/only-c', 'User from-c\n');
    process.env.ORACLE_SOCK = join(dir, 'other.sock');
  });

  for (const [name, text, queries] of CASES) {
    it(name, () => {
      const file = write(`case-${name.replace(/\W+/g, '-')}`, text);
      for (const q of queries) {
        const ssh = sshG(file, q);
        expect(ssh.status, ssh.stderr).toBe(0);
        expect({ q, ...provisionView(file, q) }).toEqual({ q, ...normalise(ssh.out) });
      }
    });
  }
});

/** [name, config, host, the keyword line provision names] ssh honours these; provision stops, naming file:line. */
const REFUSED: [string, string, string, number][] = [
  ['ProxyCommand', 'Host *\n  ProxyCommand ssh -W %h:%p gw\n', 'h', 2],
  ['Match exec', 'Host x\n  User u\nMatch exec "true"\n  User e\n', 'h', 3],
  ['CertificateFile', 'Host h\n  CertificateFile ~/.ssh/id-cert.pub\n', 'h', 2],
  ['StrictHostKeyChecking no', 'Host *\n  StrictHostKeyChecking no\n', 'h', 2],
  ['CanonicalizeHostname yes', 'Match host h\n  CanonicalizeHostname yes\n', 'h', 2],
  ['PubkeyAuthentication no', 'Host *\n  PubkeyAuthentication no\n', 'h', 2],
  ['PreferredAuthentications without publickey', 'Host *\n  PreferredAuthentications password\n', 'h', 2],
  ['BindAddress', 'Host *\n  BindAddress 127.0.0.2\n', 'h', 2],
  ['KnownHostsCommand', 'Host *\n  KnownHostsCommand /bin/true %h\n', 'h', 2],
  ['RemoteCommand', 'Host *\n  RemoteCommand id\n', 'h', 2],
  ['AddressFamily inet6', 'Host *\n  AddressFamily inet6\n', 'h', 2],
  // Found by ssh-config-fuzz.test.ts: ssh 9.2 reads this as a jump host named "none".
  ['ProxyJump none followed by a comment', 'Host *\n  ProxyJump none # direct\n', 'h', 2],
  // Found by ssh-config-fuzz.test.ts: ssh looks the name up in /etc/services.
  ['Port given as a service name', 'Host *\n  Port ssh\n', 'h', 2],
];

describe('what provision refuses, ssh honours', () => {
  for (const [name, text, host, line] of REFUSED) {
    it(name, () => {
      const file = write(`refused-${name.replace(/\W+/g, '-')}`, text);
      expect(sshG(file, { host }).status).toBe(0);
      expect(() => provisionView(file, { host })).toThrow(SshConfigError);
      expect(() => provisionView(file, { host })).toThrow(new RegExp(`^${file}:${line}: `));
    });
  }

  it('a refused keyword in a block for another host changes nothing', () => {
    const file = write('refused-other', 'Host other\n  ProxyCommand nc %h %p\n  StrictHostKeyChecking no\nHost *\n  User u\n');
    expect(provisionView(file, { host: 'h' }).user).toBe('u');
  });
});

describe('errors as ssh', () => {
  const BAD: [string, string, number][] = [
    ['unknown keyword, even in an inactive block', 'Host nomatch\n  Frobnicate yes\n', 2],
    ['IgnoreUnknown after the keyword does not help', 'Host *\n  Frobnicate yes\nIgnoreUnknown Frobnicate\n', 2],
    ['a bad Port', 'Host x\n  Port 70000\n', 2],
    ['unterminated quote', 'Host *\n  User "abc\n', 2],
    ['no argument', 'Host *\n  User\n', 2],
    ['extra arguments', 'Host *\n  HostName a b\n', 2],
    ['an undefined ${VAR} in IdentityAgent', 'Host nomatch\n  IdentityAgent ${PROVISION_NO_SUCH_VAR}/s\n', 2],
    ['a Match attribute 9.2 does not know', 'Match address 10.0.0.0/8\n  User x\n', 1],
    ['none with other known hosts files', 'Host *\n  UserKnownHostsFile none /x\n', 2],
  ];
  for (const [name, text, line] of BAD) {
    it(name, () => {
      const file = write(`bad-${name.replace(/\W+/g, '-')}`, text);
      expect(sshG(file, { host: 'h' }).status).not.toBe(0);
      expect(() => provisionView(file, { host: 'h' })).toThrow(new RegExp(`^${file}:${line}: `));
    });
  }

  // Found by ssh-config-fuzz.test.ts: both refuse to reach a host through itself.
  it('a jump host that is the host itself: jumphost loop', () => {
    const file = write('bad-jump-loop', 'Host *\n  ProxyJump bastion\n');
    const ssh = sshG(file, { host: 'bastion' });
    expect(ssh.status).not.toBe(0);
    expect(ssh.stderr).toContain('jumphost loop via bastion');
    expect(() => provisionView(file, { host: 'bastion' })).toThrow(new RegExp(`^${file}:2: ProxyJump bastion: jumphost loop via bastion`));
    // Another login user is a loop too (the hop takes the same user).
    expect(sshG(file, { host: 'bastion', user: 'other' }).stderr).toContain('jumphost loop via bastion');
    expect(() => provisionView(file, { host: 'bastion', user: 'other' })).toThrow(/jumphost loop via bastion/);
  });

  it('a jump host whose own ProxyJump is itself: ssh fails when the hop reads the config again', () => {
    const file = write('bad-jump-loop-hop', 'Host *\n  ProxyJump bastion\n  BatchMode yes\n');
    // ssh -G does not follow the hops; ssh itself runs `ssh -W … bastion`, which refuses.
    expect(sshG(file, { host: 'bastion', port: 2222 }).status).toBe(0);
    const r = spawnSync('ssh', ['-F', file, '-p', '2222', 'bastion', 'true'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('jumphost loop via bastion');
    expect(() => provisionView(file, { host: 'bastion', port: 2222 })).toThrow(new RegExp(`^${file}:2: ProxyJump bastion: jumphost loop via bastion`));
  });

  it('an undefined ${VAR} in UserKnownHostsFile, when it applies', () => {
    const file = write('bad-kh-var', 'Host *\n  UserKnownHostsFile ${PROVISION_NO_SUCH_VAR}/kh\n');
    expect(sshG(file, { host: 'h' }).stderr).toContain('PROVISION_NO_SUCH_VAR');
    expect(() => provisionView(file, { host: 'h' })).toThrow(/:2: UserKnownHostsFile .*PROVISION_NO_SUCH_VAR/);
  });
});

describe('the system file', () => {
  it('is read after the user file, as ssh does without -F (compared through a file that includes both)', () => {
    const user = write('sys/user', 'Host *\n  User from-user\nHost h\n  Port 2200\n');
    const system = write('sys/system', 'Host *\n  User from-system\n  Port 2300\n  IdentityFile /sys/key\n');
    const both = write('sys/both', `Include ${user}\nInclude ${system}\n`);
    const mine = lookupSshConfig({ host: 'h', defaultUser: userInfo().username, files: [{ path: user, kind: 'user', checkPermissions: false }, { path: system, kind: 'system', checkPermissions: false }] });
    const ssh = normalise(sshG(both, { host: 'h' }).out);
    expect({ user: mine.user, port: String(mine.port), identityfile: mine.identityFiles }).toEqual({ user: ssh.user, port: ssh.port, identityfile: ssh.identityfile });
  });

  it('is not read with --ssh-config (ssh -F)', () => {
    const system = write('sys/system2', 'Host *\n  User from-system\n');
    const user = write('sys/user2', 'Host *\n  Port 2\n');
    const prev = process.env.PROVISION_SSH_SYSTEM_CONFIG;
    process.env.PROVISION_SSH_SYSTEM_CONFIG = system;
    try {
      // Not from-system: the local user, as `ssh -F user-file` would.
      expect(provisionView(user, { host: 'h' }).user).toBe(userInfo().username);
    } finally {
      if (prev === undefined) delete process.env.PROVISION_SSH_SYSTEM_CONFIG;
      else process.env.PROVISION_SSH_SYSTEM_CONFIG = prev;
    }
  });
});

// Found while fuzzing: ssh expands %h %n %p %r in ProxyJump (ssh -G prints them unexpanded, so
// the jump command ssh -v says it runs is the oracle).
describe('ProxyJump tokens', () => {
  it('are expanded as in the jump command ssh runs', () => {
    const file = write(
      'jump-tokens',
      'Host gw-*\n  HostName 127.0.0.1\n  Port 1\n  ProxyJump none\nHost *\n  HostName real-%h\n  User deploy\n  ProxyJump %r@gw-%h:2222\n  BatchMode yes\n  ConnectTimeout 2\n',
    );
    const r = spawnSync('ssh', ['-v', '-F', file, 'web', 'true'], { encoding: 'utf8', timeout: 20_000 });
    const m = /Executing proxy command: exec ssh -l (\S+) -p (\d+) .*-W '\[([^\]]+)\]:(\d+)' (\S+)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const [, user, port, target, targetPort, host] = m!;
    const e = resolveEndpoint({ name: 'web', address: 'web' }, { sshConfig: file });
    expect({ target: e.address, targetPort: String(e.port), jump: e.jumps.map((j) => ({ host: j.name, user: j.user, port: String(j.port) })) }).toEqual({
      target,
      targetPort,
      jump: [{ host, user, port }],
    });
  });
});
