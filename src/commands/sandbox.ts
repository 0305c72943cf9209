import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Release } from '../sandbox/release.js';

/** `provision sandbox up|list|down`: disposable Debian test hosts (systemd-nspawn). */
export async function sandboxUp(names: string[], release: Release): Promise<void> {
  const sandbox = await import('../sandbox/index.js');
  const hosts = await sandbox.up(names.length ? names : ['pv-1'], { release, log: (l) => process.stderr.write(`${l}\n`) });
  const inventory = sandbox.inventoryYaml(hosts);
  const file = join(sandboxDir(), 'inventory.yaml');
  writeFileSync(file, sandbox.inventoryYaml(await sandbox.list()));
  process.stderr.write(`inventory of all sandbox hosts written to ${file}\n`);
  process.stdout.write(inventory);
}

export async function sandboxList(): Promise<void> {
  const sandbox = await import('../sandbox/index.js');
  const hosts = await sandbox.list();
  if (!hosts.length) return void process.stdout.write('no sandbox hosts\n');
  for (const h of hosts) process.stdout.write(`${h.name}\t${h.release}\t${h.address}\tssh -i ${h.privateKeyPath} -o UserKnownHostsFile=${h.knownHostsPath} root@${h.address}\n`);
}

export async function sandboxDown(names: string[]): Promise<void> {
  const sandbox = await import('../sandbox/index.js');
  await sandbox.down(names.length ? names : undefined, { log: (l) => process.stderr.write(`${l}\n`) });
  writeFileSync(join(sandboxDir(), 'inventory.yaml'), sandbox.inventoryYaml(await sandbox.list()));
}

function sandboxDir(): string {
  return process.env.PROVISION_SANDBOX_DIR ?? '/var/lib/provision/sandbox';
}
