// TEMPORARY shim (replaced by the hostfacts branch): the interface the engine codes against.
import { fact, type Fact } from './facts.js';

export const HOST_FACT_NAMES: readonly string[] = ['ansible_facts', 'ansible_distribution', 'ansible_distribution_release', 'ansible_distribution_major_version', 'ansible_hostname', 'ansible_architecture'];
export interface HostFacts {
  text: string;
}
export const hostFactsFact: Fact<HostFacts> = fact('host-facts', `. /etc/os-release; printf '%s\\n%s\\n%s\\n' "$ID" "$VERSION_CODENAME" "$VERSION_ID"; uname -m; hostname`, ({ stdout }) => ({ text: stdout }));
export function hostFactVars(f: HostFacts): Record<string, unknown> {
  const [id, codename, version, arch, host] = f.text.split('\n');
  const d = { distribution: id === 'debian' ? 'Debian' : id, distribution_release: codename, distribution_major_version: version, architecture: arch, hostname: host };
  return { ...Object.fromEntries(Object.entries(d).map(([k, v]) => [`ansible_${k}`, v])), ansible_facts: d };
}
