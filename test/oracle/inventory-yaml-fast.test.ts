import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { YamlSource } from '../../src/yaml-source.js';
import { CLI } from '../support/provision.js';

/**
 * A large Ansible YAML inventory of the common syntax the fast reader (js-yaml, src/yaml-fast/)
 * takes: every host's variables in PyYAML's 1.1 forms (booleans, octals, sexagesimals, hex,
 * binary, floats, nulls, near misses that stay strings, quoted forms, flow collections, block
 * scalars, comments), groups with children and vars. ansible-inventory --list is the oracle.
 */
const FORMS = [
  'yes', 'No', 'ON', 'off', 'y', 'n', 'True', 'FALSE', '0755', '08', '0o17', '0x1F', '0b101', '1_000', '1:30', '190:20:30', '-1:30',
  '1.5', '.5', '1.', '1e3', '1.5e+3', '190:20:30.15', '~', 'null', '2001-12-14', '12:30:59', '+12', '"yes"', "'0755'", '"a\\tb \\u00e9"',
  "'it''s'", 'plain words here', 'http://example.com/a?b=c', 'a#b', '[yes, 010, "x", {k: off}]', '{a: 1, b: [on, ~]}', '[]', '{}', '',
];

function inventoryText(hosts: number): string {
  const lines = ['# generated: the fast reader\'s syntax at fleet size', 'all:', '  vars:', '    fleet_size: ' + hosts, '  children:'];
  for (const group of ['web', 'db']) {
    lines.push(`    ${group}:`, '      vars:', `        role: ${group}  # a comment`, '        motd: |', `          Welcome to ${group}`, '          managed', '      hosts:');
    for (let i = 0; i < hosts / 2; i++) {
      const n = group === 'web' ? i : hosts / 2 + i;
      lines.push(`        host${n}.example.com:`, `          ansible_port: ${2200 + n}`);
      for (let f = 0; f < 6; f++) lines.push(`          v${f}: ${FORMS[(n * 7 + f) % FORMS.length]}`);
      if (n % 10 === 0) lines.push('          banner: >-', '            folded', '            text');
    }
  }
  lines.push('    db_replicas:', '      children:', '        db:');
  return lines.join('\n') + '\n';
}

async function ansibleInventory(args: string[]): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'ansible-oracle-'));
  const r = await promisify(execFile)('ansible-inventory', args, {
    cwd: home,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH, HOME: home, ANSIBLE_CONFIG: join(home, 'ansible.cfg'), ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True', ANSIBLE_NOCOLOR: '1' },
  });
  return r.stdout;
}

describe('a large inventory in the fast reader\'s syntax, read as ansible-inventory reads it', () => {
  it('400 hosts: groups, children and every merged variable', async () => {
    const text = inventoryText(400);
    // The fast path is really the one taken for this file (else this would test yaml again).
    expect(YamlSource.fromText(text, 'hosts.yaml', { yaml11: true }).reader).toBe('js-yaml');
    const dir = mkdtempSync(join(tmpdir(), 'provision-yaml-fast-'));
    const file = join(dir, 'hosts.yaml');
    writeFileSync(file, text);
    const theirs = JSON.parse(await ansibleInventory(['-i', file, '--list']));
    const ours = spawnSync(process.execPath, [CLI, 'inventory', '-i', file, '--list'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    expect(ours.stderr).toBe('');
    expect(ours.status).toBe(0);
    const mine = JSON.parse(ours.stdout);
    expect(Object.keys(theirs._meta.hostvars)).toHaveLength(400);
    expect(mine).toEqual(theirs);
  });
});
