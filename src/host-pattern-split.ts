/**
 * How Ansible (inventory/manager.py, split_host_pattern) cuts a host pattern
 * into terms: on commas if there is one; else the whole pattern is one term if
 * it reads as one address (an IPv6 address, `host:port`, a `web[1:3]` range);
 * else on colons and whitespace, keeping `[...]` together.
 */
export interface SplitPattern {
  terms: string[];
  /** Brackets Ansible's colon splitting silently drops (`web]` → `web`): provision refuses them. */
  dropped: string;
}

export function splitHostPattern(pattern: string): SplitPattern {
  if (pattern.includes(',')) return { terms: clean(pattern.split(',')), dropped: '' };
  if (isAddress(pattern)) return { terms: clean([pattern]), dropped: '' };
  const terms = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/gu) ?? [];
  const dropped = pattern.replace(/(?:[^\s:[\]]|\[[^\]]*\])+/gu, '').replace(/[\s:]/gu, '');
  return { terms: clean(terms), dropped };
}

function clean(terms: string[]): string[] {
  return terms.map((t) => t.trim()).filter(Boolean);
}

// ansible/parsing/utils/addresses.py, with allow_ranges=True.
const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alphanumericRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const v6 = `(?:[0-9a-f]{1,4}|${hexRange})`;
const v4 = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const word = String.raw`[\p{L}\p{N}_]`;
const label = `(?:${word}|${alphanumericRange})(?:${word}|[_-]|${alphanumericRange})*(?<![_-])`;

const bracketedHostPort = /^\[(.+)\]:([0-9]+)$/su;
const hostPort = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/su;
const ipv4 = new RegExp(`^(?:${v4}\\.){3}${v4}$`, 'iu');
// Python's ipv6 pattern is `^` + these alternatives joined by `|` + `$`.
const ipv6Alternatives = [
  `(?:${v6}:){7}${v6}`,
  `(?:${v6}:){1,6}:`,
  `(?:${v6}:)(?::${v6}){1,6}`,
  `(?:${v6}:){2}(?::${v6}){1,5}`,
  `(?:${v6}:){3}(?::${v6}){1,4}`,
  `(?:${v6}:){4}(?::${v6}){1,3}`,
  `(?:${v6}:){5}(?::${v6}){1,2}`,
  `(?:${v6}:){6}(?::${v6})`,
  `:(?::${v6}){1,6}`,
  `${v6}?::`,
  `(?:0:){6}(?:${v6}\\.){3}${v6}`,
  `::(?:ffff:)?(?:${v6}\\.){3}${v6}`,
  `(?:0:){5}ffff:(?:${v6}\\.){3}${v6}`,
];
const ipv6 = new RegExp(`^(?:${ipv6Alternatives.join('|')})$`, 'iu');
const hostname = new RegExp(`^${label}(?:\\.${label})*$`, 'iu');

/** parse_address(pattern, allow_ranges=True) succeeds. */
export function isAddress(pattern: string): boolean {
  let address = pattern;
  for (const re of [bracketedHostPort, hostPort]) {
    const m = re.exec(address);
    if (m) address = m[1];
  }
  // Python's alternation in the ipv6 pattern binds `^` to the first branch and `$` to the last only.
  return ipv4.test(address) || ipv6Loose(address) || hostname.test(address);
}

function ipv6Loose(address: string): boolean {
  // Every alternative has a literal `:`: a plain name skips the large unicode-aware patterns,
  // which V8 compiles on first use (~10-20 ms of a one-host run's start-up, measured).
  if (!address.includes(':')) return false;
  return ipv6.test(address) || ipv6Unanchored.some((re) => re.test(address));
}

// In Python's ipv6 pattern, `^` belongs to the first alternative and `$` to the last;
// the middle ones match anywhere a re.match can start: at the beginning.
const ipv6Unanchored = ipv6Alternatives.slice(1, -1).map((s) => new RegExp(`^(?:${s})`, 'iu'));
