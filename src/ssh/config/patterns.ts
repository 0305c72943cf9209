/**
 * OpenSSH's pattern matching (match.c): `*` and `?` only, case-sensitive.
 * A list is comma-separated with `!negation`; a negated match wins over
 * every positive one.
 */
export function matchPattern(text: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^]*').replace(/\?/g, '[^]')}$`);
  return re.test(text);
}

/** 1 a positive match, -1 a negated one, 0 none (match_pattern_list). `lower` lowercases the patterns. */
export function matchPatternList(text: string, list: string, lower: boolean): 1 | 0 | -1 {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    let p = negated ? raw.slice(1) : raw;
    if (lower) p = p.toLowerCase();
    if (matchPattern(text, p)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** `Match host`/`originalhost`: the host lowercased, the patterns too (match_hostname). */
export function matchHostname(host: string, list: string): boolean {
  return matchPatternList(host.toLowerCase(), list, true) === 1;
}

/**
 * A `Host` line: active when one pattern matches and no `!negated` one does.
 * Case-sensitive, against the name as given (OpenSSH lowercases only later).
 */
export function hostLineMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (matchPattern(host, negated ? p.slice(1) : p)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}
