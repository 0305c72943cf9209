import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/provision.js';

describe('the npm package', () => {
  it('npm install -g of the packed tarball gives a working provision command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-pack-'));
    try {
      execFileSync('npm', ['pack', '--pack-destination', dir, '--ignore-scripts'], { cwd: ROOT, stdio: 'pipe' });
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
      const files = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' });
      expect(files).toContain('package/bin/provision.cjs');
      expect(files).toContain('package/dist/provision.cjs');
      expect(files).not.toContain('package/dist/src/');
      expect(files).toContain('package/templates/nginx/');
      // The guide playbooks find their roles beside them in the installed package too.
      expect(files).toContain('package/roles/nginx_tls_site/tasks/main.yaml');
      expect(files).toContain('package/roles/nginx_tls_site/meta/argument_specs.yaml');
      expect(files).not.toContain('package/test/');
      const prefix = join(dir, 'prefix');
      execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, tarball)], { stdio: 'pipe' });
      // The registry name is the package's own (`provision` on npm is someone else's); the command stays `provision`.
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
      expect(pkg.name).not.toBe('provision');
      expect(Object.keys(pkg.bin)).toEqual(['provision']);
      expect(tarball.startsWith(`${pkg.name}-`)).toBe(true);
      // Run from an empty directory: nothing of the clone is reachable from there.
      const empty = join(dir, 'empty');
      mkdirSync(empty);
      const version = execFileSync(join(prefix, 'bin', 'provision'), ['--version'], { encoding: 'utf8', cwd: empty });
      expect(version.trim()).toBe(JSON.parse(execFileSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' })).version);
      // -V is answered without loading the bundle; it must still agree with the bundle's own answer.
      expect(execFileSync(join(prefix, 'bin', 'provision'), ['-V'], { encoding: 'utf8' })).toBe(version);
      expect(execFileSync(join(prefix, 'bin', 'provision'), ['--version', '--no-color'], { encoding: 'utf8' })).toBe(version);
      // htpasswd's native bcrypt is installed with the package, where the bundle looks for it.
      const installed = join(prefix, 'lib', 'node_modules', 'provision-ssh');
      execFileSync('node', ['-e', `require(require.resolve('@node-rs/bcrypt', { paths: [${JSON.stringify(join(installed, 'dist'))}] })).hashSync('x', 4)`], { stdio: 'pipe' });
      const tasks = execFileSync(join(prefix, 'bin', 'provision'), ['tasks'], { encoding: 'utf8' });
      expect(tasks).toMatch(/^nginx_site\s/m);
      // The bundle finds the files it ships (the example playbook, templates) from its installed place.
      const project = join(dir, 'project');
      execFileSync(join(prefix, 'bin', 'provision'), ['init', project], { encoding: 'utf8' });
      expect(readFileSync(join(project, 'templates', 'hello', 'hello.service.hbs'), 'utf8')).toBe(readFileSync(join(ROOT, 'templates', 'hello', 'hello.service.hbs'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
