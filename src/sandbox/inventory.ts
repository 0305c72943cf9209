// The project's own inventory format for sandbox hosts (consumed by `provision -i`).
import type { SandboxHost } from './index.js';

export function inventoryYaml(hosts: SandboxHost[]): string {
  const lines = ['# provision sandbox inventory', 'hosts:'];
  if (hosts.length === 0) lines[1] = 'hosts: {}';
  for (const h of hosts) {
    lines.push(
      `  ${h.name}:`,
      `    address: ${h.address}`,
      `    port: ${h.port}`,
      `    user: ${h.user}`,
      `    private_key: ${h.privateKeyPath}`,
      `    known_hosts: ${h.knownHostsPath}`,
      '    vars:',
      '      sandbox: true',
    );
  }
  lines.push('groups:', '  sandbox:', `    hosts: [${hosts.map((h) => h.name).join(', ')}]`);
  return lines.join('\n') + '\n';
}
