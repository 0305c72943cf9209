// The local artifacts of the guides' real install paths (test/fixtures/upstream/build.py), read
// by the programs that read them on a server: pip installs from the PEP 503 index over HTTP (as
// the playbooks run it: --index-url, --trusted-host), git clones the bare repository over its
// "dumb" HTTP protocol, pip builds the backend with the hatchling stand-in (`pip install -e`,
// PEP 660), and the installed console scripts behave as the upstream contracts say. On this
// machine, on loopback; the host tests run the same artifacts on Debian test hosts.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../support/sshd.js';
import { serveUpstreamArtifacts, type UpstreamArtifacts } from '../support/upstream-artifacts.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'provision-upstream-oracle-'));
// pip must see only the index given on its command line, never this machine's pip configuration.
const pipEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIP_')));
const env = { ...pipEnv, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1' };

let upstream: UpstreamArtifacts;
beforeAll(async () => void (upstream = await serveUpstreamArtifacts()), 120_000);
afterAll(async () => upstream?.close());

/** A fresh venv with `args` installed by its own pip from the local index, as the playbooks run pip. */
async function venvWith(name: string, args: string[], cwd = dir): Promise<string> {
  const venv = join(dir, name);
  await run('python3', ['-m', 'venv', venv], { env });
  await run(join(venv, 'bin', 'pip'), ['install', '--no-cache-dir', '--index-url', upstream.indexUrl, '--trusted-host', upstream.hostPort, ...args], { env, cwd });
  return venv;
}

/** The response head to a raw HTTP request on loopback (fetch refuses a 101 answer). */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (d) => {
      got += d;
      if (got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(got.slice(0, got.indexOf('\r\n\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

/** Runs a program to its end with `input` on stdin; exit code and output. */
function runWithInput(cmd: string, args: string[], input: string | null, o: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...o, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    if (input !== null) child.stdin.write(input);
    child.stdin.end();
  });
}

describe('RockTalk and Streamlit from the local index', () => {
  let venv: string;
  beforeAll(async () => void (venv = await venvWith('rocktalk', ['rocktalk==0.3.7'])), 180_000);

  it('pip resolves rocktalk==0.3.7 (not the newer 0.3.8) and its streamlit dependency, with both console scripts', async () => {
    const { stdout } = await run(join(venv, 'bin', 'pip'), ['list', '--format', 'json'], { env });
    const versions = Object.fromEntries((JSON.parse(stdout) as { name: string; version: string }[]).map((p) => [p.name, p.version]));
    expect(versions).toMatchObject({ rocktalk: '0.3.7', streamlit: '1.39.0' });
    expect((await run(join(venv, 'bin', 'streamlit'), ['--version'], { env })).stdout).toBe('Streamlit, version 1.39.0\n');
  });

  // RockTalk's start-up (rocktalk/__main__.py): the table is what a user sees on a first run.
  const home = mkdtempSync(join(tmpdir(), 'provision-rocktalk-home-'));
  it.each([
    { case: 'no terminal (end of input): aborts', input: null, withStreamlit: true, code: 1, says: 'Aborted!' },
    { case: 'answer n: aborts', input: 'n\n', withStreamlit: true, code: 1, says: 'Aborted!' },
    { case: 'answer y, streamlit not on PATH: stops', input: 'y\n', withStreamlit: false, code: 1, says: 'streamlit is not installed or not on PATH' },
  ])('rocktalk, $case', async ({ input, withStreamlit, code, says }) => {
    const path = withStreamlit ? `${join(venv, 'bin')}:/usr/bin:/bin` : '/usr/bin:/bin';
    const r = await runWithInput(join(venv, 'bin', 'rocktalk'), [], input, { env: { ...env, HOME: home, PATH: path } });
    expect(r.code, r.out).toBe(code);
    expect(r.out).toContain('Continue using this configuration directory? [y/N]: ');
    expect(r.out).toContain(says);
  });

  it('rocktalk answered y runs streamlit from PATH on its app.py, with the port and address of ~/.rocktalk/.streamlit/config.toml; asks once per version', async () => {
    const port = await freePort();
    const rocktalkHome = mkdtempSync(join(tmpdir(), 'provision-rocktalk-home-'));
    await run('mkdir', ['-p', join(rocktalkHome, '.rocktalk', '.streamlit')]);
    writeFileSync(join(rocktalkHome, '.rocktalk', '.streamlit', 'config.toml'), `[server]\nport = ${port}\naddress = "127.0.0.1"\n`);
    const child = spawn(join(venv, 'bin', 'rocktalk'), [], { env: { ...env, HOME: rocktalkHome, PATH: `${join(venv, 'bin')}:/usr/bin:/bin` }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.stdin.end('y\n');
    try {
      await waitForPort(port, () => out);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toMatch(/running \S+\/site-packages\/rocktalk\/app\.py/);
      expect(page).toContain('<title>Streamlit</title>');
      // RFC 6455's own example: this key's accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
      const head = await rawRequest(port, 'GET /_stcore/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 101 /);
      expect(head).toMatch(/^Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r?$/m);
      expect(JSON.parse(readFileSync(join(rocktalkHome, '.rocktalk', 'firstrun.json'), 'utf8'))).toEqual({ version: '0.3.7' });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    // The version is recorded: no question on the next start, whatever stdin holds.
    const again = spawn(join(venv, 'bin', 'rocktalk'), [], { env: { ...env, HOME: rocktalkHome, PATH: `${join(venv, 'bin')}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let againOut = '';
    again.stdout.on('data', (d) => (againOut += d));
    try {
      await waitForPort(port, () => againOut);
      expect(againOut).not.toContain('Continue using');
    } finally {
      process.kill(-again.pid!, 'SIGTERM');
    }
  });
});

describe('personal-analytics from the local repository and index', () => {
  it('git clones the tag over HTTP; pip install -e backend/ builds with hatchling; uvicorn serves /health only with its .env', async () => {
    const src = join(dir, 'pa-src');
    await run('git', ['clone', '--quiet', '--no-checkout', upstream.repoUrl, src], { env });
    await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', upstream.tag], { cwd: src, env });
    const venv = await venvWith('pa', ['-e', join(src, 'backend')]);
    const { stdout } = await run(join(venv, 'bin', 'pip'), ['list', '--format', 'json'], { env });
    expect((JSON.parse(stdout) as { name: string }[]).map((p) => p.name)).toEqual(expect.arrayContaining(['personal-analytics-backend', 'fastapi', 'uvicorn', 'python-dotenv']));
    const uvicorn = (port: number) => spawn(join(venv, 'bin', 'uvicorn'), ['personal_analytics_backend.api:app', '--host', '127.0.0.1', '--port', String(port)], { cwd: join(src, 'backend'), env, stdio: ['ignore', 'pipe', 'pipe'] });

    // Without a .env the backend stops at start-up, as upstream's settings.py does.
    const bare = uvicorn(await freePort());
    const failed = await new Promise<{ code: number | null; err: string }>((resolve) => {
      let err = '';
      bare.stderr.on('data', (d) => (err += d));
      bare.on('close', (code) => resolve({ code, err }));
    });
    expect(failed.code).not.toBe(0);
    expect(failed.err).toContain('PA_ALLOWED_ORIGINS environment variable is not set');

    writeFileSync(join(src, 'backend', '.env'), `PA_DATABASE_URL="postgresql://u:p@localhost:5432/db"\nPA_ALLOWED_ORIGINS='["http://pa.test"]'\n`);
    const port = await freePort();
    const served = uvicorn(port);
    let log = '';
    served.stdout.on('data', (d) => (log += d));
    served.stderr.on('data', (d) => (log += d));
    try {
      await waitForPort(port, () => log);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('{"status":"healthy","entries_count":0}');
      // The routes are at the root: the /pa_backend prefix is nginx's to strip.
      expect((await fetch(`http://127.0.0.1:${port}/pa_backend/health`)).status).toBe(404);
    } finally {
      served.kill();
    }
  }, 180_000);
});
