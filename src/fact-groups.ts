import type { FactOutput } from './facts.js';
import { quote } from './shell.js';

/**
 * Facts of one kind that one command reads for many items at once: every path
 * of a play in one `stat` and one `sha256sum`, every unit in one
 * `systemctl show`. Read one by one, a 20-task play starts some 60 processes
 * on the host (a subshell, stat and sha256sum per file; systemctl takes ~12 ms
 * each); grouped, it starts a handful. `split` turns the group's output back
 * into what each item's own fact script would have printed, so a fact parses
 * the same whether it was read alone or in a group. Task modules may define
 * their own (tasks/postgres-common.ts: one psql session for all queries).
 */
export interface FactGroupReader {
  script(items: string[]): string;
  /** Per item, its fact's output; an item missing from the map was not read (the runner reports it). */
  split(stdout: string, items: string[]): Map<string, FactOutput>;
}

const SUMS_SEPARATOR = '--provision-sha256--';

/**
 * Paths: `stat` prints three lines per path it finds (the name, then type, mode,
 * owner, group and size, then the name again with " -> target" for a link,
 * unquoted under QUOTING_STYLE=literal), in the order given, and nothing for a
 * path that is absent; `sha256sum` hashes the regular files (links and
 * devices are never opened: a FIFO would block). Paths with a newline or a
 * backslash are never grouped (`groupable`): sha256sum escapes those names.
 */
export const fileGroup: FactGroupReader = {
  script(paths) {
    const list = paths.map(quote).join(' ');
    return [
      'set --',
      `for p in ${list}; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done`,
      `QUOTING_STYLE=literal stat --printf '%n\\n%F|%a|%U|%G|%s\\n%N\\n' -- ${list} 2>/dev/null`,
      `printf '%s\\n' '${SUMS_SEPARATOR}'`,
      'if [ $# -gt 0 ]; then sha256sum -- "$@" 2>/dev/null; fi',
      'true',
    ].join('\n');
  },
  split(stdout, paths) {
    const at = stdout.lastIndexOf(`${SUMS_SEPARATOR}\n`);
    const cut = at >= 0 ? at : stdout.length;
    const statLines = stdout.slice(0, cut).split('\n');
    const sums = new Map<string, string>();
    for (const line of at >= 0 ? stdout.slice(at + SUMS_SEPARATOR.length + 1).split('\n') : []) {
      if (/^[0-9a-f]{64} [ *]/.test(line)) sums.set(line.slice(66), line.slice(0, 64));
    }
    const out = new Map<string, FactOutput>();
    let i = 0;
    for (const path of paths) {
      // stat skips what it cannot find: a record belongs to this path only if it names it.
      if (statLines[i] !== path || i + 2 >= statLines.length) {
        out.set(path, { stdout: 'absent', exitCode: 0 });
        continue;
      }
      const attrs = statLines[i + 1];
      const named = statLines[i + 2];
      i += 3;
      if (attrs.startsWith('symbolic link|')) {
        out.set(path, { stdout: `link\n${named.slice(path.length + ' -> '.length)}`, exitCode: 0 });
        continue;
      }
      const sum = sums.get(path);
      out.set(path, { stdout: sum === undefined ? attrs : `${attrs}\n${sum}  -`, exitCode: 0 });
    }
    return out;
  },
};

/**
 * Units: `systemctl show` prints one block of properties per unit, in the
 * order given, blocks separated by an empty line (a unit that does not exist
 * still gets its block, LoadState=not-found). It stops at the first name it
 * refuses (a template such as "getty@.service"): then each unit is shown on
 * its own, after a marker line, and a refused one reads as the single fact's
 * empty output. No systemd at all reads the same way. Any other count of
 * blocks is not trusted.
 */
const UNIT_PROPERTIES = 'LoadState,ActiveState,UnitFileState';
const UNIT_MARKER = '--provision-unit--';
export const unitGroup: FactGroupReader = {
  script(names) {
    const list = names.map(quote).join(' ');
    return [
      `if out=$(systemctl show --property=${UNIT_PROPERTIES} -- ${list} 2>/dev/null); then printf '%s\\n' "$out"; else`,
      `  for u in ${list}; do printf '%s\\n' '${UNIT_MARKER}'; systemctl show --property=${UNIT_PROPERTIES} -- "$u" 2>/dev/null; done`,
      'fi',
    ].join('\n');
  },
  split(stdout, names) {
    const out = new Map<string, FactOutput>();
    let blocks: string[];
    if (stdout.split('\n').includes(UNIT_MARKER)) {
      const shown: string[][] = [];
      for (const line of stdout.split('\n')) {
        if (line === UNIT_MARKER) shown.push([]);
        else shown.at(-1)?.push(line);
      }
      blocks = shown.map((lines) => lines.join('\n').replace(/\n+$/, ''));
    } else {
      const text = stdout.replace(/\n+$/, '');
      blocks = text === '' ? names.map(() => '') : text.split(/\n\n/);
    }
    if (blocks.length === names.length) names.forEach((name, i) => out.set(name, { stdout: blocks[i], exitCode: 0 }));
    return out;
  },
};
