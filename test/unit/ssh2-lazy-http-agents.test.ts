import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error no type declarations for the build's .mjs modules
import { patchIndex } from '../../scripts/ssh2-lazy-http-agents.mjs';

/**
 * The bundle's ssh2 loads its HTTP agents (and with them node:http, https and tls) on first use
 * (scripts/ssh2-lazy-http-agents.mjs). The patched lib/index.js, run beside ssh2's own files,
 * must export the same names and the same values as the original, and not load the agents'
 * file until one is asked for.
 */
const require = createRequire(import.meta.url);
const indexFile = require.resolve('ssh2/lib/index.js');
const agentsFile = require.resolve('ssh2/lib/http-agents.js');

/** ssh2's lib/index.js patched, loaded as a module from ssh2's own directory. */
function loadPatched(): Record<string, unknown> {
  const m = new Module(indexFile) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = indexFile;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(indexFile));
  m._compile(patchIndex(readFileSync(indexFile, 'utf8')), indexFile);
  return m.exports as Record<string, unknown>;
}

describe('ssh2 HTTP agents on first use', () => {
  it('exports the same names and values as ssh2, and loads the agents only when asked', () => {
    delete require.cache[agentsFile];
    const patched = loadPatched();
    expect(require.cache[agentsFile]).toBeUndefined();
    const original = require('ssh2') as Record<string, unknown>;
    expect(Object.keys(patched)).toEqual(Object.keys(original));
    for (const key of Object.keys(original)) if (key !== 'utils') expect(patched[key], key).toBe(original[key]);
    expect(Object.keys(patched.utils as object)).toEqual(Object.keys(original.utils as object));
    expect(patched.HTTPAgent).toBe((require(agentsFile) as { SSHTTPAgent: unknown }).SSHTTPAgent);
  });

  it('nothing to change: refuses a text it does not know (another ssh2 version) instead of building it half-patched', () => {
    expect(() => patchIndex("module.exports = { Client: require('./client.js') };\n")).toThrow(/another ssh2 version/);
  });
});
