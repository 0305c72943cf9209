// The project's own inventory format for sandbox hosts (consumed by `provision -i`).
import type { SandboxHost } from './index.js';
import { SANDBOX_VARS } from './acme.js';

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
      '    vars: # acme_*: the host\'s test ACME CA, for certbot\'s server and ca_bundle (src/sandbox/acme.ts)',
      ...Object.entries(SANDBOX_VARS).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
      `      sandbox_release: ${h.release} # the Debian release the host runs`,
    );
  }
  lines.push('groups:', '  sandbox:', `    hosts: [${hosts.map((h) => h.name).join(', ')}]`);
  return lines.join('\n') + '\n';
}
