// An esbuild plugin that makes ssh2 1.17's HTTPAgent and HTTPSAgent exports load on first use
// instead of when ssh2 is loaded. ssh2's lib/index.js requires lib/http-agents.js at once, which
// loads Node's http, https and tls modules: provision never uses these agents (HTTP over an SSH
// tunnel), and a no-op run then spent ~5-15 ms of its start-up compiling those three built-in
// modules. The exports become getters that require the same file on first access: the same
// classes for anyone who asks. If ssh2's text is not exactly what this expects (another
// version), the build fails.
import { ssh2FilePatch } from './ssh2-file-patch.mjs';

const REQUIRE = `const {
  SSHTTPAgent: HTTPAgent,
  SSHTTPSAgent: HTTPSAgent,
} = require('./http-agents.js');
`;
const EXPORTS = `  HTTPAgent,
  HTTPSAgent,
`;
const LAZY_EXPORTS = `  // provision (scripts/ssh2-lazy-http-agents.mjs): node:http/https/tls only when asked for.
  get HTTPAgent() { return require('./http-agents.js').SSHTTPAgent; },
  get HTTPSAgent() { return require('./http-agents.js').SSHTTPSAgent; },
`;

/** The patched text of ssh2's lib/index.js; throws when it is not the text this knows. */
export function patchIndex(text) {
  if (text.split(REQUIRE).length !== 2 || text.split(EXPORTS).length !== 2) throw new Error('ssh2 lib/index.js is not the one scripts/ssh2-lazy-http-agents.mjs knows (another ssh2 version?)');
  return text.replace(REQUIRE, '').replace(EXPORTS, LAZY_EXPORTS);
}

export function ssh2LazyHttpAgents() {
  return ssh2FilePatch('ssh2-lazy-http-agents', 'index.js', patchIndex);
}
