/**
 * Seeded random inventories of the kind users bring to provision from Ansible: INI and YAML
 * files, directories of them, group_vars/ and host_vars/ (files and directories), several -i
 * sources, a playbook directory. The same seed always gives the same files. Nothing here knows
 * the expected result: ansible-inventory gives it.
 */
export interface FuzzCase {
  seed: number;
  /** Relative path → content (directories are implied). */
  files: Record<string, string>;
  /** -i sources, relative to the case's folder. */
  sources: string[];
  playbookDir?: string;
}

/** mulberry32: small, fast and the same on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GROUPS = ['web', 'db', 'app', 'prod', 'stage', 'edge', 'lb_1', 'EU_West', 'web-servers'];
const HOSTS = ['h1', 'h2', 'web01', 'db-a', 'node.example.com', '10.0.0.5', 'app_1', 'r[1:3]', 'n[01:10:4]', 'l-[a:c]', 'p[0:1]q[1:2]', 'h1:2222', '[2001:db8::1]:2200', 'db-a:22', 'localhost', 'w[1:2]:2201'];
const KEYS = ['port', 'ansible_port', 'ansible_host', 'ansible_user', 'ansible_become', 'color', 'conf', 'x'];

/** INI values on a host line: one shell word each (quotes, escapes and comments as users write them). */
const INI_HOST_VALUES = [
  '5', '-3', '1.5', '0x1F', '1_000', '1e3', '010', '00', '.5', '5.', '+7', '-0x10', 'True', 'False', 'None', 'true', 'yes', 'no', 'null',
  '"a b"', "'a b'", '"x # y"', "'semi;colon'", 'a=b', 'v;c', '"[1, 2]"', `"{'k': 1, 'l': [True, None]}"`, `"'quoted'"`, `'"dq"'`,
  `"'it\\'s'"`, 'C:\\path', '"C:\\\\dir"', 'héllo', '"ünï cödé"', `'r"raw\\n"'`, `"u'x'"`, `"b'x'"`, `"'a' 'b'"`, '"(1, 2)"', '"(5)"', '(5,)',
  '"1.5e-3"', `"'\\x41\\u00e9'"`, `"'tab\\tx'"`, '"$HOME"', '"`id`"', 'user@host:/p', '"{{ color }}"', '2222', '"22"', `"'22'"`,
];

/** INI values in [group:vars]: the rest of the line, as written. */
const INI_VARS_VALUES = [
  '5', '5 # comment', "'a b'", '"a b"', 'a b', 'yes', 'True', 'None', '[1, 2]', "{'k': 'v'}", '"x" # c', 'x = y', '=', '',
  "'a' 'b'", "'a' # c", 'text ; not a comment', '"unterminated', "r'\\d+'", "'''triple'''", '1_000', '0o17', '0b101', '-1.5e3',
  "[1, 'two', {'k': None}]", "('t', 1)", '"\\u00e9\\n"', "'ünï'", 'héllo wörld', '$x `y` @z:/w #', '2222', '"2222"', 'ssh.example.com',
];

/** YAML scalars and flow values, as written after `key: `. */
const YAML_VALUES = [
  'yes', 'no', 'on', 'off', 'Yes', 'OFF', 'y', 'n', 'True', '0755', '0o755', '1_000', '~', 'null', '', '2001-12-14', '!!str 5', '"5"', "'yes'",
  '1e3', '1.0e+3', '08', '0x1F', '1:30', '[1, two, {k: v}]', '{a: 1, b: [x]}', '"a # b"', 'a # b', '"unicode é"', '"tab\\tx"',
  "'it''s'", '+12', '-0', '.5', '!!int "5"', '!!float 1', '"$x `y` @z:/w"', '2222', '"2222"', 'ssh.example.com', '"{{ x }}"',
  '|\n  block\n  text', '>-\n  folded\n  text', '0.', '12:30:45', '-1_0', '0b11', '"\\u00e9"', 'NULL', 'Null', '!!null', '[]', '{}',
  '2001-12-14 21:59:43.10 -5', '2001-12-14t21:59:43.10-05:00', '2002-12-14T00:00:00Z', '!!binary aGVsbG8=', '!!timestamp 2001-12-14', "!!str yes", '0o0', '00', '+.5', '1__0',
];

