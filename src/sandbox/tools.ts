// Host tools the sandbox shells out to, with the Debian package that provides each.
import { run, which } from './exec.js';
import { resolve, type SandboxOptions } from './config.js';

const TOOLS: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  nft: 'nftables',
  ip: 'iproute2',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  nsenter: 'util-linux',
  tar: 'tar',
};

export async function missingPackages(): Promise<string[]> {
  const missing = new Set<string>();
  for (const [cmd, pkg] of Object.entries(TOOLS)) if (!(await which(cmd))) missing.add(pkg);
  return [...missing];
}

export async function ensureTools(opts?: SandboxOptions): Promise<void> {
  const r = resolve(opts);
  const missing = await missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`sandbox needs root and these packages: apt-get install -y ${missing.join(' ')}`);
  }
  r.log(`installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { log: r.log, env, timeoutMs: 10 * 60_000 });
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { log: r.log, env, timeoutMs: 20 * 60_000 });
}
