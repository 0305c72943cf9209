import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, writeProject } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * A secret on a real host (a loopback sshd: the "host" is this machine) never
 * appears in the argv of any process while it is used: a sampler reads every
 * /proc/PID/cmdline as fast as it can during the run. The consumers still get
 * it intact: htpasswd (checked by Apache's `htpasswd -v`), a template's file,
 * a command's stdin and environment, and sudo's password (become).
 */
// Each word carries this run's nonce: the sampler sees every process of the machine, and other test
// files running beside this one put troublesome words (a bare `id` in backticks) in their own paths.
const NONCE = randomBytes(4).toString('hex');
const SECRET = `p'a"s$s${NONCE} \`id${NONCE}\` u@h:/x${NONCE} #c y`;
// A run beside a sampler that keeps a core busy, on a machine shared with other test runs.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const { sshd, work } = useTestSshd('provision-argv-secret-');

/**
 * A separate process reading every process's command line in a loop until
 * told to stop; it reports each distinct command line it saw (NULs between
 * words turned into spaces), so a short-lived process is caught too.
 */
function startSampler(): { stop: () => Promise<string[]> } {
  const stopFile = join(work, `stop-${Math.random().toString(36).slice(2)}`);
  const script = `
const fs = require('fs');
const seen = new Set();
while (!fs.existsSync(${JSON.stringify(stopFile)})) {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    try { const c = fs.readFileSync('/proc/' + pid + '/cmdline', 'latin1'); if (c) seen.add(c.split('\\0').join(' ')); } catch {}
  }
}
process.stdout.write(JSON.stringify([...seen]));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise<string[]>((resolve) => child.on('close', () => resolve(JSON.parse(out || '[]') as string[])));
  return {
    stop: () => {
      writeFileSync(stopFile, '');
      return done;
    },
  };
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, out };
}

/** The secret in YAML: a double-quoted scalar is JSON's string syntax. */
const secretsFile = (name: string) => `${name}: !secret ${JSON.stringify(SECRET)}\n`;

/** Parts of the secret a leak would show: the whole, and each word (argv splits at spaces). */
const LEAK_PARTS = [SECRET, ...SECRET.split(' ').filter((w) => w.length >= 4)];

function expectNoLeak(cmdlines: string[]): void {
  for (const line of cmdlines) for (const part of LEAK_PARTS) expect(line, `a process's argv holds the secret: ${line.replace(part, '<SECRET>')}`).not.toContain(part);
}

describe('a secret never in a process list on the host', () => {
  it('htpasswd, template, command stdin and environment: the consumer gets it, no argv holds it', async () => {
    const project = writeProject({
      'secrets.yml': secretsFile('pw'),
      'templates/app.conf.hbs': 'password={{ pw }}\n',
      'site.yaml': `- hosts: all
  tasks:
    - name: basic auth
      htpasswd: { path: ${work}/htpasswd, users: [{ name: alice, password: "{{ pw }}" }], mode: "0600" }
    - name: config file
      template: { src: app.conf.hbs, dest: ${work}/app.conf, mode: "0600" }
    - name: a command reads it on stdin (sleeps, so the sampler sees its command line)
      command: { argv: [sh, -c, 'sleep 0.5; cat > "$1"', stdin-reader, ${work}/from-stdin], stdin: "{{ pw }}", stdin_add_newline: false }
    - name: a command reads it from its environment
      command: { argv: [sh, -c, 'sleep 0.5; printf %s "$APP_TOKEN" > "$1"', env-reader, ${work}/from-env], environment: { APP_TOKEN: "{{ pw }}" } }
`,
    });
    const sampler = startSampler();
    const { code, out } = await run([join(project, 'site.yaml'), '-i', sshd.inventory(), '-e', `@${join(project, 'secrets.yml')}`, '--diff', '-v']);
    const cmdlines = await sampler.stop();

    expect(code, out).toBe(0);
    // The sampler was fast enough to see the commands that consumed the secret: it would have seen the secret in their argv.
    expect(cmdlines.some((l) => l.includes('stdin-reader')), 'the sampler saw the stdin reader').toBe(true);
    expect(cmdlines.some((l) => l.includes('env-reader')), 'the sampler saw the environment reader').toBe(true);
    expectNoLeak(cmdlines);
    expect(out).not.toContain(SECRET);

    // Each consumer got the secret intact.
    const check = spawnSync('htpasswd', ['-v', '-i', join(work, 'htpasswd'), 'alice'], { input: SECRET, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(readFileSync(join(work, 'app.conf'), 'utf8')).toBe(`password=${SECRET}\n`);
    expect(readFileSync(join(work, 'from-stdin'), 'utf8')).toBe(SECRET);
    expect(readFileSync(join(work, 'from-env'), 'utf8')).toBe(SECRET);
  });

  it.each([
    ['a path', 'file: { path: "/srv/{{ pw }}", state: directory }', 'file.path', /a path, a link target, an owner or a mode cannot be secret/],
    ['a link target', 'file: { path: /srv/link, state: link, src: "{{ pw }}" }', 'file.src', /a path, a link target/],
    ["a command's argv", 'command: { argv: [echo, "{{ pw }}"] }', 'command.argv[1]', /use `stdin:` or in `environment:`|on `stdin:` or in `environment:`/],
    ['a command line', 'command: "echo {{ pw }}"', 'command', /on `stdin:` or in `environment:`/],
  ])('a secret in %s: exit 4 naming file, line and field, before any host is touched', async (_label, task, field, hint) => {
    const project = writeProject({ 'secrets.yml': secretsFile('pw'), 'site.yaml': `- hosts: all\n  tasks:\n    - name: leaks\n      ${task}\n` });
    const logBefore = sshd.log().length;
    const { code, out } = await run([join(project, 'site.yaml'), '-i', sshd.inventory(), '-e', `@${join(project, 'secrets.yml')}`]);
    expect(code, out).toBe(4);
    expect(out).toMatch(new RegExp(`site\\.yaml:4:\\d+: tasks\\[0\\]\\.${field.replace(/[.[\]]/g, '\\$&')}: this argument becomes a command word on the host and would show in its process list`));
    expect(out).toMatch(hint);
    expect(out).not.toContain(SECRET);
    expect(sshd.log().slice(logBefore), 'no connection to the host').not.toMatch(/Accepted|Connection from/);
  });
});

/**
 * become with a password: a throwaway user of this machine whose sudo asks
 * for its password (the secret). Removed afterwards.
 */
describe('become_password reaches sudo on stdin only', () => {
  const name = `pvsec${process.pid % 100000}`;
  let home = '';
  const sudoers = `/etc/sudoers.d/${name}`;
  const canCreate = process.getuid?.() === 0 && existsSync('/usr/sbin/useradd') && existsSync('/usr/bin/sudo');
  let userSshd: TestSshd | undefined;
  beforeAll(async () => {
    if (!canCreate) return;
    home = mkdtempSync(join(tmpdir(), 'provision-become-home-'));
    expect(spawnSync('useradd', ['-M', '-d', home, '-s', '/bin/sh', name]).status).toBe(0);
    const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout);
    expect(spawnSync('chpasswd', [], { input: `${name}:${SECRET}\n` }).status).toBe(0);
    writeFileSync(sudoers, `${name} ALL=(ALL) ALL\n`, { mode: 0o440 });
    // sshd reads a user's authorized keys as that user: theirs, in their home.
    userSshd = await startSshd([`Match User ${name}`, `  AuthorizedKeysFile ${home}/authorized_keys`]);
    writeFileSync(join(home, 'authorized_keys'), readFileSync(join(userSshd.dir, 'authorized_keys')));
    for (const f of [home, join(home, 'authorized_keys')]) chownSync(f, uid, gid);
  });
  afterAll(async () => {
    if (!canCreate) return;
    await userSshd?.stop();
    rmSync(sudoers, { force: true });
    spawnSync('userdel', [name]);
    rmSync(home, { recursive: true, force: true });
  });

  it.runIf(canCreate)('sudo gets the password and the task runs as root; no argv holds it', async () => {
    const inventory = join(work, 'become-inventory.yaml');
    writeFileSync(
      inventory,
      `hosts:\n  local:\n    address: 127.0.0.1\n    port: ${userSshd!.port}\n    user: ${name}\n    private_key: ${userSshd!.clientKey}\n    known_hosts: ${userSshd!.knownHosts}\n    vars: { provision_lock_file: ${home}/lock }\n`,
    );
    const project = writeProject({
      'secrets.yml': secretsFile('become_password'),
      'site.yaml': `- hosts: all\n  become: true\n  tasks:\n    - name: who am I (sleeps, so the sampler sees it)\n      command: { argv: [sh, -c, 'sleep 0.5; id -un > "$1"', whoami-writer, ${home}/who] }\n`,
    });
    const sampler = startSampler();
    const { code, out } = await run([join(project, 'site.yaml'), '-i', inventory, '-e', `@${join(project, 'secrets.yml')}`]);
    const cmdlines = await sampler.stop();
    expect(code, out).toBe(0);
    expect(readFileSync(join(home, 'who'), 'utf8').trim()).toBe('root');
    expect(cmdlines.some((l) => l.includes('whoami-writer'))).toBe(true);
    expect(cmdlines.some((l) => l.startsWith('sudo -S '))).toBe(true);
    expectNoLeak(cmdlines);
    expect(out).not.toContain(SECRET);
  });
});
