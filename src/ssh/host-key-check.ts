import type { KnownHostEntry } from './known-hosts.js';

/**
 * ssh's decision about a server's host key (sshconnect.c check_host_key and
 * hostfile.c check_hostkeys_by_key_or_type, with StrictHostKeyChecking yes or
 * accept-new and CheckHostIP no, 9.2's default), over the known_hosts entries
 * already selected for the host's name, from every user and global file.
 */
export type HostKeyVerdict =
  | { status: 'match'; entry: KnownHostEntry }
  /** The presented key is marked @revoked: never trusted, never recorded. */
  | { status: 'revoked'; entries: KnownHostEntry[] }
  /** Other keys are known for this name, not this one. */
  | { status: 'changed'; known: KnownHostEntry[]; certAuthorities: KnownHostEntry[] }
  /**
   * No key is known, but a @cert-authority line covers the host: ssh would
   * check a host certificate, which the SSH library here cannot negotiate.
   */
  | { status: 'certificate-only'; certAuthorities: KnownHostEntry[] }
  | { status: 'unknown' };

/** The key found under one name: ssh's HOST_OK, HOST_REVOKED, HOST_CHANGED or HOST_NEW. */
export function checkKeyAgainst(entries: KnownHostEntry[], type: string, key: string): HostKeyVerdict {
  const revoked = entries.filter((e) => e.marker === 'revoked' && e.type === type && e.key === key);
  if (revoked.length) return { status: 'revoked', entries: revoked };
  const plain = entries.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.type === type && e.key === key);
  if (same) return { status: 'match', entry: same };
  const certAuthorities = entries.filter((e) => e.marker === 'cert-authority');
  if (plain.length) return { status: 'changed', known: plain, certAuthorities };
  if (certAuthorities.length) return { status: 'certificate-only', certAuthorities };
  return { status: 'unknown' };
}

/**
 * The whole check: the entries for the host's name first; when they know no
 * key at all and the port is not 22, the entries for the bare host name
 * (ssh's retry "without port identifier"), which can only add a match. A key
 * revoked under either name is refused (ssh with accept-new would record it
 * under [host]:port: here it never is).
 */
export function checkHostKey(named: KnownHostEntry[], portless: KnownHostEntry[] | undefined, type: string, key: string): HostKeyVerdict {
  const verdict = checkKeyAgainst(named, type, key);
  if (verdict.status !== 'unknown' && verdict.status !== 'certificate-only') return verdict;
  if (!portless) return verdict;
  const fallback = checkKeyAgainst(portless, type, key);
  if (fallback.status === 'match' || fallback.status === 'revoked') return fallback;
  return verdict;
}

/** May the presented key be recorded, as accept-new does? Only when nothing at all is known for the name. */
export function mayRecord(verdict: HostKeyVerdict): boolean {
  return verdict.status === 'unknown';
}

/**
 * The host key algorithms provision offers, in OpenSSH 9.2's default order
 * without the certificate and security-key ones (the SSH library cannot
 * verify those) and without ssh-rsa (SHA-1), which 9.2 no longer offers.
 */
export const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];

/** The key type an algorithm's signature is made with. */
function keyTypeOfAlgorithm(alg: string): string {
  return alg.startsWith('rsa-sha2-') ? 'ssh-rsa' : alg;
}

/**
 * sshconnect2.c order_hostkeyalgs: when a plain key of the first algorithm's
 * type is known for the name, the list as it is; else the algorithms whose
 * key type is known first, the others after, each group in the list's order.
 * So a host known only by its RSA key is asked for rsa-sha2-512 first, and
 * presents the key known_hosts can check. Only the entries for the name
 * itself count (not the bare host of a [host]:port), as in ssh.
 */
export function orderHostKeyAlgorithms(entries: KnownHostEntry[], algorithms: string[] = HOST_KEY_ALGORITHMS): string[] {
  const known = (alg: string): boolean => knownPlainKeyOfType(entries, keyTypeOfAlgorithm(alg));
  if (algorithms.length === 0 || known(algorithms[0])) return [...algorithms];
  return [...algorithms.filter(known), ...algorithms.filter((a) => !known(a))];
}

/**
 * lookup_key_in_hostkeys_by_type: the first plain entry of this type, unless
 * that very key is also marked @revoked.
 */
function knownPlainKeyOfType(entries: KnownHostEntry[], type: string): boolean {
  const first = entries.find((e) => e.marker === undefined && e.type === type);
  return !!first && !entries.some((e) => e.marker === 'revoked' && e.type === type && e.key === first.key);
}
