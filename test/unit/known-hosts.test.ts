import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, HOST_KEY_ALGORITHMS, orderHostKeyAlgorithms } from '../../src/ssh/host-key-check.js';
import { hostFieldMatches, knownHostsName, lookupNames, matchHostPatternList, matchPattern } from '../../src/ssh/host-names.js';
import { describeHostKeyRefusal } from '../../src/ssh/host-key-messages.js';
import { entriesFor, fingerprint, type KnownHostEntry } from '../../src/ssh/known-hosts.js';

// Real public keys (ssh-keygen output), so the blobs parse as ssh's would.
const ED_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const ED_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIB7T0dGz8ySSgVlqvnSrXn8VDZqzCmtS0zmRS7+K2xCY';
const ECDSA = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBK/g5B1Z6PuIJzpPnM6bnXjYoJWRHTFpjejnv7J00pR7uvy9xN8qCgRVmgQlfqyVu6n8SW665eVyplYPTsp+PNo=';

function hashed(name: string, salt = Buffer.from('0123456789abcdef0123')): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('host patterns (match.c)', () => {
  it.each([
    ['exact', 'web1', 'web1', true],
    ['nothing to match: empty name', '', 'web1', false],
    ['* any run', 'web1.example.com', '*.example.com', true],
    ['* matches the empty run', '.example.com', '*.example.com', true],
    ['? exactly one', 'web1', 'web?', true],
    ['? not zero', 'web', 'web?', false],
    ['brackets are literal', '[10.0.0.1]:2222', '[10.0.0.?]:*', true],
    ['several stars', 'abcabd', '*ab*d', true],
    ['no backtracking past the end', 'abc', 'a*c*d', false],
  ])('%s', (_l, text, pattern, want) => {
    expect(matchPattern(text, pattern)).toBe(want);
  });

  it.each([
    ['one positive', 'web1', 'web1', 1],
    ['none', 'db1', 'web1,web2', 0],
    ['second in a list', 'web2', 'web1,web2', 1],
    ['negation vetoes a later positive', 'web2', '!web2,web*', -1],
    ['negation vetoes an earlier positive', 'web2', 'web*,!web2', -1],
    ['negation of another name alone: no match', 'web2', '!db1', 0],
    ['patterns are lowercased', 'web1', 'WEB1', 1],
    ['empty subpattern', 'web1', ',web1', 1],
    ['a subpattern of 1023 characters ends the match', 'web1', `web1,${'x'.repeat(1023)}`, 0],
  ] as const)('%s', (_l, name, patterns, want) => {
    expect(matchHostPatternList(name, patterns)).toBe(want);
  });
});

describe('the name a host is looked up by', () => {
  it.each([
    ['port 22: the bare host', 'web1', 22, undefined, 'web1', undefined],
    ['another port: [host]:port, then the bare host', 'web1', 2222, undefined, '[web1]:2222', 'web1'],
    ['a host name is lowercased', 'Web1.Example.COM', 22, undefined, 'web1.example.com', undefined],
    ['an IPv6 address is not', 'FE80::1', 2222, undefined, '[FE80::1]:2222', 'FE80::1'],
    ['HostKeyAlias replaces name and port, lowercased', 'web1', 2222, 'MyAlias', 'myalias', undefined],
  ])('%s', (_l, host, port, alias, name, portless) => {
    expect(lookupNames(host, port, alias)).toEqual(portless === undefined ? { name } : { name, portless });
    expect(knownHostsName(host, port, alias)).toBe(name);
  });

  it.each([
    ['plain list', 'a,web1', 'web1', true],
    ['hashed, same name', hashed('web1'), 'web1', true],
    ['hashed, with port', hashed('[web1]:2222'), '[web1]:2222', true],
    ['hashed, other name', hashed('web1'), 'web2', false],
    ['hashed names are not lowercased', hashed('web1'), 'WEB1', false],
    ['hash with a short salt is malformed', `|1|${Buffer.from('short').toString('base64')}|abc=`, 'web1', undefined],
    ['unknown hash magic is malformed', '|2|abc|def', 'web1', undefined],
  ])('%s', (_l, field, name, want) => {
    expect(hostFieldMatches(field, name)).toBe(want);
  });
});

