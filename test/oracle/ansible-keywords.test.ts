import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_MODULES, knownModules, moduleHint, MODULE_COLLECTIONS, REFUSED_KEYWORDS, SUPPORTED_KEYWORDS, unsupportedKeyword } from '../../src/ansible-compat.js';
import { taskTypeNames } from '../../tasks/index.js';

/**
 * Every keyword and module of the installed ansible-core (2.14) gets a
 * treatment in provision: supported, or refused with a message naming it. The
 * lists come from Ansible itself (the FieldAttributes of Play, Block, Task and
 * Handler; `ansible-doc -l`), so a keyword or module provision has never heard
 * of cannot fall through to a generic error, and no name provision calls
 * Ansible's is made up.
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-keywords-'));
const env = { ...process.env, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1', ANSIBLE_DEPRECATION_WARNINGS: 'false' };
writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');

/** The Python that runs ansible (its shebang): another python3 on PATH may not have it. */
const python = readFileSync(execFileSync('which', ['ansible'], { encoding: 'utf8' }).trim(), 'utf8').split('\n')[0].replace(/^#!\s*/, '').split(' ')[0];

const keywords = JSON.parse(
  execFileSync(
    python,
    [
      '-c',
      `import json
from ansible.playbook.play import Play
from ansible.playbook.block import Block
from ansible.playbook.task import Task
from ansible.playbook.handler import Handler
print(json.dumps({'play': sorted(Play.fattributes), 'block': sorted(Block.fattributes), 'task': sorted(Task.fattributes), 'handler': sorted(Handler.fattributes)}))`,
    ],
    { env, encoding: 'utf8' },
  ),
) as Record<'play' | 'block' | 'task' | 'handler', string[]>;

const docList = (...args: string[]): string[] => Object.keys(JSON.parse(execFileSync('ansible-doc', ['-l', '-j', ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 })));
// ansible-doc lists a deprecated module with a leading underscore (`_include`).
const builtinModules = docList('ansible.builtin').map((n) => n.replace(/\._/, '.'));
const lookups = docList('-t', 'lookup', 'ansible.builtin').map((n) => n.replace(/^ansible\.builtin\./, ''));

const treated = (level: 'play' | 'block' | 'task', key: string): boolean =>
  SUPPORTED_KEYWORDS[level].includes(key) || new RegExp(`^"${key}" is an Ansible keyword provision does not support`).test(unsupportedKeyword(level, key) ?? '');

describe('every Ansible keyword has a treatment', () => {
  it('Ansible 2.14 answered with its keywords', () => {
    expect(keywords.task).toContain('delegate_to');
    expect(keywords.play).toContain('serial');
    expect(keywords.block).toContain('rescue');
  });

  it.each([
    ['play', 'play'],
    ['block', 'block'],
    ['task', 'task'],
    ['task', 'handler'],
  ] as const)('%s level, from %s', (level, ansibleClass) => {
    const untreated = keywords[ansibleClass].filter((k) => !treated(level, k));
    expect(untreated).toEqual([]);
  });

  it('with_<lookup> for every lookup plugin of ansible.builtin', () => {
    expect(lookups).toContain('items');
    const untreated = lookups.map((l) => `with_${l}`).filter((k) => !treated('task', k));
    expect(untreated).toEqual([]);
  });

  it('action and local_action, which Ansible reads besides its FieldAttributes, are Ansible\'s (syntax-check) and refused', () => {
    const playbook = join(dir, 'actions.yaml');
    writeFileSync(playbook, '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - action: command true\n    - local_action: command true\n');
    execFileSync('ansible-playbook', ['--syntax-check', '-i', 'localhost,', playbook], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    for (const key of ['action', 'local_action']) expect(treated('task', key) && !SUPPORTED_KEYWORDS.task.includes(key)).toBe(true);
  });

  it("every keyword provision claims or refuses as Ansible's is one (besides provision's own defaults and verify)", () => {
    const ansible = new Set([...keywords.play, ...keywords.block, ...keywords.task, ...keywords.handler, 'action', 'local_action', ...lookups.map((l) => `with_${l}`)]);
    const own = ['defaults', 'verify'];
    const claimed = [...SUPPORTED_KEYWORDS.play, ...SUPPORTED_KEYWORDS.block, ...SUPPORTED_KEYWORDS.task, ...REFUSED_KEYWORDS];
    expect(claimed.filter((k) => !ansible.has(k) && !own.includes(k))).toEqual([]);
  });

  it('a keyword supported at a level is one Ansible takes at that level', () => {
    const at = { play: keywords.play, block: keywords.block, task: [...keywords.task, ...keywords.handler, ...keywords.block] };
    for (const level of ['play', 'block', 'task'] as const) {
      expect(SUPPORTED_KEYWORDS[level].filter((k) => !at[level].includes(k) && !['defaults', 'verify', 'with_items'].includes(k))).toEqual([]);
    }
  });
});

describe('every ansible.builtin module has a hint', () => {
  it('Ansible 2.14 answered with its modules', () => {
    expect(builtinModules).toContain('ansible.builtin.lineinfile');
    expect(builtinModules.length).toBeGreaterThan(60);
  });

  it.each(['ansible.builtin', 'ansible.legacy'])('by the name %s.MODULE', (prefix) => {
    const missing = builtinModules.map((m) => m.replace(/^ansible\.builtin/, prefix)).filter((m) => !moduleHint(m)?.startsWith(`"${m}" is Ansible's module; provision`));
    expect(missing).toEqual([]);
  });

  it('by the short name, unless it is provision\'s own task type', () => {
    const own = new Set([...taskTypeNames(), ...ENGINE_MODULES]);
    const missing = builtinModules.map((m) => m.split('.').pop()!).filter((m) => !own.has(m) && !moduleHint(m)?.startsWith(`"${m}" is Ansible's module; provision`));
    expect(missing).toEqual([]);
  });

  it("every module the table names exists in the installed Ansible collections, and gets a hint by its FQCN", () => {
    const all = new Set(docList().map((n) => n.replace(/\._/, '.')));
    const fqcns = [
      ...knownModules().filter((m) => builtinModules.includes(`ansible.builtin.${m}`)).map((m) => `ansible.builtin.${m}`),
      ...Object.entries(MODULE_COLLECTIONS).flatMap(([c, ms]) => ms.map((m) => `${c}.${m}`)),
    ];
    expect(fqcns.length).toBe(knownModules().length);
    expect(fqcns.filter((m) => !all.has(m))).toEqual([]);
    expect(fqcns.filter((m) => !moduleHint(m))).toEqual([]);
  });
});
