// The esbuild plugin shape shared by the build-time patches of ssh2 (ssh2-x25519.mjs,
// ssh2-padding-pool.mjs, ssh2-verify-key.mjs, ssh2-lazy-http-agents.mjs): one file of ssh2's lib/
// read and handed to a patch function, which throws on a text it does not know (the build then stops).
import fs from 'node:fs';

/** A plugin that loads node_modules/ssh2/lib/FILE (`protocol/kex.js`, `index.js`) through `patch`. */
export function ssh2FilePatch(name, file, patch) {
  const tail = file.split('/').map((part) => part.replace('.', '\\.')).join('[\\\\/]');
  const filter = new RegExp(`node_modules[\\\\/]ssh2[\\\\/]lib[\\\\/]${tail}$`);
  return {
    name,
    setup(b) {
      b.onLoad({ filter }, async (args) => ({ contents: patch(await fs.promises.readFile(args.path, 'utf8')), loader: 'js' }));
    },
  };
}
