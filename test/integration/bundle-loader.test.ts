import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../support/provision.js';

/**
 * bin/provision.cjs hands dist/provision.cjs to V8 as read (the bundle is CommonJS's
 * wrapper written out), with a V8 code cache. These run the launcher on the real bundle and on small
 * bundles of the same shape, beside a copy of the launcher.
 */
/** The start of the bundle scripts/bundle.mjs writes (its banner), read from the built bundle. */
const WRAP_START = `${readFileSync(join(ROOT, 'dist', 'provision.cjs'), 'utf8').split('\n')[1]}\n`;

/** A copy of the launcher with `bundle` as its dist/provision.cjs; returns the launcher's path. */
function launcherWith(bundle: string): { bin: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'provision-loader-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  copyFileSync(CLI, join(dir, 'bin', 'provision.cjs'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'dist', 'provision.cjs'), bundle);
  return { bin: join(dir, 'bin', 'provision.cjs'), cache: join(dir, 'cache') };
}

function run(bin: string, cache: string, args: string[] = []): string {
  return execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache } });
}

describe('the CLI launcher', () => {
  it.each([
    ['an ASCII bundle', 'process.stdout.write("caf\\u00e9 \\u2713 " + __filename.endsWith("provision.cjs") + "\\n");'],
    ['a bundle with UTF-8 text', 'process.stdout.write("café ✓ " + __filename.endsWith("provision.cjs") + "\\n");'],
    ['a bundle with a shebang', null],
  ])('runs %s, the first time and from its code cache', (_, body) => {
    const source = body === null ? `#!/usr/bin/env node\n${WRAP_START}process.stdout.write("café ✓ true\\n");\n})` : `${WRAP_START}${body}\n})`;
    const { bin, cache } = launcherWith(source);
    expect(run(bin, cache)).toBe('café ✓ true\n');
    expect(readdirSync(join(cache, 'provision')).some((f) => f.startsWith('code-'))).toBe(true);
    expect(run(bin, cache)).toBe('café ✓ true\n');
  });

  it('the bundle run directly by node answers as through the launcher', () => {
    const direct = execFileSync(process.execPath, [join(ROOT, 'dist', 'provision.cjs'), '--help'], { encoding: 'utf8' });
    expect(direct).toContain('Usage: provision');
    expect(direct).toBe(execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }));
  });

  it('nothing to do: --version is answered without the bundle', () => {
    const { bin, cache } = launcherWith('throw new Error("the bundle was loaded")');
    expect(run(bin, cache, ['--version']).trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});
