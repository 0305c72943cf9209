import { createHash } from 'node:crypto';
import { homedir, hostname, userInfo } from 'node:os';

/**
 * `%` tokens and `${VAR}` as OpenSSH expands them (misc.c's
 * percent_dollar_expand): an unknown token or an undefined variable is an
 * error, as in ssh.
 */
export class ExpandError extends Error {}

export type Tokens = Record<string, string>;

export function expandTokens(text: string, tokens: Tokens, dollar: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (dollar && c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new ExpandError(`environment variable '${text.slice(i + 2)}' missing closing '}'`);
      const name = text.slice(i + 2, end);
      if (!name) throw new ExpandError('zero-length environment variable');
      const value = process.env[name];
      if (value === undefined) throw new ExpandError(`env var \${${name}} has no value`);
      out += value;
      i = end;
      continue;
    }
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = text[++i];
    if (t === '%') out += '%';
    else if (t === undefined) throw new ExpandError('invalid format: % at the end');
    else if (tokens[t] !== undefined) out += tokens[t];
    else throw new ExpandError(`unknown key %${t}`);
  }
  return out;
}

/** Only `${VAR}` (dollar_expand). */
export function expandEnv(text: string): string {
  return expandTokens(text.replace(/%/g, '%%'), {}, true);
}

/** `~` and `~/...` (tilde_expand_filename); `~user` is not supported. */
export function expandTilde(path: string): string {
  if (!path.startsWith('~')) return path;
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return `${homedir()}${path.slice(1)}`;
  throw new ExpandError(`"${path}": ~user paths are not supported (write the home directory out)`);
}

export interface ConnectionNames {
  /** The host connected to (after HostName). */
  host: string;
  /** The name as given. */
  originalHost: string;
  user: string;
  port: number;
  hostKeyAlias?: string;
}

/** The tokens ssh offers in IdentityFile, UserKnownHostsFile, IdentityAgent (DEFAULT_CLIENT_PERCENT_EXPAND_ARGS). */
export function clientTokens(c: ConnectionNames): Tokens {
  const thisHost = hostname();
  const port = String(c.port);
  return {
    C: createHash('sha1').update(thisHost + c.host + port + c.user).digest('hex'),
    L: thisHost.split('.')[0],
    i: String(process.getuid?.() ?? 0),
    k: c.hostKeyAlias ?? c.originalHost,
    l: thisHost,
    n: c.originalHost,
    p: port,
    d: homedir(),
    h: c.host,
    r: c.user,
    u: localUser(),
  };
}

/** ssh's default login name: the local user's (asked once: the passwd lookup was ~0.2 ms per host). */
export function localUser(): string {
  if (local === undefined) {
    try {
      local = userInfo().username;
    } catch {
      local = process.env.USER ?? process.env.LOGNAME ?? 'root';
    }
  }
  return local;
}

let local: string | undefined;

/** A path keyword's value as ssh uses it: `~` first, then tokens and `${VAR}`. */
export function expandClientPath(path: string, c: ConnectionNames): string {
  const tilded = expandTilde(path);
  // Most paths hold neither: skip the token table (a hostname lookup and a SHA-1, ~40 µs,
  // several paths per host). expandTokens would give the same text back.
  if (!tilded.includes('%') && !tilded.includes('${')) return tilded;
  return expandTokens(tilded, clientTokens(c), true);
}
