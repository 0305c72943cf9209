import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../exit-codes.js';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * `provision init [DIR]`: scaffolds inventory/, playbooks/ and templates/ with
 * one working example (the hello playbook), and JSON Schemas for editors.
 * Never overwrites a file.
 */
export async function initProject(dir: string): Promise<void> {
  const files: Record<string, string> = {
    'inventory/hosts.yaml': INVENTORY,
    'playbooks/site.yaml': readFileSync(join(PACKAGE_ROOT, 'playbooks', 'hello.yaml'), 'utf8').replace(/^# yaml-language-server.*\n/, '# yaml-language-server: $schema=../schemas/playbook.schema.json\n'),
    'templates/hello/hello.service.hbs': readFileSync(join(PACKAGE_ROOT, 'templates', 'hello', 'hello.service.hbs'), 'utf8'),
  };
  const existing = Object.keys(files).filter((f) => existsSync(join(dir, f)));
  if (existing.length) throw new UsageError(`not overwriting ${existing.map((f) => join(dir, f)).join(', ')}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const docs = await import('../docs.js');
  mkdirSync(join(dir, 'schemas'), { recursive: true });
  writeFileSync(join(dir, 'schemas', 'playbook.schema.json'), `${JSON.stringify(docs.playbookJsonSchema(), null, 2)}\n`);
  writeFileSync(join(dir, 'schemas', 'inventory.schema.json'), `${JSON.stringify(docs.inventoryJsonSchema(), null, 2)}\n`);
  process.stdout.write(
    [
      `created in ${resolve(dir)}:`,
      ...Object.keys(files).map((f) => `  ${f}`),
      '  schemas/playbook.schema.json, schemas/inventory.schema.json',
      '',
      'next:',
      '  provision test playbooks/site.yaml            # try it on a throwaway local host (root, Debian)',
      '  edit inventory/hosts.yaml, then:',
      '  provision playbooks/site.yaml --check         # what would change on your servers',
      '  provision playbooks/site.yaml                 # make them match',
      '',
    ].join('\n'),
  );
}

const INVENTORY = `# yaml-language-server: $schema=../schemas/inventory.schema.json
# Your servers. Connection defaults: port 22, user root, ssh-agent or ~/.ssh/id_ed25519,
# host keys checked against ~/.ssh/known_hosts. Ansible YAML inventories work too.
hosts:
  web1:
    address: 203.0.113.10
    user: admin
    become: true
groups:
  web:
    hosts: [web1]
`;
