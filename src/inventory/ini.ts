import { ConfigError } from '../errors.js';
import type { InventoryBuilder } from './builder.js';
import { expandHostPattern, HostRangeError } from './host-ranges.js';
import { pythonLiteralOrText, UnsupportedLiteral } from './python-literal.js';
import { splitShellWords } from '../shell-words.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

/**
 * Ansible's INI inventory plugin: `[group]` host lines, `[group:vars]` key=value
 * lines, `[group:children]` group names; `#` and `;` start comment lines. Every
 * value goes through Python's literal_eval (5 → number, True → boolean, 'x' → x);
 * on a host line the shell-style split removes quotes first, so `port="5"` is
 * the number 5 there, while in `:vars` `port="5"` is the string "5".
 */
export function readIni(text: string, file: string, into: InventoryBuilder): void {
  let group = 'ungrouped';
  let state = 'hosts';
  const pending = new Map<string, Pending>();
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const where = { file, line: lineNo };
    const fail = (problem: string, field?: string): never => {
      throw new ConfigError(problem, where, field);
    };
    const typed = (text: string, key: string): unknown => {
      try {
        return pythonLiteralOrText(text);
      } catch (err) {
        if (!(err instanceof UnsupportedLiteral)) throw err;
        return fail(`the value "${text}" is ${err.message}, which Ansible reads but provision cannot`, key);
      }
    };
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const section = SECTION.exec(line);
    if (section) {
      group = section[1];
      state = section[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) fail(`section [${section[1]}:${state}] has an unknown type "${state}" (hosts, children or vars)`, `[${section[1]}:${state}]`);
      if (!into.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, state: 'vars', parents: [] });
        into.addGroup(group);
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(group, pending, into, file);
        else pending.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) fail(`invalid section "${line}": no spaces or other characters are allowed in a section name`);
    if (state === 'hosts') {
      let words: string[];
      try {
        words = splitShellWords(line, { comments: true });
      } catch (err) {
        return fail(`cannot split the host line: ${(err as Error).message}`, `[${group}]`);
      }
      if (words.length === 0) return;
      let expanded;
      try {
        expanded = expandHostPattern(words[0]);
      } catch (err) {
        if (!(err instanceof HostRangeError)) throw err;
        return fail(err.message, `[${group}] ${words[0]}`);
      }
      const hostVars: [string, unknown][] = words.slice(1).map((w) => {
        const eq = w.indexOf('=');
        if (eq < 0) fail(`expected key=value after the host name, got "${w}"`, `[${group}] ${words[0]}`);
        return [w.slice(0, eq), typed(w.slice(eq + 1), w.slice(0, eq))];
      });
      for (const name of expanded.names) {
        into.addHost(name, group, expanded.port, where);
        for (const [k, v] of hostVars) into.setHostVar(name, k, v, where);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`expected key=value, got "${line}"`, `[${group}:vars]`);
      const key = line.slice(0, eq).trim();
      into.setGroupVar(group, key, typed(line.slice(eq + 1).trim(), key), where);
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) return fail(`expected a group name, got "${line}"`, `[${group}:children]`);
      const child = m[1];
      if (!into.groups.has(child)) {
        const p = pending.get(child);
        if (p) p.parents.push(group);
        else pending.set(child, { line: lineNo, state: 'children', parents: [group] });
      } else into.addChild(group, child, where);
    }
  });
  for (const [name, p] of pending) {
    if (p.state === 'vars') throw new ConfigError(`section [${name}:vars] is for a group that is defined nowhere`, { file, line: p.line }, `[${name}:vars]`);
    throw new ConfigError(`section [${p.parents.at(-1)}:children] includes group "${name}", which is defined nowhere (add a [${name}] section)`, { file, line: p.line }, `[${p.parents.at(-1)}:children]`);
  }
}

function addPendingChildren(group: string, pending: Map<string, Pending>, into: InventoryBuilder, file: string): void {
  const p = pending.get(group)!;
  for (const parent of p.parents) {
    into.addChild(parent, group, { file, line: p.line });
    if (pending.get(parent)?.state === 'children') addPendingChildren(parent, pending, into, file);
  }
  pending.delete(group);
}
