import type { HostKeyName } from './host-key-sshd.js';
import type { Random } from './seeded-random.js';

/**
 * Generated known_hosts files for the differential test against a real ssh:
 * plain and (later, with ssh-keygen -H) hashed entries, `[host]:port`, `*`,
 * `?`, `!negation`, comma lists, `@revoked` on the server's key or another,
 * `@cert-authority` with the test CA or another key, misspelt and doubled
 * markers, keys under a wrong type name, comments, blank lines, several user
 * and global files; and the connections to judge (host name, port, alias).
 */
export interface KnownHostsCase {
  /** Lines of each user and global file (an empty list: the file is not written). */
  user: string[][];
  global: string[][];
  /** Indexes of user files to hash with ssh-keygen -H. */
  hashUser: number[];
  queries: { host: string; port: number; alias?: string }[];
}

export function generateKnownHosts(rnd: Random, ports: number[], pub: Record<HostKeyName, string>): KnownHostsCase {
  const [p1, p2] = ports;
  const names = [
    '127.0.0.1', `[127.0.0.1]:${p1}`, `[127.0.0.1]:${p1}`, `[127.0.0.1]:${p2}`, 'localhost', `[localhost]:${p1}`, `[LocalHost]:${p2}`,
    '[127.0.0.?]:*', '*', '!127.0.0.1', `![127.0.0.1]:${p1}`, '10.*', '*.example.com', 'myalias', 'MyAlias', `[myalias]:${p1}`,
    '127.0.0.*', '[127.0.0.1]:1', `[*]:${p2}`, '!*', 'local*', `[127.0.0.1]:${p1}0`,
  ];
  // Names that the connections below are known by, drawn as often as all the others together.
  const meeting = ['127.0.0.1', `[127.0.0.1]:${p1}`, `[127.0.0.1]:${p2}`, `[localhost]:${p1}`, 'localhost', '*', '[127.0.0.?]:*', 'myalias'];
  const hostField = (): string => Array.from({ length: rnd.int(1, 3) }, () => rnd.pick(rnd.chance(0.5) ? meeting : names)).join(',');
  const plainKey = (): string => {
    const k = rnd.pick(['ed25519', 'ed25519', 'ed25519', 'ecdsa', 'ecdsa', 'rsa', 'other', 'rsa-sha2-512', 'mislabelled', 'truncated'] as const);
    if (k === 'rsa-sha2-512') return pub.rsa.replace('ssh-rsa', 'rsa-sha2-512');
    if (k === 'mislabelled') return pub.ed25519.replace('ssh-ed25519', 'ecdsa-sha2-nistp256');
    if (k === 'truncated') return pub.ecdsa.slice(0, -12);
    return pub[k];
  };
  const line = (): string => {
    const r = rnd.next();
    const marker = r < 0.68 ? '' : r < 0.84 ? '@revoked ' : r < 0.93 ? '@cert-authority ' : `${rnd.pick(['@revoke', '@Revoked', '@cert-authority @revoked', '@revoked @revoked', '@CERT-AUTHORITY'])} `;
    const key = marker === '@cert-authority ' ? (rnd.chance(0.75) ? pub.ca : pub.other) : plainKey();
    const indent = rnd.pick(['', '', '', ' ', '\t']);
    const comment = rnd.chance(0.2) ? ' root@somewhere' : '';
    return `${indent}${marker}${hostField()} ${key}${comment}`;
  };
  const file = (): string[] => {
    const lines: string[] = [];
    for (let n = rnd.int(0, 4); n > 0; n--) {
      if (rnd.chance(0.15)) lines.push(rnd.pick(['# a comment', '', '   ', '#127.0.0.1 ' + pub.ed25519]));
      lines.push(line());
    }
    return lines;
  };
  const user = Array.from({ length: rnd.int(1, 3) }, file);
  const global = Array.from({ length: rnd.int(0, 2) }, file);
  // Often one of the server's own keys both known and @revoked, in any file: revoked must win.
  if (rnd.chance(0.4)) {
    const key = pub[rnd.pick(['ed25519', 'ecdsa', 'rsa'] as const)];
    const files = [...user, ...global];
    rnd.pick(files).push(`${hostField()} ${key}`);
    rnd.pick(files).push(`@revoked ${hostField()} ${key}`);
  }
  const hashUser = user.map((_, i) => i).filter(() => rnd.chance(0.25));
  const queries = Array.from({ length: 2 }, () => ({
    host: rnd.pick(['127.0.0.1', '127.0.0.1', 'localhost', 'LOCALHOST']),
    port: rnd.pick(ports),
    ...(rnd.chance(0.2) ? { alias: rnd.pick(['myalias', 'MyAlias']) } : {}),
  }));
  return { user, global, hashUser, queries };
}
