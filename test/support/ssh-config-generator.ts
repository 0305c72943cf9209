import type { Random } from './seeded-random.js';
import type { Query } from './ssh-g.js';

/**
 * Generated ssh_config files for the differential test against `ssh -G`: Host
 * and Match blocks, patterns with `*`, `?`, `!` and comma lists, Include of
 * generated files (globs, a missing file, inside a block), keywords in any
 * case, `=` separators, quotes, comments, tokens, and now and then one bad
 * line. Everything is drawn from small pools so that patterns and host names
 * meet often.
 */
export interface GeneratedConfig {
  /** Path relative to the case directory → text. `main` is the file given to `-F`. */
  files: Record<string, string>;
  queries: Query[];
}

export const HOSTS = ['web1', 'Web1', 'WEB2', 'db', 'db12', 'bastion', 'prod-api', 'a.example.com', 'B.Example.COM', '10.0.0.5', 'gw', 'x'];
const HOST_PATTERNS = ['*', 'web*', 'Web?', 'db?', 'db*', '!db12', '!web*', 'prod-*', '*.example.com', '*.EXAMPLE.com', '10.0.0.*', 'bastion', 'gw', '?', 'web1,db', 'a.example.com', '!*.example.com', 'real-*', '*.internal', '!x'];
const MATCH_PATTERNS = ['web*', 'db?', 'db*', '!db12', 'prod-*', '*.example.com', '*.internal', 'real-*', '10.0.0.*', 'bastion', 'gw', 'x', '*', '!web1', 'B.EXAMPLE.COM', 'prod-db.example.com'];
const USERS = ['alice', 'bob', 'deploy', 'root', 'Admin'];
const USER_PATTERNS = ['alice', 'a*', '!bob', 'root', 'b?b', 'deploy,admin', '*', 'Admin'];

function values(localUser: string): Record<string, readonly string[]> {
  return {
    User: [...USERS, 'a#b', '"q\\"x"', 'u%hx'],
    Port: ['22', '2201', '2222', '8022', '+2200', '022', 'ssh'],
    HostName: ['%h.internal', '%p.x', 'UPPER%h', 'real-%h', 'prod-db.example.com', '10.0.0.9', 'Upper.Example.COM', '%h', 'bastion', 'x%%y'],
    IdentityFile: ['~/.ssh/id_%h', '${HOME}/.ssh/k_%C', 'key\\ three', '~/a#b', '~/.ssh/id_%r', '/keys/%u/%n', '"~/.ssh/key with space"', '~/.ssh/id_ed25519', 'none', '/keys/%p-%k', "'/keys/single quoted'"],
    IdentitiesOnly: ['yes', 'no', 'true', 'false', 'YES'],
    ProxyJump: ['none', 'none # direct', 'bastion # via the bastion', 'gw-%h', 'bastion', 'ops@gw:2222', 'bastion,gw', 'ssh://u@gw:22', 'admin@10.0.0.1'],
    HostKeyAlias: ['alias-one', 'Alias-Two'],
    // No spaces in known hosts file names: ssh -G prints the list space-separated.
    UserKnownHostsFile: ['~/.ssh/kh_%h', '${HOME}/kh_%r', '/kh/a /kh/b', 'none', '/kh/%k_%p', '"/kh/quoted" ~/.ssh/kh2'],
    GlobalKnownHostsFile: ['/etc/g1 /etc/g2', 'none', '/etc/ssh/other_known_hosts'],
    StrictHostKeyChecking: ['yes', 'accept-new', 'ask', 'no', 'true', 'Yes', 'off'],
    IdentityAgent: ['none', 'SSH_AUTH_SOCK', '/agent/%r.sock'],
    ProxyCommand: ['none', 'nc %h %p'],
    ServerAliveInterval: ['30'],
    Compression: ['yes'],
    ForwardAgent: ['no'],
    LogLevel: ['ERROR'],
    CanonicalizeHostname: ['no'],
  };
}

const BODY_KEYWORDS = ['User', 'User', 'Port', 'Port', 'HostName', 'HostName', 'IdentityFile', 'IdentityFile', 'IdentitiesOnly', 'ProxyJump', 'HostKeyAlias', 'UserKnownHostsFile', 'GlobalKnownHostsFile', 'StrictHostKeyChecking', 'IdentityAgent', 'ProxyCommand', 'ServerAliveInterval', 'Compression', 'ForwardAgent', 'LogLevel', 'CanonicalizeHostname'];

/** Lines ssh refuses (each is an error wherever it stands). */
const BAD_LINES = ['Frobnicate yes', 'Port 0', 'Port abc', 'Port 70000', 'User', 'HostName a b', 'User "unterminated', 'Match address 10.0.0.0/8', 'Match all host x', 'Match', 'Match host', 'IdentitiesOnly maybe', 'UserKnownHostsFile none /x', 'StrictHostKeyChecking sometimes', 'ProxyJump a@', 'HostName %x', 'Host'];

