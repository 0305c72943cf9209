// The esbuild plugin shape shared by the build-time patches of ssh2 (ssh2-x25519.mjs,
// ssh2-padding-pool.mjs, ssh2-verify-key.mjs): one file of ssh2's lib/protocol/ read and handed
// to a patch function, which throws on a text it does not know (the build then stops).
import fs from 'node:fs';

/** A plugin that loads node_modules/ssh2/lib/protocol/FILE through `patch`. */
export function ssh2FilePatch(name, file, patch) {
  const filter = new RegExp(`node_modules[\\\\/]ssh2[\\\\/]lib[\\\\/]protocol[\\\\/]${file.replace('.', '\\.')}$`);
  return {
    name,
    setup(b) {
      b.onLoad({ filter }, async (args) => ({ contents: patch(await fs.promises.readFile(args.path, 'utf8')), loader: 'js' }));
    },
  };
}
