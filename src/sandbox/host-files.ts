// Per-host root file system: an unpacked copy of the cached image plus the bits that
// must differ between hosts (name, SSH host keys, authorized key, DNS).
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

// Upstream resolvers for the container; a loopback stub (systemd-resolved) is
// unreachable from inside the container's network namespace.
export function resolvConf(): string {
  const usable = (f: string) => {
    if (!fs.existsSync(f)) return undefined;
    const text = fs.readFileSync(f, 'utf8');
    const servers = [...text.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]);
    return servers.some((s) => !/^(127\.|::1$)/.test(s)) ? text : undefined;
  };
  return usable('/etc/resolv.conf') ?? usable('/run/systemd/resolve/resolv.conf')
    ?? 'nameserver 1.1.1.1\n';
}

function uidGid(root: string, user: string): [number, number] {
  const line = fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8')
    .split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`user ${user} missing in ${root}`);
  const f = line.split(':');
  return [Number(f[2]), Number(f[3])];
}

function authorize(root: string, user: string, home: string, pubKey: string): void {
  const [uid, gid] = uidGid(root, user);
  const dir = path.join(root, home, '.ssh');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  write(path.join(dir, 'authorized_keys'), pubKey, 0o600);
  fs.chownSync(dir, uid, gid);
  fs.chownSync(path.join(dir, 'authorized_keys'), uid, gid);
}

export interface HostFiles { rootDir: string; privateKeyPath: string; knownHostsPath: string; hostKey: string }

export async function prepareHost(dir: string, name: string, tarball: string, address: string): Promise<HostFiles> {
  const rootDir = path.join(dir, 'rootfs');
  fs.mkdirSync(rootDir, { recursive: true });
  // mkdir honours umask and mkdtemp gives 700; non-root services inside need 755.
  fs.chmodSync(rootDir, 0o755);
  // Host keys are made here, so known_hosts exists before the host ever boots; keys are
  // generated beside the unpacking because RSA generation is CPU while tar is disk.
  const keysDir = path.join(dir, 'hostkeys');
  fs.mkdirSync(path.join(keysDir, 'etc/ssh'), { recursive: true });
  const privateKeyPath = path.join(dir, 'id_ed25519');
  fs.rmSync(privateKeyPath, { force: true });
  fs.rmSync(`${privateKeyPath}.pub`, { force: true });
  await Promise.all([
    run('tar', ['--numeric-owner', '-xpf', tarball, '-C', rootDir], { timeoutMs: 5 * 60_000 }),
    run('ssh-keygen', ['-A', '-f', keysDir]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `provision-sandbox@${name}`, '-f', privateKeyPath]),
  ]);
  for (const f of fs.readdirSync(path.join(keysDir, 'etc/ssh'))) {
    fs.renameSync(path.join(keysDir, 'etc/ssh', f), path.join(rootDir, 'etc/ssh', f));
  }
  fs.rmSync(keysDir, { recursive: true });

  write(path.join(rootDir, 'etc/hostname'), `${name}\n`);
  // sudo resolves its own host name on every call and complains without this line.
  write(path.join(rootDir, 'etc/hosts'),
    `127.0.0.1\tlocalhost\n127.0.1.1\t${name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  fs.rmSync(path.join(rootDir, 'etc/resolv.conf'), { force: true });
  write(path.join(rootDir, 'etc/resolv.conf'), resolvConf());

  const hostKey = fs.readFileSync(path.join(rootDir, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')
    .trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHostsPath = path.join(dir, 'known_hosts');
  write(knownHostsPath, `${address} ${hostKey}\n`);

  fs.chmodSync(privateKeyPath, 0o600);
  const pub = fs.readFileSync(`${privateKeyPath}.pub`, 'utf8');
  authorize(rootDir, 'root', 'root', pub);
  authorize(rootDir, 'deploy', 'home/deploy', pub);
  return { rootDir, privateKeyPath, knownHostsPath, hostKey };
}
