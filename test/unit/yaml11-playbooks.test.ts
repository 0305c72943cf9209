import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTaskTypes } from '../../tasks/index.js';
import { ANSIBLE_YAML, YamlSource } from '../../src/yaml-source.js';
import { ROOT } from '../support/provision.js';

/**
 * Playbooks were read as YAML 1.2 before they were read as Ansible reads them (YAML 1.1,
 * PyYAML's resolvers). Every playbook-side YAML text of the repository (the guides' playbooks
 * and their scenario files, the bench playbook, the roles' tasks/handlers/meta, the README's
 * examples, each task type's example) must read to the same data both ways, or be listed here
 * as an intended difference. Both readers of the new way (js-yaml where it can, `yaml`) are
 * compared too.
 */
const INTENDED: Record<string, string> = {};

function yamlFiles(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter(keep)
    .sort();
}

function texts(): [string, string][] {
  const files = [
    ...yamlFiles('playbooks', () => true),
    'bench/playbook.yaml',
    ...yamlFiles('roles', (p) => /\/(tasks|handlers|meta)\//.test(p)),
  ].map((f): [string, string] => [f, readFileSync(join(ROOT, f), 'utf8')]);
  const readme = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m, i): [string, string] => [`README.md yaml block ${i + 1}`, m[1]]);
  const examples = allTaskTypes().map((t): [string, string] => [`${t.name} example`, t.example]);
  return [...files, ...readme, ...examples];
}

/** The data, or the error's message: a text one reader refuses must be refused by the other too. */
function read(text: string, name: string, options: Parameters<typeof YamlSource.fromText>[2]): unknown {
  try {
    return YamlSource.fromText(text, name, options).data;
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('every playbook-side YAML text of the repository reads the same as YAML 1.2 and as Ansible reads it', () => {
  const all = texts();
  it('finds the guides, the bench, the roles, the README and the task examples', () => {
    expect(all.filter(([n]) => n.startsWith('playbooks/')).length).toBeGreaterThanOrEqual(10);
    expect(all.filter(([n]) => n.startsWith('roles/')).length).toBeGreaterThanOrEqual(8);
    expect(all.filter(([n]) => n.startsWith('README')).length).toBeGreaterThanOrEqual(20);
    expect(all.length).toBeGreaterThan(60);
  });

  it.each(all)('%s', (name, text) => {
    const before = read(text, name, {});
    const now = read(text, name, ANSIBLE_YAML);
    expect(read(text, name, { ...ANSIBLE_YAML, reader: 'yaml' })).toEqual(now);
    if (INTENDED[name]) expect(now).not.toEqual(before);
    else expect(now).toEqual(before);
  });

  it('nothing to do: an empty text is null both ways', () => {
    expect(read('', 'empty.yaml', ANSIBLE_YAML)).toEqual(read('', 'empty.yaml', {}));
  });
});
