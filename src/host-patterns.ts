import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { globToRegExp, isGlob } from './fnmatch.js';
import type { Inventory } from './inventory.js';
import { compilePythonRegex, PythonRegexError } from './python-regex.js';
import { splitHostPattern } from './host-pattern-split.js';

/**
 * Host patterns (a play's `hosts:`, `--limit`) with the semantics of
 * ansible-core 2.14's InventoryManager: terms split as split_host_pattern does;
 * plain terms first, then `&` intersections, then `!` exclusions; each term a
 * name, an fnmatch glob or a `~regex` (Python re.match: anchored at the start
 * only), optionally with a subscript `[i]`, `[-i]`, `[a:b]`, `[a:]`; group
 * names are tried before host names, except that a plain term naming a host
 * is that host; the result is in the order the terms produce it.
 *
 * Louder than Ansible, deliberately: a plain name that matches nothing, a
 * stray bracket Ansible would drop, the removed `[a-b]` subscript and `[:b]`
 * (which Ansible reads as a glob class) are errors, not warnings.
 */

/** The hosts `pattern` selects, in Ansible's order. Throws ConfigError for a malformed pattern. */
export function matchHosts(inv: Inventory, pattern: string): string[] {
  return evaluate(new Matcher(inv), termsOf(pattern));
}

/** `--limit`: a pattern whose `@file` terms are replaced by the file's lines, one pattern each (as Ansible does). */
export function matchLimit(inv: Inventory, limit: string): string[] {
  const patterns = termsOf(limit).flatMap((term) => (term.startsWith('@') ? limitFile(term.slice(1)) : [term]));
  // Ansible reads a limit of only empty lines as `all`: refused, as an empty pattern is.
  if (!patterns.some(Boolean)) throw new ConfigError(`--limit "${limit}" holds no pattern`);
  return evaluate(new Matcher(inv), patterns);
}

/**
 * What is wrong with a play's `hosts:` pattern, as one message, or undefined:
 * a malformed pattern, or plain names that are neither host nor group (a typo
 * Ansible only warns about).
 */
export function hostPatternProblem(inv: Inventory, pattern: string): string | undefined {
  try {
    const matcher = new Matcher(inv);
    const terms = termsOf(pattern);
    evaluate(matcher, terms);
    const unknown = terms.map((t) => splitSubscript(t.replace(/^[!&]/, '')).expr).filter((expr) => matcher.isUnknownName(expr));
    if (unknown.length === 0) return undefined;
    const hint = unknown.some((u) => LOCALHOST.includes(u)) ? ' (provision has no implicit localhost: add it to the inventory)' : '';
    return `no host or group named ${[...new Set(unknown)].map((u) => `"${u}"`).join(', ')} in ${inv.file}${hint}`;
  } catch (err) {
    if (err instanceof ConfigError) return err.problem;
    throw err;
  }
}

const LOCALHOST = ['localhost', '127.0.0.1', '::1'];

function termsOf(pattern: string): string[] {
  const { terms, dropped } = splitHostPattern(pattern);
  if (dropped) throw new ConfigError(`host pattern "${pattern}": unbalanced "${dropped[0]}" (Ansible would drop it silently)`);
  // Ansible evaluates a pattern with no terms (",", ":") as `all`: more hosts than anyone meant.
  if (terms.length === 0) throw new ConfigError(`host pattern "${pattern}" is empty`);
  return terms;
}

