// Builds the shared Debian root file system once and caches it as a tarball;
// every host unpacks its own copy, which is far faster than debootstrap per host.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { run } from './exec.js';
import { resolve, type SandboxOptions } from './config.js';
import { ensureTools } from './tools.js';
import { ACME_PACKAGES, ACME_RECIPE, installAcme } from './acme.js';
import { alive, sleep } from './process.js';
import { sourcesFor, type AptSource, type Release } from './release.js';

const INCLUDE = [
  'systemd', 'systemd-sysv', 'openssh-server', 'dbus', 'iproute2', 'python3',
  'sudo', 'ca-certificates', 'procps', 'less', ...ACME_PACKAGES,
];
// Bump when the image customisation below changes, so old caches are not reused.
// (acme.ts's recipe is hashed into the key as well.)
const RECIPE_VERSION = 2;

// The machine's deb822 sources, for `release`; the container gets the same mirrors, so it
// works wherever the machine's apt works (including snapshot or internal mirrors).
export function machineSources(release: Release): AptSource[] {
  const file = '/etc/apt/sources.list.d/debian.sources';
  const out: AptSource[] = [];
  if (fs.existsSync(file)) {
    for (const stanza of fs.readFileSync(file, 'utf8').split(/\n\s*\n/)) {
      const field = (k: string) => stanza.match(new RegExp(`^${k}:\\s*(.+)$`, 'mi'))?.[1].trim();
      const uris = field('URIs');
      if (uris && /\bdeb\b/.test(field('Types') ?? 'deb')) {
        out.push({ uris, suites: field('Suites') ?? release, components: field('Components') ?? 'main' });
      }
    }
  }
  return sourcesFor(out, machineCodename(), release);
}

function machineCodename(): string | undefined {
  try {
    return fs.readFileSync('/etc/os-release', 'utf8').match(/^VERSION_CODENAME=["']?([a-z]+)/m)?.[1];
  } catch {
    return undefined;
  }
}

function mirror(sources: AptSource[], release: Release): string {
  const main = sources.find((s) => s.suites.split(/\s+/).includes(release)) ?? sources[0];
  return main.uris.split(/\s+/)[0];
}

// The release is in the file name, not the hash: bookworm's name stays what it was before
// there were two releases, so caches (and other checkouts sharing them) stay valid.
function tarballPath(cacheDir: string, sources: AptSource[], release: Release): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ INCLUDE, RECIPE_VERSION, mirror: mirror(sources, release), acme: ACME_RECIPE }))
    .digest('hex').slice(0, 10);
  return path.join(cacheDir, `sandbox-${release}-${key}.tar`);
}

// The release's own archive keyring, as its debian-archive-keyring package names it
// (.gpg up to Debian 12; later packages may ship only .pgp).
function archiveKeyring(root: string): string {
  const names = ['debian-archive-keyring.gpg', 'debian-archive-keyring.pgp'].map((f) => `/usr/share/keyrings/${f}`);
  return names.find((f) => fs.existsSync(path.join(root, f))) ?? names[0];
}

// Host-independent setup baked into the image (per-host bits live in host-files.ts).
async function customise(root: string, sources: AptSource[]): Promise<void> {
  const w = (rel: string, text: string, mode = 0o644) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text, { mode });
    fs.chmodSync(p, mode);
  };
  const keyring = archiveKeyring(root);
  const deb822 = sources.map((s) => `Types: deb\nURIs: ${s.uris}\nSuites: ${s.suites}\n` +
    `Components: ${s.components}\nSigned-By: ${keyring}\n`).join('\n');
  w('etc/apt/sources.list.d/debian.sources', deb822);
  fs.rmSync(path.join(root, 'etc/apt/sources.list'), { force: true });
  w('etc/ssh/sshd_config.d/provision-sandbox.conf',
    'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n');
  // Each host gets its own host keys (host-files.ts); never share the image's.
  for (const f of fs.readdirSync(path.join(root, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) fs.rmSync(path.join(root, 'etc/ssh', f));
  }
  // networkd fails in the container (200/CHDIR) and the address is set from outside;
  // getty on the console only adds noise to the nspawn log.
  for (const unit of ['systemd-networkd.service', 'systemd-networkd.socket',
    'systemd-networkd-wait-online.service', 'console-getty.service']) {
    fs.rmSync(path.join(root, 'etc/systemd/system', unit), { force: true });
    fs.symlinkSync('/dev/null', path.join(root, 'etc/systemd/system', unit));
  }
  // Empty machine-id: systemd makes a fresh one per boot, so hosts differ.
  w('etc/machine-id', '', 0o444);
  await run('useradd', ['--root', root, '-m', '-s', '/bin/bash', 'deploy']);
  w('etc/sudoers.d/deploy', 'deploy ALL=(ALL) NOPASSWD:ALL\n', 0o440);
  await installAcme(root);
  await run('chroot', [root, 'apt-get', 'clean']);
  fs.chmodSync(root, 0o755);
}

