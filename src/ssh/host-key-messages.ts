import type { HostKeyVerdict } from './host-key-check.js';
import type { KnownHostEntry } from './known-hosts.js';

/** What the user needs to decide about a refused host key. */
export interface HostKeyContext {
  /** address:port, as connected to. */
  hostPort: string;
  address: string;
  port: number;
  /** The name looked up in known_hosts: host, [host]:port or the HostKeyAlias. */
  name: string;
  /** The presented key: type and SHA256 fingerprint. */
  presentedType: string;
  presentedFingerprint: string;
  userFiles: string[];
  globalFiles: string[];
  /** Why --accept-new-host-keys could not record the key, when it was given. */
  notRecorded?: string;
}

const where = (entries: KnownHostEntry[]): string => entries.map((e) => `${e.file}:${e.line}`).join(', ');

/** The message for a verdict other than 'match'. */
export function describeHostKeyRefusal(v: Exclude<HostKeyVerdict, { status: 'match' }>, c: HostKeyContext): string {
  const presented = `${c.presentedType} key ${c.presentedFingerprint}`;
  switch (v.status) {
    case 'revoked':
      return `REVOKED HOST KEY for ${c.hostPort}: the server presented the ${presented}, marked @revoked in ${where(v.entries)}. Someone may be using a stolen key to impersonate the host; it is never accepted`;
    case 'changed': {
      const known = v.known.map((e) => `${e.type} in ${e.file}:${e.line}`).join(', ');
      const ca = v.certAuthorities.length ? ` (@cert-authority in ${where(v.certAuthorities)} also covers it, but host certificates are not supported)` : '';
      return `HOST KEY CHANGED for ${c.hostPort}: the server presented the ${presented}, but ${c.name} is known with another key: ${known}${ca}. This may be an attack; if the host was rebuilt, remove the old entry (ssh-keygen -R '${c.name}' -f ${v.known[0].file}) and connect again`;
    }
    case 'certificate-only':
      return `host certificates are not supported: add the host's own key to known_hosts (${c.hostPort} is trusted only through @cert-authority in ${where(v.certAuthorities)}; it presented the ${presented})`;
    case 'unknown': {
      const files = [...c.userFiles, ...c.globalFiles].join(', ') || 'no known_hosts file';
      const add = c.userFiles[0] ?? c.globalFiles[0];
      const how = add ? `check that fingerprint and add the key (ssh-keyscan -p ${c.port} ${c.address} >> ${add})` : 'no known_hosts file is configured to add it to';
      const accept = c.notRecorded ? `; --accept-new-host-keys did not record it: ${c.notRecorded}` : c.userFiles.length ? ', or run once with --accept-new-host-keys' : '';
      return `host key of ${c.hostPort} is not in ${files} (no key for ${c.name}); the server presented the ${presented}: ${how}${accept}`;
    }
  }
}
