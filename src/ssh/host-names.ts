import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Host names as OpenSSH looks them up in known_hosts (hostfile.c, match.c,
 * misc.c put_host_port): the name a host is known by, and whether the
 * host-name field of a known_hosts line matches it.
 */

/** `host`, or `[host]:port` when the port is not 22 (put_host_port). */
export function withPort(host: string, port: number): string {
  return port === 22 || port === 0 ? host : `[${host}]:${port}`;
}

/**
 * ssh lowercases the host name it was given (not an address: those are
 * canonicalised instead) and a HostKeyAlias; the alias replaces name and
 * port altogether.
 */
export function knownHostsName(address: string, port: number, hostKeyAlias?: string): string {
  if (hostKeyAlias !== undefined) return hostKeyAlias.toLowerCase();
  return withPort(isIP(address) ? address : address.toLowerCase(), port);
}

/**
 * The names to try, in order: the name itself, then (when there is no alias
 * and the port is not 22) the bare host, as ssh's check_host_key retries
 * "without port identifier" when the first lookup finds no key at all.
 */
export function lookupNames(address: string, port: number, hostKeyAlias?: string): { name: string; portless?: string } {
  const name = knownHostsName(address, port, hostKeyAlias);
  if (hostKeyAlias !== undefined || port === 22) return { name };
  return { name, portless: knownHostsName(address, 22) };
}

/**
 * Whether the host field of a known_hosts line names `name`: `undefined` when
 * the field is a malformed hash (ssh then ignores the whole line).
 */
export function hostFieldMatches(field: string, name: string): boolean | undefined {
  if (field.startsWith('|')) {
    const hashed = hashHostName(name, field);
    return hashed === undefined ? undefined : hashed === field;
  }
  return matchHostPatternList(name.toLowerCase(), field) === 1;
}

/**
 * `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` with the salt of `field`
 * (host_hash): undefined unless the field has the magic and a 20-byte salt.
 */
export function hashHostName(name: string, field: string): string | undefined {
  const m = /^\|1\|([^|]*)\|/.exec(field);
  if (!m || m[1].length === 0 || m[1].length > 1024 || !/^[A-Za-z0-9+/]*={0,2}$/.test(m[1])) return undefined;
  const salt = Buffer.from(m[1], 'base64');
  if (salt.length !== 20) return undefined;
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

/**
 * match_pattern_list with lowercased patterns: 1 for a positive match, -1 when
 * a `!negated` subpattern matches (it vetoes the line whatever else matches),
 * 0 for none. An empty subpattern (`a,,b`) matches only the empty name.
 */
export function matchHostPatternList(name: string, patterns: string): -1 | 0 | 1 {
  let positive = false;
  for (const raw of patterns.split(',')) {
    const negated = raw.startsWith('!');
    const sub = (negated ? raw.slice(1) : raw).toLowerCase();
    // ssh gives up on a subpattern of 1023 characters or more: no match at all.
    if (sub.length >= 1023) return 0;
    if (!matchPattern(name, sub)) continue;
    if (negated) return -1;
    positive = true;
  }
  return positive ? 1 : 0;
}

/** `*` any run of characters, `?` exactly one, everything else literally (match_pattern). */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
