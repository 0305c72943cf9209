// Bundles the CLI into one CommonJS file, dist/provision.cjs, which bin/provision.cjs
// loads with a V8 code cache. Why: loading ~150 separate modules (zod, yaml, ssh2,
// handlebars…) was the largest part of a no-op run (bench/README.md); one file,
// compiled once and cached, starts in a fraction of that.
// esbuild (a devDependency) reads the TypeScript directly; tsc still type-checks.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { ssh2PaddingPool } from './ssh2-padding-pool.mjs';
import { ssh2VerifyKey } from './ssh2-verify-key.mjs';
import { ssh2X25519 } from './ssh2-x25519.mjs';
import { ssh2LazyHttpAgents } from './ssh2-lazy-http-agents.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/provision.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Native addons cannot be bundled. ssh2's optional crypto binding (built when ssh2 is
  // installed, where a compiler is present) is required from the installed ssh2 package instead of
  // beside the bundle, where it never is: with it each SSH packet is sealed and opened by one
  // OpenSSL context kept per connection, without it by a new cipher object per packet (Node's
  // crypto). Where it was not built, ssh2 falls back to Node's crypto as before.
  external: ['*.node'],
  // ssh2's X25519 keys handed to Node's crypto as raw bytes, not DER: see ssh2-x25519.mjs;
  // packet padding from a pool of random bytes: ssh2-padding-pool.mjs; host key signatures
  // checked with a key object made from the key's raw numbers: ssh2-verify-key.mjs; its unused HTTP
  // agents (node:http/https/tls) loaded on first use only: ssh2-lazy-http-agents.mjs.
  plugins: [sshCryptoBinding(), ssh2X25519(), ssh2PaddingPool(), ssh2VerifyKey(), ssh2LazyHttpAgents()],
  // ESM's import.meta.url, for modules that locate files next to themselves (src/package-root.ts).
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: ['scripts/import-meta-url.js'],
  legalComments: 'none',
  // The bundle is one function expression, CommonJS's module wrapper written out, so that
  // bin/provision.cjs hands the file's text to V8 as it is read: wrapping it at start-up copied
  // the 1.8 MB text twice (a shebang removed, Module.wrap), each copy fresh pages to fault in.
  // Run directly (`node dist/provision.cjs`), the first arrow calls it with Node's own wrapper's
  // arguments; in vm.Script, at global scope, there is no `module` whose `exports` is `exports`,
  // and the function is handed back to the launcher.
  banner: { js: "(typeof module === 'object' && typeof exports === 'object' && module !== null && module.exports === exports && typeof require === 'function' ? (f) => f(exports, require, module, __filename, __dirname) : (f) => f)(function (exports, require, module, __filename, __dirname) {" },
  footer: { js: '})' },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  metafile: true,
});

// bin/provision.cjs runs the bundle as a vm.Script, where import() of anything
// left outside the bundle fails at run time ("A dynamic import callback was not
// specified"): refuse to build one. Static imports of node: built-ins are fine.
const dynamic = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path));
if (dynamic.length) {
  console.error(`scripts/bundle.mjs: import() of ${dynamic.join(', ')} would fail in the bundle: import it statically`);
  process.exit(1);
}

/** ssh2's `require('./crypto/build/Release/sshcrypto.node')`, resolved from the installed ssh2 at run time. */
function sshCryptoBinding() {
  return {
    name: 'ssh2-crypto-binding',
    setup(b) {
      b.onResolve({ filter: /[\\/]sshcrypto\.node$/ }, (args) =>
        /node_modules[\\/]ssh2[\\/]/.test(args.importer) ? { path: 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', external: true } : undefined,
      );
    },
  };
}
