import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, totals, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/**
 * Ansible's copy (a directory src) and fetch are the truth: the same source
 * tree and the same arguments go to `ansible -m copy|fetch` (connection
 * local) and to provision (over a loopback OpenSSH server, SFTP included), each
 * into its own directory prepared the same way; the resulting trees (paths,
 * types, modes, contents) must be identical.
 */
let sshd: TestSshd;
let base: string;

beforeAll(async () => {
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), 'provision-oracle-copy-'));
});
afterAll(async () => {
  await sshd?.stop();
});

/** The source tree: nested directories, an empty one, a dotfile, a name with spaces and quotes, a binary file, symbolic links. */
function sourceTree(): string {
  const src = mkdtempSync(join(base, 'src-'));
  const put = (rel: string, content: string | Buffer, mode = 0o644): void => {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), content);
    chmodSync(join(src, rel), mode);
  };
  put('index.html', '<h1>hi</h1>\n');
  put('.env.example', 'A=1\n', 0o600);
  put('static/app $x `y` "q".js', 'console.log(1)\n');
  put('static/img/logo.bin', Buffer.from([0, 255, 1, 254, 10, 13]));
  put('bin/run.sh', '#!/bin/sh\necho run\n', 0o755);
  mkdirSync(join(src, 'empty'));
  symlinkSync('index.html', join(src, 'home.html'));
  symlinkSync('static/img', join(src, 'images'));
  return src;
}

/** Every path under dir: type, mode, and content hash (what a user would check). */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) out.push(`${r} link ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${r}/ ${mode}`);
        walk(p, r);
      } else out.push(`${r} ${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`);
    }
  };
  walk(dir, '');
  return out;
}

function ansible(module: string, args: Record<string, string | boolean>): void {
  const kv = Object.entries(args).map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'yes' : 'no') : v}`).join(' ');
  execFileSync('ansible', ['local', '-i', 'local,', '-c', 'local', '-m', module, '-a', kv], {
    env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(base, 'ansible-tmp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' },
    stdio: 'pipe',
  });
}

async function provision(task: string, args: Record<string, string | boolean>): Promise<ReturnType<typeof totals>> {
  const body = Object.entries(args).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ');
  const dir = writeProject({ 'p.yaml': `- hosts: all\n  tasks:\n    - ${task}: { ${body} }\n` });
  const r = await runCli([join(dir, 'p.yaml'), '-i', sshd.inventory()], { HOME: base, SSH_AUTH_SOCK: '' });
  expect(r.stderr).toBe('');
  expect(r.exitCode, r.stdout).toBe(0);
  return totals(r.report);
}

/** Two destination directories prepared by `prepare`, one for each tool. */
function destinations(prepare: (dest: string) => void): [string, string] {
  const pair = [mkdtempSync(join(base, 'ansible-')), mkdtempSync(join(base, 'provision-'))] as [string, string];
  for (const d of pair) prepare(d);
  return pair;
}

const existing = (dest: string): void => {
  mkdirSync(join(dest, 'site/static'), { recursive: true });
  chmodSync(join(dest, 'site/static'), 0o700);
  writeFileSync(join(dest, 'site/index.html'), 'old\n');
  chmodSync(join(dest, 'site/index.html'), 0o640);
  writeFileSync(join(dest, 'site/.env.example'), 'A=1\n');
  chmodSync(join(dest, 'site/.env.example'), 0o604);
  writeFileSync(join(dest, 'site/extra.txt'), 'not in src\n');
};

describe('copy of a directory, as Ansible does it', () => {
  const cases: { name: string; args: (src: string, dest: string) => Record<string, string | boolean>; prepare?: (dest: string) => void }[] = [
    { name: 'contents (src ending in /) into a new directory', args: (src, dest) => ({ src: `${src}/`, dest: `${dest}/site` }) },
    { name: 'the directory itself (no trailing /) into dest, with mode and directory_mode', args: (src, dest) => ({ src, dest: `${dest}/`, mode: '0640', directory_mode: '0750' }) },
    { name: 'over an existing tree: changed file keeps its mode, extra file stays', args: (src, dest) => ({ src: `${src}/`, dest: `${dest}/site` }), prepare: existing },
    { name: 'over an existing tree with mode and directory_mode', args: (src, dest) => ({ src: `${src}/`, dest: `${dest}/site`, mode: '0600', directory_mode: '0711' }), prepare: existing },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const src = sourceTree();
      const [a, p] = destinations(c.prepare ?? (() => {}));
      ansible('copy', c.args(src, a));
      const first = await provision('copy', c.args(src, p));
      expect(first.changed).toBe(1);
      expect(listing(p)).toEqual(listing(a));
      // A second run changes nothing.
      expect(await provision('copy', c.args(src, p))).toMatchObject({ changed: 0, ok: 1 });
    }, 300_000);
  }

  it('a binary file over 1 MiB, src a file and dest a directory ending in /', async () => {
    const src = mkdtempSync(join(base, 'big-'));
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    writeFileSync(join(src, 'blob.bin'), bytes);
    const [a, p] = destinations((d) => mkdirSync(join(d, 'out')));
    ansible('copy', { src: join(src, 'blob.bin'), dest: `${a}/out/` });
    expect((await provision('copy', { src: join(src, 'blob.bin'), dest: `${p}/out/` })).changed).toBe(1);
    expect(listing(p)).toEqual(listing(a));
    expect(await provision('copy', { src: join(src, 'blob.bin'), dest: `${p}/out/` })).toMatchObject({ changed: 0 });
  }, 300_000);
});

describe('fetch, as Ansible lays it out', () => {
  let remote: string;
  beforeAll(() => {
    remote = mkdtempSync(join(base, 'remote-'));
    writeFileSync(join(remote, 'backup.tar.gz'), Buffer.from([31, 139, 8, 0, 1, 2, 3, 255]));
  });
  const cases: { name: string; args: (src: string, dest: string) => Record<string, string | boolean> }[] = [
    { name: 'dest/HOST/path by default', args: (src, dest) => ({ src, dest: `${dest}/` }) },
    { name: 'flat with dest a directory (trailing /)', args: (src, dest) => ({ src, dest: `${dest}/`, flat: true }) },
    { name: 'flat with dest a file name', args: (src, dest) => ({ src, dest: `${dest}/latest.tgz`, flat: true }) },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const src = join(remote, 'backup.tar.gz');
      const [a, p] = destinations(() => {});
      ansible('fetch', c.args(src, a));
      expect((await provision('fetch', c.args(src, p))).changed).toBe(1);
      expect(listing(p)).toEqual(listing(a));
      expect(await provision('fetch', c.args(src, p))).toMatchObject({ changed: 0, ok: 1 });
    }, 300_000);
  }
});