interface Model {
  groups: string[];
  /** parent → children (parents always earlier in `groups`: no cycles). */
  children: Map<string, string[]>;
  /** host pattern → groups it is listed in ([] = ungrouped). */
  members: Map<string, string[]>;
}

export function generateCase(seed: number): FuzzCase {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const chance = (p: number): boolean => rnd() < p;
  const some = <T>(xs: readonly T[], min: number, max: number): T[] => {
    const pool = [...xs];
    const n = min + Math.floor(rnd() * (max - min + 1));
    const out: T[] = [];
    while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]);
    return out;
  };

  const groups = some(GROUPS, 1, 4);
  const children = new Map<string, string[]>();
  groups.forEach((g, i) => {
    for (const c of groups.slice(i + 1)) if (chance(0.35)) children.set(g, [...(children.get(g) ?? []), c]);
  });
  const hostPatterns = some(HOSTS, 1, 4).filter((h, i, all) => !all.slice(0, i).some((o) => o.split(':')[0] === h.split(':')[0]));
  const members = new Map<string, string[]>(hostPatterns.map((h) => [h, chance(0.15) ? [] : some(groups, 1, 2)]));
  const model: Model = { groups, children, members };

  const files: Record<string, string> = {};
  const vars = (n: number, values: readonly string[]): [string, string][] => some(KEYS, 0, n).map((k) => [k, pick(values)]);
  const withPriority = (list: [string, string][]): [string, string][] =>
    chance(0.2) ? [...list, ['ansible_group_priority', pick(['1', '2', '3', '10', '-1', '1.5', "'5'", 'yes', '0x10', 'abc'])]] : list;

  const renderIni = (m: Model, groupsHere: string[]): string => {
    const lines: string[] = [];
    const hostLine = (h: string): string => {
      const kv = vars(3, INI_HOST_VALUES).map(([k, v]) => `${k}=${v}`);
      return [h, ...kv].join(' ') + (chance(0.15) ? ` ${pick(['# a comment', '#x=1', '  # trailing'])}` : '');
    };
    const ungrouped = [...m.members].filter(([, gs]) => gs.length === 0).map(([h]) => hostLine(h));
    if (ungrouped.length) lines.push(...(chance(0.3) ? [pick(['[ungrouped]', '[all]'])] : []), ...ungrouped);
    if (chance(0.4)) lines.push('[all:vars]', ...vars(3, INI_VARS_VALUES).map(([k, v]) => `${k}${pick(['=', ' = ', '= '])}${v}`));
    const sections: string[][] = [];
    for (const g of groupsHere) {
      const hostLines = [...m.members].filter(([, gs]) => gs.includes(g)).map(([h]) => hostLine(h));
      const head = `[${g}]${chance(0.1) ? ' # the group' : ''}`;
      if (hostLines.length || chance(0.5)) sections.push([head, ...hostLines]);
      const gv = withPriority(vars(3, INI_VARS_VALUES));
      if (gv.length) sections.push([`[${g}:vars]`, ...gv.map(([k, v]) => `${k}${pick(['=', ' = ', '= '])}${v}`)]);
      const kids = (m.children.get(g) ?? []).filter((c) => groupsHere.includes(c));
      // A child is declared here, or only listed: the section that defines it may come later or in another source.
      if (kids.length) sections.push([`[${g}:children]`, ...kids.map((c) => c + (chance(0.1) ? '  # child' : ''))]);
      else if (!hostLines.length && !gv.length) sections.push([`[${g}:children]`]);
    }
    // Users write sections in any order: groups used before they are defined.
    for (let i = sections.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [sections[i], sections[j]] = [sections[j], sections[i]];
    }
    if (chance(0.1)) sections.push(['[all:children]', pick(groupsHere)]);
    for (const s of sections) lines.push(...(chance(0.3) ? ['', pick(['# comment', '; comment'])] : []), ...s);
    return lines.join('\n') + '\n';
  };

  const renderYaml = (m: Model, groupsHere: string[]): string => {
    const out: string[] = [];
    const key = (k: string): string => (/^[[{!&*'"#|>%@`-]|: |#|:$/.test(k) || k === '' ? `'${k}'` : k);
    const value = (v: string, indent: string): string => (v.includes('\n') ? ` ${v.split('\n').join(`\n${indent}`)}` : v === '' ? '' : ` ${v}`);
    const varsBlock = (list: [string, string][], indent: string): void => {
      for (const [k, v] of list) out.push(`${indent}${k}:${value(v, indent + '  ')}`);
    };
    const written = new Set<string>();
    let anchored = false;
    const group = (g: string, indent: string): void => {
      if (written.has(g) && chance(0.7)) {
        out.push(`${indent}${key(g)}:${chance(0.5) ? '' : ' {}'}`);
        return;
      }
      written.add(g);
      out.push(`${indent}${key(g)}:`);
      const hosts = [...m.members].filter(([, gs]) => gs.includes(g));
      if (hosts.length === 1 && chance(0.2)) {
        // Ansible reads `hosts: NAME` as one host without variables.
        out.push(`${indent}  hosts: ${key(hosts[0][0])}`);
      } else if (hosts.length) {
        out.push(`${indent}  hosts:`);
        for (const [h] of hosts) {
          const hv = vars(3, YAML_VALUES);
          out.push(`${indent}    ${key(h)}:${hv.length ? '' : pick(['', ' {}', ' ~'])}`);
          varsBlock(hv, `${indent}      `);
        }
      }
      const gv = withPriority(vars(3, YAML_VALUES));
      if (anchored && chance(0.3)) {
        // Shared vars, as users write them: an alias, or a merge key with more beside it.
        if (chance(0.5)) out.push(`${indent}  vars: *shared`);
        else {
          out.push(`${indent}  vars:`, `${indent}    <<: *shared`);
          varsBlock(gv.filter(([k]) => k !== 'ansible_group_priority'), `${indent}    `);
        }
      } else if (gv.length) {
        const anchor = !anchored && chance(0.2);
        anchored ||= anchor;
        out.push(`${indent}  vars:${anchor ? ' &shared' : ''}`);
        varsBlock(gv, `${indent}    `);
      }
      const kids = (m.children.get(g) ?? []).filter((c) => groupsHere.includes(c));
      if (kids.length) {
        out.push(`${indent}  children:`);
        for (const c of kids) group(c, `${indent}    `);
      }
    };
    const top = groupsHere.filter((g) => ![...m.children.values()].some((cs) => cs.includes(g) && groupsHere.includes(g)));
    const ungrouped = [...m.members].filter(([, gs]) => gs.length === 0);
    const underAll = chance(0.6);
    if (underAll || ungrouped.length) {
      out.push('all:');
      if (ungrouped.length) {
        out.push('  hosts:');
        for (const [h] of ungrouped) {
          out.push(`    ${key(h)}:`);
          varsBlock(vars(2, YAML_VALUES), '      ');
        }
      }
      const av = vars(3, YAML_VALUES);
      if (av.length) {
        out.push('  vars:');
        varsBlock(av, '    ');
      }
      if (underAll && top.length) {
        out.push('  children:');
        for (const g of top) group(g, '    ');
      }
    }
    if (!underAll) for (const g of top) group(g, '');
    // Groups only referenced so far get their own top-level entry, as users split big files.
    for (const g of groupsHere) if (!written.has(g)) group(g, '');
    return out.join('\n') + '\n';
  };

  const render = (m: Model, groupsHere: string[]): { name: string; text: string } =>
    chance(0.5) ? { name: pick(['hosts', 'inventory', 'prod.cfg']), text: renderIni(m, groupsHere) } : { name: pick(['hosts.yml', 'hosts.yaml', 'inventory']), text: renderYaml(m, groupsHere) };

  // One source, two sources (the groups split between them; a host may be in both), or a directory.
  const layout = pick(['one', 'one', 'two', 'dir']);
  const sources: string[] = [];
  let varsBase = '';
  if (layout === 'one') {
    const f = render(model, groups);
    files[f.name] = f.text;
    sources.push(f.name);
  } else {
    const split = Math.max(1, Math.floor(groups.length / 2));
    // Sometimes a group is in both sources (its hosts and vars from each).
    const parts = [groups.slice(0, split), groups.slice(split - (chance(0.3) ? 1 : 0))].filter((p) => p.length);
    const rendered = parts.map((p, i) => {
      const sub: Model = { ...model, members: new Map([...members].filter(([, gs]) => gs.length === 0 ? i === 0 : gs.some((g) => p.includes(g))).map(([h, gs]) => [h, gs.filter((g) => p.includes(g))])) };
      return render(sub, p);
    });
    if (layout === 'two') {
      rendered.forEach((f, i) => {
        const name = `${i === 0 ? 'a' : 'b'}-${f.name}`;
        files[name] = f.text;
        sources.push(name);
      });
      if (chance(0.5)) sources.reverse();
    } else {
      varsBase = 'inv/';
      rendered.forEach((f, i) => {
        files[`inv/${String(i).padStart(2, '0')}-${f.name}`] = f.text;
      });
      if (chance(0.3)) files['inv/notes.md'] = '# not an inventory\n';
      sources.push('inv');
    }
  }

  // group_vars/ and host_vars/ beside the inventory (or in the directory), and a playbook directory's.
  const yamlVarsFile = (): string =>
    (chance(0.2) ? '---\n' : '') + (chance(0.2) ? '# vars\n' : '') + vars(3, YAML_VALUES).map(([k, v]) => `${k}:${value1(v)}`).join('\n') + '\n';
  const value1 = (v: string): string => (v.includes('\n') ? ` ${v.split('\n').join('\n  ')}` : v === '' ? '' : ` ${v}`);
  const varsFiles = (base: string): void => {
    for (const g of ['all', ...groups]) {
      if (!chance(0.35)) continue;
      const form = pick(['file', 'ext', 'dir', 'json']);
      if (form === 'file') files[`${base}group_vars/${g}`] = yamlVarsFile();
      else if (form === 'ext') files[`${base}group_vars/${g}.${pick(['yml', 'yaml'])}`] = yamlVarsFile();
      else if (form === 'json') files[`${base}group_vars/${g}.json`] = JSON.stringify(Object.fromEntries(some(KEYS, 1, 3).map((k) => [k, pick([1, '2', true, null, 'x y', [1]])])));
      else for (const f of some(['b.yml', 'a.yaml', 'c', '10.yml', '9.yml', 'sub/z.yml', '.hidden.yml', 'old.yml~', 'notes.txt'], 1, 3)) files[`${base}group_vars/${g}/${f}`] = yamlVarsFile();
    }
    for (const h of hostPatterns) {
      const name = h.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (name.includes('[') || !chance(0.3)) continue;
      files[`${base}host_vars/${name}${pick(['', '.yml', '.yaml'])}`] = yamlVarsFile();
    }
  };
  varsFiles(varsBase);
  let playbookDir: string | undefined;
  if (chance(0.25)) {
    playbookDir = 'play';
    files['play/site.yml'] = '- hosts: all\n  tasks: []\n';
    varsFiles('play/');
  }
  return { seed, files, sources, playbookDir };
}
