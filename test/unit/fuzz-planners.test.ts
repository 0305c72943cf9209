import { readFileSync, writeFileSync } from 'node:fs';
import { ROOT } from '../support/provision.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Fact } from '../../src/facts.js';
import type { Plan } from '../../src/plan.js';
import { stepsScript } from '../../src/remote-script.js';
import type { PlanContext, TaskType } from '../../src/task-type.js';
import { allTaskTypes } from '../../tasks/index.js';

/**
 * Feeds hostile values into every string field of every task's example and
 * checks, for each value the schema accepts, that the planned remote script
 * only ever contains the payload inside single quotes (where a POSIX shell
 * expands nothing) or inside a base64 here-document.
 */
const MARK = 'PWNED';
const HOSTILE = [
  `x'; touch /tmp/${MARK}; echo '`,
  `$(touch /tmp/${MARK})`,
  `\`touch /tmp/${MARK}\``,
  `a\ntouch /tmp/${MARK}`,
  `-${MARK}`,
  `../../${MARK}`,
  `"${MARK}"; rm -rf /`,
  `${MARK}|sh`,
  `${MARK} && reboot`,
  `\${${MARK}}`,
  `${MARK}\\`,
  `/tmp/${MARK} /etc/shadow`,
];

/**
 * Lines of `script` where a shell would see MARK outside single quotes (or
 * outside base64 here-document bodies). A value made only of characters no
 * shell treats specially (what quote() leaves bare) may also stand as a bare word.
 */
function unquotedMarks(script: string, value = ''): string[] {
  const valueIsInert = /^[A-Za-z0-9_@%+=:,./-]+$/.test(value);
  const found: string[] = [];
  let state: 'plain' | 'single' | 'double' = 'plain';
  let pendingHeredoc: string | null = null;
  let lineStart = 0;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === '\n' && state === 'plain' && pendingHeredoc !== null) {
      const end = script.indexOf(`\n${pendingHeredoc}\n`, i);
      i = end < 0 ? script.length : end + pendingHeredoc.length + 1;
      pendingHeredoc = null;
      lineStart = i + 1;
      continue;
    }
    if (c === '\n') lineStart = i + 1;
    if (state === 'single') {
      if (c === "'") state = 'single' === state ? 'plain' : state;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (state === 'double') {
      if (c === '"') state = 'plain';
    } else if (c === "'") state = 'single';
    else if (c === '"') state = 'double';
    else if (c === '<' && script.startsWith("<<'", i)) pendingHeredoc = /^<<'([^']+)'/.exec(script.slice(i))![1];
    if (state !== 'single' && script.startsWith(MARK, i)) {
      const word = /\S*$/.exec(script.slice(lineStart, i))![0] + /^\S*/.exec(script.slice(i))![0];
      const safeBareWord = valueIsInert && state === 'plain' && /^[A-Za-z0-9_@%+=:,.\/-]+$/.test(word.replace(/^[a-z_]+=/, ''));
      if (!safeBareWord) found.push(script.slice(lineStart, script.indexOf('\n', i) < 0 ? undefined : script.indexOf('\n', i)));
    }
  }
  return found;
}

function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function setPath(value: unknown, path: (string | number)[], leaf: string): unknown {
  if (path.length === 0) return leaf;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[path[0]] = setPath(copy[path[0]], path.slice(1), leaf);
  return copy;
}

const ctx: PlanContext = { host: 'fuzz', sshPort: 22 };
const figures: Record<string, { tried: number; rejected: number; planned: number }> = {};

/** Facts as a fresh host reports them: every fact's parser given empty output. */
function freshFacts(t: TaskType, args: unknown): Record<string, unknown> {
  const facts = t.facts(args, ctx) as Record<string, Fact<unknown>>;
  return Object.fromEntries(Object.entries(facts).map(([k, f]) => [k, f.parse({ stdout: '', exitCode: 1 })]));
}

