import { compilePythonRegex } from './python-regex.js';

/**
 * Python's fnmatch.translate (3.11), which Ansible uses for host patterns:
 * `*`, `?`, `[seq]`, `[!seq]`; a `[` without its `]` is a literal. The result
 * is a Python regex, compiled by the same translator as `~regex` patterns, so
 * both kinds follow one set of rules. Python wraps each `*fixed` in an atomic
 * group only to stop catastrophic backtracking; a plain group matches the same
 * names.
 */
export function globToRegExp(glob: string): RegExp {
  return compilePythonRegex(fnmatchTranslate(glob));
}

/** Whether a pattern is a glob rather than a plain name (Ansible's `_enumerate_matches` test, less the `.`). */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

const STAR = Symbol('star');

export function fnmatchTranslate(pat: string): string {
  const res: (string | typeof STAR)[] = [];
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i];
    i++;
    if (c === '*') {
      if (res.length === 0 || res[res.length - 1] !== STAR) res.push(STAR);
    } else if (c === '?') {
      res.push('.');
    } else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) {
        res.push('\\[');
        continue;
      }
      let stuff = pat.slice(i, j);
      if (!stuff.includes('-')) {
        stuff = stuff.replaceAll('\\', '\\\\');
      } else {
        const chunks: string[] = [];
        let k = pat[i] === '!' ? i + 2 : i + 1;
        for (;;) {
          k = pat.indexOf('-', k);
          if (k < 0 || k >= j) break;
          chunks.push(pat.slice(i, k));
          i = k + 1;
          k = k + 3;
        }
        const chunk = pat.slice(i, j);
        if (chunk) chunks.push(chunk);
        else chunks[chunks.length - 1] += '-';
        for (let m = chunks.length - 1; m > 0; m--) {
          if (chunks[m - 1][chunks[m - 1].length - 1] > chunks[m][0]) {
            chunks[m - 1] = chunks[m - 1].slice(0, -1) + chunks[m].slice(1);
            chunks.splice(m, 1);
          }
        }
        stuff = chunks.map((s) => s.replaceAll('\\', '\\\\').replaceAll('-', '\\-')).join('-');
      }
      stuff = stuff.replace(/([&~|])/g, '\\$1');
      i = j + 1;
      if (!stuff) res.push('(?!)');
      else if (stuff === '!') res.push('.');
      else {
        if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
        else if (stuff[0] === '^' || stuff[0] === '[') stuff = '\\' + stuff;
        res.push(`[${stuff}]`);
      }
    } else {
      res.push(pythonEscape(c));
    }
  }
  let out = '';
  let k = 0;
  while (k < res.length && res[k] !== STAR) out += res[k++] as string;
  while (k < res.length) {
    k++; // the STAR
    if (k === res.length) {
      out += '.*';
      break;
    }
    let fixed = '';
    while (k < res.length && res[k] !== STAR) fixed += res[k++] as string;
    out += k === res.length ? `.*${fixed}` : `(?:.*?${fixed})`;
  }
  return `(?s)${out}\\Z`;
}

/** Python's re.escape (3.7+). */
function pythonEscape(c: string): string {
  return '()[]{}?*+-|^$\\.&~# \t\n\r\v\f'.includes(c) ? `\\${c}` : c;
}