describe('known_hosts lines (hostfile.c)', () => {
  it.each([
    ['nothing to do: empty file', '', []],
    ['comments and blank lines', '# c\n\n   \n\t# indented', []],
    ['plain key', `web1 ssh-ed25519 ${ED_A} comment`, [{ line: 1, type: 'ssh-ed25519', key: ED_A }]],
    ['leading whitespace and tabs', `  web1\tssh-ed25519\t${ED_A}`, [{ line: 1, type: 'ssh-ed25519', key: ED_A }]],
    ['line numbers count every line', `# c\n\nweb1 ssh-ed25519 ${ED_A}`, [{ line: 3 }]],
    ['@revoked', `@revoked web1 ssh-ed25519 ${ED_A}`, [{ marker: 'revoked' }]],
    ['@cert-authority', `@cert-authority *.example.com,web1 ssh-ed25519 ${ED_A}`, [{ marker: 'cert-authority' }]],
    ['misspelt marker: ignored', `@revoke web1 ssh-ed25519 ${ED_A}`, []],
    ['marker in another case: ignored', `@REVOKED web1 ssh-ed25519 ${ED_A}`, []],
    ['two markers: ignored', `@revoked @cert-authority web1 ssh-ed25519 ${ED_A}`, []],
    ['another host', `web2 ssh-ed25519 ${ED_A}`, []],
    ['unknown key type', `web1 ssh-foo ${ED_A}`, []],
    ['type disagrees with the blob', `web1 ecdsa-sha2-nistp256 ${ED_A}`, []],
    ['ECDSA curve must agree', `web1 ecdsa-sha2-nistp384 ${ECDSA}`, []],
    ['ECDSA', `web1 ecdsa-sha2-nistp256 ${ECDSA}`, [{ type: 'ecdsa-sha2-nistp256' }]],
    ['truncated blob', `web1 ssh-ed25519 ${ED_A.slice(0, 40)}`, []],
    ['not base64', `web1 ssh-ed25519 !!!${ED_A}`, []],
    ['no key', 'web1 ssh-ed25519', []],
    ['CRLF line end', `web1 ssh-ed25519 ${ED_A}\r`, [{ key: ED_A }]],
    ['hashed', `${hashed('web1')} ssh-ed25519 ${ED_B}`, [{ key: ED_B }]],
    ['malformed hash: ignored', `|1|x|y ssh-ed25519 ${ED_B}`, []],
  ])('%s', (_l, text, want) => {
    const got = entriesFor(text, 'kh', 'web1');
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => expect(got[i]).toMatchObject({ file: 'kh', ...w }));
  });
});

describe('a fleet\'s known_hosts (the lines are indexed by name once per file)', () => {
  const file = [
    `web1 ssh-ed25519 ${ED_A}`, // 1
    `WEB2,db1 ssh-ed25519 ${ED_B}`, // 2: case, and a list
    `[web1]:2222 ssh-ed25519 ${ED_B}`, // 3
    `web* ecdsa-sha2-nistp256 ${ECDSA}`, // 4: wildcard
    `*,!web2 ssh-ed25519 ${ED_B}`, // 5: negation vetoes web2
    `${hashed('db1')} ssh-ed25519 ${ED_A}`, // 6
    `@revoked db1,web2 ssh-ed25519 ${ED_A}`, // 7
    `# web1 ssh-ed25519 ${ED_A}`, // 8: a comment
    `web1 ssh-ed25519 ${ED_B}`, // 9: a second key for web1
    ...Array.from({ length: 500 }, (_, i) => `host${i} ssh-ed25519 ${ED_A}`), // 10…509
  ].join('\n');
  it.each([
    ['web1', [1, 4, 5, 9]],
    ['WEB1', [1, 4, 5, 9]],
    ['web2', [2, 4, 7]],
    ['db1', [2, 5, 6, 7]],
    ['[web1]:2222', [3, 5]],
    ['host42', [5, 52]],
    ['nothing to do: unknown', [5]],
  ])('%s', (name, lines) => {
    expect(entriesFor(file, 'kh', name).map((e) => e.line)).toEqual(lines);
    // Asked again (the index is kept): the same answer.
    expect(entriesFor(file, 'kh', name).map((e) => e.line)).toEqual(lines);
  });
});

const entry = (over: Partial<KnownHostEntry>): KnownHostEntry => ({ file: 'kh', line: 1, type: 'ssh-ed25519', key: ED_A, ...over });

