import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/** The installed file of a module path such as 'ssh2/lib/protocol/crypto.js', and its text. */
export function installed(modulePath: string): { file: string; text: string } {
  const file = require.resolve(modulePath);
  return { file, text: readFileSync(file, 'utf8') };
}

/**
 * A CommonJS module compiled from `text` as if it were `file` (its relative requires resolve
 * beside the installed file): how the tests run an ssh2 module as the bundle's build-time patch
 * leaves it, without the bundle. Each call is a fresh module instance, with its own state.
 */
export function compileAs(file: string, text: string): Record<string, unknown> {
  const internal = Module as unknown as { _nodeModulePaths(dir: string): string[] };
  const m = new Module(file) as Module & { _compile(text: string, file: string): void };
  m.filename = file;
  m.paths = internal._nodeModulePaths(dirname(file));
  m._compile(text, file);
  return m.exports as Record<string, unknown>;
}