export function generateConfig(rnd: Random, dir: string, localUser: string): GeneratedConfig {
  const v = values(localUser);
  const spell = (k: string): string => rnd.pick([k, k, k.toLowerCase(), k.toUpperCase(), [...k].map((c) => (rnd.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('')]);
  const sep = (): string => rnd.pick([' ', ' ', ' ', '=', ' = ', '\t', '  ', ' =', '= ']);
  const indent = (): string => rnd.pick(['', '  ', '  ', '\t', '    ']);
  const comment = (): string => (rnd.chance(0.08) ? ` # note ${rnd.int(1, 9)}` : '');
  const quote = (a: string): string => (rnd.chance(0.15) && !/["' ]/.test(a) ? `"${a}"` : a);
  const line = (keyword: string, value: string): string => `${indent()}${spell(keyword)}${sep()}${value}${comment()}`;

  // Patterns made from the host names queried (the name itself, a prefix or suffix with `*`, a
  // `?`, another case), so that positive and negated patterns meet the queries often.
  const derived = (): string => {
    const h = rnd.pick(HOSTS);
    const k = rnd.int(1, Math.max(1, h.length - 1));
    return rnd.pick([h, `${h.slice(0, k)}*`, `*${h.slice(k)}`, `${h.slice(0, k - 1)}?${h.slice(k)}`, h.toUpperCase(), h.toLowerCase(), '*']);
  };
  const hostPattern = (): string => (rnd.chance(0.5) ? rnd.pick(HOST_PATTERNS) : `${rnd.chance(0.3) ? '!' : ''}${derived()}`);
  const hostLine = (): string => {
    const patterns = rnd.chance(0.3) ? [rnd.pick(['*', derived()]), `!${derived()}`] : Array.from({ length: rnd.int(1, 3) }, hostPattern);
    if (rnd.chance(0.3)) patterns.reverse();
    return `${spell('Host')}${sep()}${patterns.map(quote).join(' ')}${comment()}`;
  };
  const list = (pool: readonly string[]): string => Array.from({ length: rnd.int(1, 2) }, () => rnd.pick(pool)).join(',');
  const matchLine = (): string => {
    if (rnd.chance(0.1)) return `${spell('Match')} ${rnd.pick(['all', 'ALL', '!all', 'final all', 'canonical all', 'all final', '"all"'])}`;
    const criteria: string[] = [];
    for (let i = rnd.int(1, 2); i > 0; i--) {
      const neg = rnd.chance(0.2) ? '!' : '';
      const kind = rnd.pick(['host', 'host', 'originalhost', 'user', 'localuser', 'final', 'canonical', 'Host']);
      if (kind === 'final' || kind === 'canonical') criteria.push(`${neg}${kind}`);
      else if (kind === 'localuser') criteria.push(`${neg}${kind} ${rnd.pick([localUser, 'nobody', `${localUser.slice(0, 1)}*`, `!${localUser}`])}`);
      else if (kind === 'user') criteria.push(`${neg}${kind} ${list(USER_PATTERNS)}`);
      else criteria.push(`${neg}${kind} ${list([...MATCH_PATTERNS, derived(), `!${derived()}`])}`);
    }
    return `${spell('Match')}${sep()}${criteria.join(' ')}${comment()}`;
  };
  const body = (): string[] =>
    Array.from({ length: rnd.int(1, 4) }, () => {
      const k = rnd.pick(BODY_KEYWORDS);
      let value = rnd.pick(v[k]);
      if (k === 'StrictHostKeyChecking' && value === 'no' && rnd.chance(0.7)) value = 'yes';
      if (k === 'ProxyCommand' && value !== 'none' && rnd.chance(0.7)) value = 'none';
      return line(k, k === 'User' || k === 'HostKeyAlias' ? quote(value) : value);
    });
  const noise = (): string[] => (rnd.chance(0.15) ? [rnd.pick(['', '# a comment', '   ', '\t# indented comment'])] : []);

  const includeTargets = ['inc/10-a.conf', 'inc/20-b.conf', 'inc/30-c.conf'];
  const includeLine = (): string =>
    line(
      'Include',
      rnd.pick([`${dir}/inc/*.conf`, `${dir}/inc/${rnd.pick(includeTargets).slice(4)}`, `${dir}/inc/?0-*.conf`, `${dir}/inc/20-b.conf ${dir}/missing.conf`, `"${dir}/inc/30-c.conf"`, `${dir}/inc/[12]0-*.conf`]),
    );

  const block = (allowInclude: boolean): string[] => {
    const out = [rnd.chance(0.65) ? hostLine() : matchLine(), ...body(), ...noise()];
    if (allowInclude && rnd.chance(0.2)) out.push(includeLine());
    return out;
  };
  const fileText = (blocks: number, allowInclude: boolean): string => {
    const lines: string[] = [];
    if (rnd.chance(0.3)) lines.push(...body()); // lines before any Host apply to every host
    if (allowInclude && rnd.chance(0.35)) lines.push(includeLine());
    for (let i = 0; i < blocks; i++) lines.push(...block(allowInclude));
    if (rnd.chance(0.3)) lines.push(`${spell('Host')} *`, ...body());
    // Now and then CRLF line ends (a file edited on Windows).
    return `${lines.join(rnd.chance(0.1) ? '\r\n' : '\n')}\n`;
  };

  const files: Record<string, string> = { main: fileText(rnd.int(1, 5), true) };
  for (const f of includeTargets) files[f] = fileText(rnd.int(0, 2), false);
  if (rnd.chance(0.1)) {
    // One bad line somewhere: ssh refuses the whole config, so must provision, at that line.
    const name = rnd.pick(['main', ...includeTargets]);
    const lines = files[name].split('\n');
    lines.splice(rnd.int(0, lines.length - 1), 0, `${indent()}${rnd.pick(BAD_LINES)}`);
    files[name] = lines.join('\n');
  }

  const queries: Query[] = Array.from({ length: rnd.int(2, 4) }, () => ({
    host: rnd.pick(HOSTS),
    ...(rnd.chance(0.25) ? { user: rnd.pick(USERS) } : {}),
    ...(rnd.chance(0.2) ? { port: rnd.pick([22, 2022, 4242]) } : {}),
  }));
  return { files, queries };
}
