import { describe, expect, it } from 'vitest';
import { compile, staticTasks, type HostRun } from '../../../src/compile.js';
import { parseInventory } from '../../../src/inventory.js';
import { loadPlaybook } from '../../../src/playbook.js';
import { YamlSource } from '../../../src/yaml-source.js';
import { decidedBeforeRun } from '../../support/decided.js';
import { writeProject } from '../../support/provision.js';

/**
 * systemd_unit's `src:` declares the names its template file reads, as `template` does: a unit
 * template that reads a host fact, a registered result or a set_fact name waits for the run
 * (rendered then, with the run's values), and one that reads only inventory variables is rendered
 * before it, once for every host that gives it the same values.
 */
const inventory = parseInventory(YamlSource.fromText(`hosts:\n  web1: { vars: { port: 81 } }\n  web2: { vars: { port: 81 } }\n  web3: { vars: { port: 82 } }\nvars: { base: /srv }\n`, 'hosts.yaml'));

function build(unitTemplate: string | undefined): HostRun[] {
  const unit = unitTemplate === undefined ? '{ name: app.service, service: { ExecStart: /bin/true } }' : '{ name: app.service, src: app.service.hbs }';
  const playbook = `- hosts: all
  tasks:
    - name: version
      command: { argv: [cat, /etc/debian_version] }
      register: version
    - set_fact: { app_mode: fast }
    - name: the unit
      systemd_unit: ${unit}
`;
  const dir = writeProject({ 'site.yaml': playbook, 'templates/app.service.hbs': unitTemplate ?? '' });
  return compile(loadPlaybook(`${dir}/site.yaml`), inventory);
}

describe('systemd_unit src: what its template file reads decides when it is rendered', () => {
  const cases: [string, string | undefined, boolean, boolean][] = [
    // what, template file (undefined: sections, no src), decided before the run, facts read
    ['nothing to do: sections, no template', undefined, true, false],
    ['inventory variables only', '[Service]\nExecStart=/bin/app --port {{ port }} --dir {{ base }}\n', true, false],
    ['a registered result', '[Service]\nExecStart=/bin/app --debian {{ version.stdout }}\n', false, false],
    ['a set_fact name', '[Service]\nExecStart=/bin/app --mode {{ app_mode }}\n', false, false],
    ['a host fact', '[Service]\nExecStart=/bin/app --release {{ ansible_distribution_release }}\n', false, true],
    ['a host fact inside a block helper', '[Service]\n{{#if ansible_hostname}}Environment=HOST={{ ansible_hostname }}{{/if}}\nExecStart=/bin/app\n', false, true],
  ];
  it.each(cases)('%s', (_what, text, before, facts) => {
    const play = build(text)[0].plays[0];
    expect(decidedBeforeRun(play)['the unit']).toBe(before);
    expect(play.gatherFacts).toBe(facts);
  });

  it('decided before the run, it renders the inventory values', () => {
    const unit = staticTasks(build('[Service]\nExecStart=/bin/app --port {{ port }}\n')[0].plays[0]).find((t) => t.name === 'the unit')!;
    expect((unit.args as { rendered: string }).rendered).toBe('[Service]\nExecStart=/bin/app --port 81\n');
  });

  it('reading only inventory variables, hosts with the same values share one expansion; another value gets its own', () => {
    const runs = build('[Service]\nExecStart=/bin/app --port {{ port }} --dir {{ base }}\n');
    const unit = (r: HostRun) => staticTasks(r.plays[0]).find((t) => t.name === 'the unit')!;
    const [web1, web2, web3] = runs.map(unit);
    expect(web2).toBe(web1);
    expect(web3).not.toBe(web1);
    expect((web3.args as { rendered: string }).rendered).toContain('--port 82');
  });
});