describe('the verdict on a presented key (check_host_key)', () => {
  it.each([
    ['nothing known', [], undefined, 'unknown'],
    ['the key is known', [entry({})], undefined, 'match'],
    ['another key of the same type', [entry({ key: ED_B })], undefined, 'changed'],
    ['a key of another type only', [entry({ type: 'ecdsa-sha2-nistp256', key: ECDSA })], undefined, 'changed'],
    ['known and revoked elsewhere: revoked wins', [entry({}), entry({ marker: 'revoked', file: 'global' })], undefined, 'revoked'],
    ['another key revoked: not this one', [entry({}), entry({ marker: 'revoked', key: ED_B })], undefined, 'match'],
    ['only revoked: revoked', [entry({ marker: 'revoked' })], undefined, 'revoked'],
    ['only a CA', [entry({ marker: 'cert-authority', key: ED_B })], undefined, 'certificate-only'],
    ['a CA and another key', [entry({ marker: 'cert-authority', key: ED_B }), entry({ key: ED_B })], undefined, 'changed'],
    ['unknown under [host]:port, known bare', [], [entry({})], 'match'],
    ['unknown under [host]:port, another key bare: still unknown', [], [entry({ key: ED_B })], 'unknown'],
    ['unknown under [host]:port, revoked bare: revoked', [], [entry({ marker: 'revoked' })], 'revoked'],
    ['changed under [host]:port, known bare: changed', [entry({ key: ED_B })], [entry({})], 'changed'],
  ])('%s', (_l, named, portless, status) => {
    expect(checkHostKey(named as KnownHostEntry[], portless as KnownHostEntry[] | undefined, 'ssh-ed25519', ED_A).status).toBe(status);
  });

  it('names the files and lines of the known and revoked keys', () => {
    const v = checkHostKey([entry({ file: 'a', line: 3, key: ED_B }), entry({ file: 'b', line: 7, marker: 'revoked', key: ED_B })], undefined, 'ssh-ed25519', ED_A);
    expect(v).toMatchObject({ status: 'changed', known: [{ file: 'a', line: 3 }] });
  });

  it('fingerprints as ssh-keygen -l does', () => {
    // ssh-keygen -l -f <(echo "ssh-ed25519 $ED_A")
    expect(fingerprint(Buffer.from(ED_A, 'base64'))).toBe('SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU');
  });
});

describe('host key algorithm order (order_hostkeyalgs)', () => {
  const rsa = entry({ type: 'ssh-rsa', key: 'x' });
  it.each([
    ['nothing known: the default order', [], HOST_KEY_ALGORITHMS],
    ['ed25519 known (the first algorithm): as is', [entry({})], HOST_KEY_ALGORITHMS],
    ['RSA only: rsa-sha2-512 and -256 first', [rsa], ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']],
    ['ECDSA P-384 only: its curve first', [entry({ type: 'ecdsa-sha2-nistp384' })], ['ecdsa-sha2-nistp384', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256']],
    ['a revoked ed25519 does not count, a known RSA does', [entry({ marker: 'revoked' }), rsa], ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']],
    ['a plain ed25519 key that is also revoked does not count', [entry({}), entry({ marker: 'revoked' }), rsa], ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']],
    ['a CA changes nothing (no certificate algorithms)', [entry({ marker: 'cert-authority' })], HOST_KEY_ALGORITHMS],
  ])('%s', (_l, entries, want) => {
    expect(orderHostKeyAlgorithms(entries as KnownHostEntry[])).toEqual(want);
  });

  it('never offers ssh-rsa (SHA-1), as OpenSSH 9.2 does not', () => {
    expect(HOST_KEY_ALGORITHMS).not.toContain('ssh-rsa');
  });
});

describe('refusal messages', () => {
  const ctx = {
    hostPort: '10.0.0.5:2222',
    address: '10.0.0.5',
    port: 2222,
    name: '[10.0.0.5]:2222',
    presentedType: 'ssh-ed25519',
    presentedFingerprint: 'SHA256:abc',
    userFiles: ['/u/known_hosts', '/u/known_hosts2'],
    globalFiles: ['/g/ssh_known_hosts'],
  };
  it.each([
    ['revoked: which file and line', { status: 'revoked', entries: [entry({ file: '/g/ssh_known_hosts', line: 4, marker: 'revoked' })] }, {}, ['REVOKED HOST KEY for 10.0.0.5:2222', '/g/ssh_known_hosts:4', 'SHA256:abc']],
    ['changed: where the known key is, the fingerprint presented, how to remove it', { status: 'changed', known: [entry({ file: '/u/known_hosts2', line: 9, type: 'ssh-rsa' })], certAuthorities: [] }, {}, ['HOST KEY CHANGED', 'ssh-rsa in /u/known_hosts2:9', 'SHA256:abc', "ssh-keygen -R '[10.0.0.5]:2222' -f /u/known_hosts2"]],
    ['certificate only', { status: 'certificate-only', certAuthorities: [entry({ file: '/u/known_hosts', line: 2, marker: 'cert-authority' })] }, {}, ["host certificates are not supported: add the host's own key to known_hosts", '/u/known_hosts:2']],
    ['unknown: every file looked in, how to add it', { status: 'unknown' }, {}, ['is not in /u/known_hosts, /u/known_hosts2, /g/ssh_known_hosts (no key for [10.0.0.5]:2222)', 'ssh-keyscan -p 2222 10.0.0.5 >> /u/known_hosts', '--accept-new-host-keys']],
    ['unknown, no user file: nothing to record in', { status: 'unknown' }, { userFiles: [], notRecorded: 'no user known_hosts file to record it in' }, ['>> /g/ssh_known_hosts', 'did not record it: no user known_hosts file']],
  ] as const)('%s', (_l, verdict, over, parts) => {
    const text = describeHostKeyRefusal(verdict as never, { ...ctx, ...over } as never);
    for (const p of parts) expect(text).toContain(p);
  });
});
