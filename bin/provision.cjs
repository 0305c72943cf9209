#!/usr/bin/env node
'use strict';
// Starts the bundled CLI (dist/provision.cjs, built by `npm run build`) with a V8
// code cache: compiling the 1.8 MB bundle from source costs more than a whole
// no-op run's network time, and V8 can skip it with the bytecode of an earlier
// run. The cache is per user, keyed by the bundle's size and mtime and by Node's
// version (V8 also refuses data from another build or other flags: then it is
// rewritten). Without a writable cache directory the CLI just compiles each time.
// PROVISION_CODE_CACHE=0 turns it off.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

// `provision --version` alone needs none of the CLI: answer it without loading
// the bundle (the whole command then costs about Node's own start-up).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
  return;
}

const bundle = path.join(__dirname, '..', 'dist', 'provision.cjs');
let source;
try {
  // Into V8's heap as UTF-8. Tried and dropped: the (ASCII) file decoded as Latin-1, which skips
  // UTF-8's validation pass (~8 ms less to load) but makes a string this large live outside V8's
  // heap; a no-op run then took one more young-generation collection and, in most runs, a full
  // mark-compact near its end, more than the load saved.
  source = fs.readFileSync(bundle, 'utf8');
} catch {
  process.stderr.write(`provision: ${bundle} is missing: run npm run build\n`);
  process.exit(1);
}

const cacheDir = process.env.PROVISION_CODE_CACHE === '0' ? undefined : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'provision');
let cacheFile;
let cached;
if (cacheDir) {
  const stat = fs.statSync(bundle);
  cacheFile = path.join(cacheDir, `code-${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}.v8`);
  try {
    cached = fs.readFileSync(cacheFile);
  } catch {}
}

// The bundle is already CommonJS's function wrapper (scripts/bundle.mjs): the text goes to V8 as read.
const script = new vm.Script(source, { filename: bundle, cachedData: cached });

if (cacheFile) {
  // Written at exit, when the functions this run used are compiled too. A later
  // run that compiled over 10% more (a first `--version` must not stand for every
  // playbook run) writes it again; one that did not marks it settled, and from
  // then on runs skip the 20 ms createCachedData.
  const settled = `${cacheFile}.settled`;
  process.once('exit', () => {
    try {
      const usable = cached !== undefined && !script.cachedDataRejected;
      if (usable && fs.existsSync(settled)) return;
      const data = script.createCachedData();
      if (usable && data.length <= cached.length * 1.1) {
        fs.writeFileSync(settled, '');
        return;
      }
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      for (const old of fs.readdirSync(cacheDir)) if (old.startsWith('code-')) fs.rmSync(path.join(cacheDir, old), { force: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, data, { mode: 0o600 });
      fs.renameSync(tmp, cacheFile);
    } catch {
      // The cache only saves time: never fail a run for it.
    }
  });
}

const main = new Module(bundle, module);
main.filename = bundle;
main.paths = Module._nodeModulePaths(path.dirname(bundle));
const localRequire = (id) => main.require(id);
localRequire.resolve = (request, options) => Module._resolveFilename(request, main, false, options);
localRequire.main = process.mainModule;
localRequire.cache = Module._cache;
script.runInThisContext()(main.exports, localRequire, main, bundle, path.dirname(bundle));
