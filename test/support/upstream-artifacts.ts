// The local artifacts the guides' real install paths run against where PyPI and GitHub cannot be
// reached: built by test/fixtures/upstream/build.py (a PEP 503 index of wheels built to the
// upstream contracts, a bare personal-analytics repository) and served over HTTP from this
// machine, at an address the test hosts reach through their gateway (git's "dumb" HTTP protocol
// serves the repository as plain files).
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './provision.js';

const run = promisify(execFile);

export interface UpstreamArtifacts {
  /** ADDRESS:PORT the test hosts reach the server at (pip's --trusted-host takes it as it is). */
  hostPort: string;
  /** pip's --index-url. */
  indexUrl: string;
  /** The personal-analytics repository, for git clone. */
  repoUrl: string;
  /** The tag of its one commit (pa_version). */
  tag: string;
  /** Writes variables to a JSON file for `-e @FILE`; returns its path. */
  varsFile(vars: Record<string, unknown>): string;
  close(): Promise<void>;
}

/** This machine's address as a test host sees it: not loopback, not a test host's own subnet. */
export function controllerAddress(): string {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const found = addresses.find((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('10.213.'));
  if (!found) throw new Error('no non-loopback IPv4 address on this machine for the test hosts to reach the local artifacts at');
  return found.address;
}

export async function serveUpstreamArtifacts(tag = 'v0.1.0'): Promise<UpstreamArtifacts> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-upstream-'));
  await run('python3', [join(ROOT, 'test', 'fixtures', 'upstream', 'build.py'), join(dir, 'www'), tag]);
  const server = serveDirectory(join(dir, 'www'));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const port = (server.address() as { port: number }).port;
  const hostPort = `${controllerAddress()}:${port}`;
  let n = 0;
  return {
    hostPort,
    indexUrl: `http://${hostPort}/simple/`,
    repoUrl: `http://${hostPort}/personal-analytics.git`,
    tag,
    varsFile(vars) {
      const file = join(dir, `vars-${++n}.json`);
      writeFileSync(file, JSON.stringify(vars));
      return file;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET of files under `root` (a directory's index.html for a path ending in /), nothing else. */
function serveDirectory(root: string): Server {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]));
    const file = join(root, path.endsWith('/') ? join(path, 'index.html') : path);
    const stat = file.startsWith(root + sep) && req.method === 'GET' ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!stat?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': stat.size, 'Content-Type': file.endsWith('.html') ? 'text/html' : 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
}