describe.each(allTaskTypes().map((t) => [t.name, t] as const))('%s with hostile values', (name, t) => {
  it('rejects each hostile value or keeps it quoted in every command', () => {
    const example = parse(t.example) as Record<string, unknown>[] | Record<string, unknown>;
    const base = (Array.isArray(example) ? example[0] : example)[name];
    const paths = stringPaths(base);
    const stats = { tried: 0, rejected: 0, planned: 0 };
    for (const path of paths) {
      for (const value of HOSTILE) {
        const original = path.reduce<any>((v, k) => v[k], base) as string;
        // Keep a leading "/" so path fields still get past the absolute-path check and reach the planner.
        const leaf = original.startsWith('/') && !value.startsWith('/') ? `/${value}` : value;
        stats.tried++;
        const parsed = t.schema.safeParse(setPath(base, path, leaf));
        if (!parsed.success) {
          stats.rejected++;
          continue;
        }
        let plan: Plan;
        try {
          const args = t.resolveLocal ? t.resolveLocal(parsed.data, { template: () => 'rendered\n', file: () => 'file\n' }) : parsed.data;
          plan = t.plan(args, freshFacts(t, args) as never, ctx);
        } catch {
          stats.rejected++; // the planner refused (e.g. a lockout guard): nothing runs
          continue;
        }
        stats.planned++;
        const script = stepsScript(plan.changes.flatMap((c) => c.steps));
        expect(unquotedMarks(script, leaf), `${name} ${path.join('.')} = ${JSON.stringify(leaf)}`).toEqual([]);
      }
    }
    figures[name] = stats;
    expect(stats.tried).toBeGreaterThan(0);
  });
});

describe('the checker itself', () => {
  it('finds a payload outside single quotes and ignores it inside', () => {
    expect(unquotedMarks(`echo 'a ${MARK}'`)).toEqual([]);
    expect(unquotedMarks(`echo "a ${MARK}"`)).toHaveLength(1);
    expect(unquotedMarks(`echo a; ${MARK}`)).toHaveLength(1);
    expect(unquotedMarks(`cat <<'X'\n${MARK}\nX\necho ok`)).toEqual([]);
    expect(unquotedMarks(`echo 'a\n${MARK}' b`)).toEqual([]);
    expect(unquotedMarks(`mkdir -- /tmp/${MARK}-dir`, `/tmp/${MARK}-dir`)).toEqual([]);
    expect(unquotedMarks(`mkdir -- /tmp/${MARK};id`, `/tmp/${MARK};id`)).toHaveLength(1);
    expect(unquotedMarks(`echo a ${MARK} && reboot`, `${MARK} && reboot`)).toHaveLength(1);
  });

  it('the README\'s Safety figures are this run\'s (UPDATE_README=1 rewrites them)', () => {
    const rows = Object.entries(figures)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([task, f]) => `| \`${task}\` | ${f.tried} | ${f.rejected} | ${f.planned} |`);
    const total = Object.values(figures).reduce((t, f) => ({ tried: t.tried + f.tried, rejected: t.rejected + f.rejected, planned: t.planned + f.planned }), { tried: 0, rejected: 0, planned: 0 });
    const table = ['| task | hostile values tried | rejected before planning | planned, all safely quoted |', '|---|---|---|---|', ...rows, `| all | ${total.tried} | ${total.rejected} | ${total.planned} |`].join('\n');
    const readmePath = `${ROOT}/README.md`;
    const readme = readFileSync(readmePath, 'utf8');
    const start = '<!-- fuzz-figures:start (written by UPDATE_README=1 npx vitest run test/unit/fuzz-planners.test.ts) -->';
    const end = '<!-- fuzz-figures:end -->';
    const current = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end)).trim();
    if (process.env.UPDATE_README) writeFileSync(readmePath, readme.replace(`${start}\n${current}\n${end}`, `${start}\n${table}\n${end}`).replace(`${start}\n${end}`, `${start}\n${table}\n${end}`));
    else expect(current).toBe(table);
  });
});
