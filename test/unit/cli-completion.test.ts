import { describe, expect, it } from 'vitest';
import { completionCandidates, type CompletionSources } from '../../src/completion/candidates.js';

// A fixed world: the rules, without the file system.
const shape = { subcommands: ['validate', 'inventory', 'test'], flags: { '': ['--limit', '--list-hosts', '--tags'], inventory: ['--graph', '--list'] } };
const sources: CompletionSources = {
  listDir: (dir) => ({ '.': ['site.yaml', 'notes.txt', 'playbooks/', '.hidden.yaml'], 'playbooks/': ['a.yml', 'b.yaml', 'c.json'] })[dir] ?? [],
  inventoryNames: (inv) => (inv.join() === 'inventory/hosts.yaml' ? ['web1', 'db1', 'web'] : ['other1']),
  playbookTags: () => ['nginx', 'db'],
  playbookTaskNames: () => ['Install nginx'],
};

describe('completion candidates', () => {
  it.each([
    ['nothing typed: subcommands and playbooks', [''], ['validate', 'inventory', 'test', 'site.yaml', 'playbooks/']],
    ['a subcommand prefix', ['va'], ['validate']],
    ['into a directory: YAML files only', ['playbooks/'], ['playbooks/a.yml', 'playbooks/b.yaml']],
    ['hidden files when asked for', ['.h'], ['.hidden.yaml']],
    ['flags of the run', ['site.yaml', '--li'], ['--limit', '--list-hosts']],
    ['flags of a subcommand', ['inventory', '--'], ['--graph', '--list']],
    ['hosts and groups of the default inventory', ['site.yaml', '-l', 'w'], ['web1', 'web']],
    ['hosts of the inventory given', ['site.yaml', '-i', 'x.ini', '--limit', ''], ['other1']],
    ['tags of the playbook on the line', ['site.yaml', '--tags', 'n'], ['nginx']],
    ['no tags without a playbook', ['-t', ''], []],
    ['a second playbook is not offered', ['validate', 'site.yaml', ''], []],
    ['nothing matches: nothing', ['zzz'], []],
  ])('%s', (_, words, expected) => {
    expect(completionCandidates(words as string[], shape, sources)).toEqual(expected);
  });
});