// debootstrap prints two lines per package; keep only its phase lines as progress.
const PER_PACKAGE = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) (?!.*(packages|system)\.\.\.$)/;

// A build killed hard (SIGKILL, reboot) skips its finally; drop such leftovers once they
// are clearly not a build still running in another process.
function removeStaleBuilds(cacheDir: string): void {
  for (const f of fs.readdirSync(cacheDir)) {
    const p = path.join(cacheDir, f);
    if (f.startsWith('.build-') && Date.now() - fs.statSync(p).mtimeMs > 2 * 3600_000) {
      fs.rmSync(p, { recursive: true, force: true });
    }
  }
}

// Tarballs of earlier recipes (or mirrors) of the same release: each is a few hundred MB,
// and nothing unpacks them any more once the current one exists. Other releases' stay.
function removeOldTarballs(cacheDir: string, current: string, release: Release): void {
  for (const f of fs.readdirSync(cacheDir)) {
    const p = path.join(cacheDir, f);
    if (f.startsWith(`sandbox-${release}-`) && f.endsWith('.tar') && p !== current) fs.rmSync(p, { force: true });
  }
}

// One build at a time per cache dir: parallel test runs that all find the tarball missing
// would otherwise each spend minutes of CPU building the same image. The lock is a
// directory holding the builder's pid; a dead builder's lock is taken over.
async function withBuildLock(cacheDir: string, tarball: string, log: (l: string) => void, build: () => Promise<string>): Promise<string> {
  const lock = path.join(cacheDir, '.lock-build');
  const pidFile = path.join(lock, 'pid');
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(pidFile, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (fs.existsSync(tarball)) return tarball;
    let pid = 0;
    try { pid = Number(fs.readFileSync(pidFile, 'utf8')) || 0; } catch { /* not written yet, or just released */ }
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    // No pid yet: the owner is between mkdir and write (give it 10 s).
    if ((pid && !alive(pid)) || (!pid && age > 10_000)) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
    if (!said) { log(`waiting for the rootfs build of process ${pid || '?'}`); said = true; }
    await sleep(1000);
  }
  try {
    return fs.existsSync(tarball) ? tarball : await build();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The cached root file system of `release` (built first if missing); returns the tarball's path. */
export async function ensureRootfs(release: Release, opts?: SandboxOptions): Promise<string> {
  const r = resolve(opts);
  const sources = machineSources(release);
  const tarball = tarballPath(r.cacheDir, sources, release);
  if (fs.existsSync(tarball)) return tarball;

  await ensureTools(opts); // debootstrap
  fs.mkdirSync(r.cacheDir, { recursive: true });
  // One lock for all releases: two debootstraps side by side only slow each other down.
  return withBuildLock(r.cacheDir, tarball, r.log, () => build(r, sources, tarball, release));
}

async function build(r: ReturnType<typeof resolve>, sources: AptSource[], tarball: string, release: Release): Promise<string> {
  removeStaleBuilds(r.cacheDir);
  // Build beside the final path and rename at the end: an interrupted build leaves
  // only a stale .build-* dir, never a half-written tarball under the real name.
  const work = fs.mkdtempSync(path.join(r.cacheDir, '.build-'));
  try {
    const root = path.join(work, 'rootfs');
    fs.mkdirSync(root, { mode: 0o755 });
    const m = mirror(sources, release);
    r.log(`debootstrap ${release} from ${m} (takes a minute or two)`);
    await run('debootstrap', ['--variant=minbase', `--include=${INCLUDE.join(',')}`, release, root, m],
      { log: (l) => { if (!PER_PACKAGE.test(l)) r.log(l); }, timeoutMs: 30 * 60_000 });
    await customise(root, sources);
    r.log(`packing ${tarball}`);
    const tmpTar = path.join(work, 'rootfs.tar');
    await run('tar', ['--numeric-owner', '-C', root, '-cf', tmpTar, '.'], { timeoutMs: 10 * 60_000 });
    fs.renameSync(tmpTar, tarball);
    removeOldTarballs(r.cacheDir, tarball, release);
    r.log('rootfs ready');
    return tarball;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