function limitFile(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').map((l) => l.trim());
  } catch (err) {
    throw new ConfigError(`--limit @${file}: cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** order_patterns and _evaluate_patterns: plain terms, then `&`, then `!`; duplicates dropped, first kept. */
function evaluate(matcher: Matcher, patterns: string[]): string[] {
  const nonEmpty = patterns.filter(Boolean);
  const regular = nonEmpty.filter((p) => p[0] !== '!' && p[0] !== '&');
  const ordered = [...(regular.length ? regular : ['all']), ...nonEmpty.filter((p) => p[0] === '&'), ...nonEmpty.filter((p) => p[0] === '!')];
  let hosts: string[] = [];
  for (const p of ordered) {
    if (matcher.isHost(p)) {
      hosts.push(p);
      continue;
    }
    const that = matcher.matchOne(p.replace(/^[!&]/, ''));
    if (p[0] === '!') {
      const drop = new Set(that);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (p[0] === '&') {
      const keep = new Set(that);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const existing = new Set(hosts);
      hosts.push(...that.filter((h) => !existing.has(h)));
    }
  }
  return [...new Set(hosts)];
}

type Subscript = { start: number; end: number | null };

/** _split_subscript, refusing the forms Ansible reads in a way a user would not expect. */
export function splitSubscript(term: string): { expr: string; subscript?: Subscript } {
  if (term.startsWith('~')) return { expr: term };
  if (/^.+\[:-?[0-9]*\]$/s.test(term)) {
    throw new ConfigError(`host pattern "${term}": ansible-core 2.14 reads "[:n]" as a glob character class, not a slice; write [0:n] for the first n+1 hosts`);
  }
  const m = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s.exec(term);
  if (!m) return { expr: term };
  const [, expr, index, start, separator, end] = m;
  if (index !== undefined) return { expr, subscript: { start: Number(index), end: null } };
  if (separator === '-') {
    throw new ConfigError(`host pattern "${term}": the subscript [a-b] was removed from Ansible; write ${expr}[${start}:${end}] for a slice, or a glob class without "-" for host names`);
  }
  return { expr, subscript: { start: Number(start), end: end === '' ? -1 : Number(end) } };
}

/** _apply_subscript: `[a:b]` is inclusive; `[a:0]` is the index a, as in Ansible. */
function applySubscript(hosts: string[], subscript: Subscript | undefined, term: string): string[] {
  if (!hosts.length || !subscript) return hosts;
  const { start, end } = subscript;
  if (end) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
  const at = start < 0 ? hosts.length + start : start;
  if (at < 0 || at >= hosts.length) {
    throw new ConfigError(`host pattern "${term}": no host at index ${start} (the pattern before the subscript matches ${hosts.length})`);
  }
  return [hosts[at]];
}

/** The inventory as Ansible's pattern matching sees it: groups in definition order, with `ungrouped`. */
class Matcher {
  private readonly groupNames: string[];
  private readonly hostNames: string[];
  private readonly hostsOfGroup = new Map<string, string[]>();

  constructor(private readonly inv: Inventory) {
    this.hostNames = [...inv.hosts.keys()];
    const names = [...inv.groups.keys()];
    if (!inv.groups.has('ungrouped')) names.splice(names.indexOf('all') + 1, 0, 'ungrouped');
    this.groupNames = names;
  }

  isHost(name: string): boolean {
    return this.inv.hosts.has(name);
  }

  /** A plain name (no glob, no regex, not `all`) that is neither a host nor a group. */
  isUnknownName(expr: string): boolean {
    if (expr === 'all' || expr.startsWith('~') || isGlob(expr)) return false;
    return !this.isHost(expr) && !this.groupNames.includes(expr);
  }

  /** _match_one_pattern for a term without its `&`/`!`. */
  matchOne(term: string): string[] {
    const { expr, subscript } = splitSubscript(term);
    return applySubscript(this.enumerate(expr), subscript, term);
  }

  /** _enumerate_matches: hosts of matching groups, then matching hosts when no group matched or the term is a glob/regex or has a dot. Duplicates kept. */
  private enumerate(expr: string): string[] {
    const matches = this.matcherFor(expr);
    const groups = this.groupNames.filter(matches);
    const results = groups.flatMap((g) => this.groupHosts(g));
    if (!groups.length || expr.startsWith('~') || /[.?*[]/.test(expr)) results.push(...this.hostNames.filter(matches));
    return results;
  }

  private matcherFor(expr: string): (name: string) => boolean {
    if (expr.startsWith('~')) {
      let re: RegExp;
      try {
        re = compilePythonRegex(expr.slice(1));
      } catch (err) {
        if (err instanceof PythonRegexError || err instanceof SyntaxError) throw new ConfigError(`host pattern "${expr}": invalid regular expression: ${err.message}`);
        throw err;
      }
      return (name) => re.test(name);
    }
    if (!isGlob(expr)) return (name) => name === expr;
    if (/[[\]]/.test(expr.replace(/\[!?\]?[^\]]*\]/g, ''))) throw new ConfigError(`host pattern "${expr}": unbalanced "[" or "]"`);
    const re = globToRegExp(expr);
    return (name) => re.test(name);
  }

  /** Group.get_hosts: its own hosts, then its descendants' level by level, each host once. */
  private groupHosts(name: string): string[] {
    const cached = this.hostsOfGroup.get(name);
    if (cached) return cached;
    const ordered: string[] = [name];
    const seen = new Set<string>([name]);
    for (let level = [name]; level.length; ) {
      const next: string[] = [];
      for (const g of level) {
        for (const child of this.childrenOf(g)) {
          if (seen.has(child)) continue;
          seen.add(child);
          next.push(child);
          ordered.push(child);
        }
      }
      level = next;
    }
    const hosts = [...new Set(ordered.flatMap((g) => this.directHosts(g)))].filter((h) => this.inv.hosts.has(h));
    this.hostsOfGroup.set(name, hosts);
    return hosts;
  }

  private childrenOf(group: string): string[] {
    const children = this.inv.groups.get(group)?.children ?? [];
    return group === 'all' && !this.inv.groups.has('ungrouped') ? ['ungrouped', ...children] : children;
  }

  private directHosts(group: string): string[] {
    if (group === 'ungrouped' && !this.inv.groups.has('ungrouped')) {
      return this.hostNames.filter((h) => (this.inv.hosts.get(h)?.groups ?? []).every((g) => g === 'all'));
    }
    return this.inv.groups.get(group)?.hosts ?? [];
  }
}
