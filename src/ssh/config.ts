import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

/**
 * OpenSSH's client configuration (ssh_config(5)), the part provision uses:
 * Host blocks (patterns with `*`, `?`, `!negation`), `Match all`, Include
 * (with `*`/`?` in the file name), and the keywords HostName, User, Port,
 * IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand (to refuse it) and
 * UserKnownHostsFile. As in ssh, the first value obtained for a keyword wins,
 * except IdentityFile, which accumulates.
 */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** As written (tokens and `~` not yet expanded: see expandPath). */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** `none` when the config says so. */
  proxyJump?: string;
  proxyCommand?: string;
  userKnownHostsFile?: string;
}

export class SshConfigError extends Error {}

/** The config file to read: the option, else $PROVISION_SSH_CONFIG, else ~/.ssh/config; `none` reads none. */
export function sshConfigPath(option?: string): string | undefined {
  const file = option ?? process.env.PROVISION_SSH_CONFIG ?? join(homedir(), '.ssh', 'config');
  return file === 'none' || file === '' ? undefined : file;
}

const fileCache = new Map<string, string[]>();

function readLines(file: string): string[] {
  let lines = fileCache.get(file);
  if (!lines) {
    lines = readFileSync(file, 'utf8').split(/\r?\n/);
    fileCache.set(file, lines);
  }
  return lines;
}

/**
 * What `file` says for `host` (the name as given to ssh, i.e. before HostName).
 * A missing file says nothing, unless `required` (a file the user named).
 */
export function lookupSshConfig(file: string | undefined, host: string, required = false): SshHostConfig {
  const out: SshHostConfig = { identityFiles: [] };
  if (!file) return out;
  if (!existsSync(file)) {
    if (required) throw new SshConfigError(`ssh config ${file} does not exist`);
    return out;
  }
  readConfig(file, host.toLowerCase(), host, out, new Set(), true, 0);
  return out;
}

function readConfig(file: string, lowerHost: string, host: string, out: SshHostConfig, seen: Set<string>, activeAtStart: boolean, depth: number): void {
  if (depth > 16) throw new SshConfigError(`${file}: Include nested too deeply`);
  let active = activeAtStart;
  const lines = readLines(file);
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+|$)(.*)$/.exec(line);
    if (!m) throw new SshConfigError(`${where}: cannot parse "${line}"`);
    const keyword = m[1].toLowerCase();
    const args = splitArgs(m[2], where);
    switch (keyword) {
      case 'host':
        // An included file cannot make a block active when the Include was in an inactive one.
        active = activeAtStart && hostLineMatches(args, lowerHost);
        return;
      case 'match':
        active = activeAtStart && args.length === 1 && args[0].toLowerCase() === 'all';
        return;
      case 'include':
        if (!active) return;
        for (const pattern of args) {
          for (const f of expandInclude(pattern)) readConfig(f, lowerHost, host, out, seen, true, depth + 1);
        }
        return;
    }
    if (!active) return;
    if (args.length === 0) throw new SshConfigError(`${where}: ${m[1]} needs a value`);
    const first = args[0];
    if (keyword === 'identityfile') {
      if (first.toLowerCase() !== 'none') out.identityFiles.push(first);
      return;
    }
    // ProxyJump and ProxyCommand: whichever comes first wins (ssh_config(5)).
    const slot = keyword === 'proxycommand' ? 'proxyjump' : keyword;
    if (seen.has(slot)) return;
    switch (keyword) {
      case 'hostname':
        out.hostName = first.replace(/%(.)/g, (t, c: string) => {
          if (c === 'h') return host;
          if (c === '%') return '%';
          throw new SshConfigError(`${where}: token %${c} is not supported in HostName`);
        });
        break;
      case 'user':
        out.user = first;
        break;
      case 'port': {
        const port = Number(first);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SshConfigError(`${where}: bad Port "${first}"`);
        out.port = port;
        break;
      }
      case 'identitiesonly':
        out.identitiesOnly = first.toLowerCase() === 'yes';
        break;
      case 'proxyjump':
        out.proxyJump = first;
        break;
      case 'proxycommand':
        if (first.toLowerCase() === 'none') out.proxyJump = 'none';
        else out.proxyCommand = args.join(' ');
        break;
      case 'userknownhostsfile':
        out.userKnownHostsFile = first;
        break;
      default:
        return; // a keyword provision does not use
    }
    seen.add(slot);
  });
}

/** Arguments split as ssh does: whitespace-separated, "double" or 'single' quotes, backslash escapes, `#` starts a comment. */
function splitArgs(text: string, where: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) cur += text[++i];
      else if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
      continue;
    }
    if (c === '#' && !inArg) break;
    inArg = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < text.length && /["'\\\s]/.test(text[i + 1])) cur += text[++i];
    else cur += c;
  }
  if (quote) throw new SshConfigError(`${where}: unterminated quote`);
  if (inArg) args.push(cur);
  return args;
}

/** A Host line matches when one of its patterns does and none of its !negated ones. */
function hostLineMatches(patterns: string[], lowerHost: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (globMatch((negated ? p.slice(1) : p).toLowerCase(), lowerHost)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

/** Include: `~` expanded, relative names under ~/.ssh, `*` and `?` in the last path component; sorted, missing ones ignored. */
function expandInclude(pattern: string): string[] {
  let path = pattern.startsWith('~/') ? join(homedir(), pattern.slice(2)) : pattern;
  if (!isAbsolute(path)) path = join(homedir(), '.ssh', path);
  const dir = dirname(path);
  const name = basename(path);
  if (/[*?]/.test(dir)) throw new SshConfigError(`Include ${pattern}: wildcards are supported in the file name only`);
  if (!/[*?]/.test(name)) return existsSync(path) && statSync(path).isFile() ? [path] : [];
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => globMatch(name, f) && !(f.startsWith('.') && !name.startsWith('.')))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

export interface TokenContext {
  /** HostName: the address actually connected to. */
  host: string;
  /** The name looked up in the config. */
  originalHost: string;
  user: string;
  port: number;
}

/** `~` and the tokens %d %h %n %p %r %u %% of IdentityFile and UserKnownHostsFile. */
export function expandPath(path: string, ctx: TokenContext): string {
  const local = process.env.USER ?? process.env.LOGNAME ?? 'root';
  const expanded = path.replace(/%(.)/g, (t, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'd': return homedir();
      case 'h': return ctx.host;
      case 'n': return ctx.originalHost;
      case 'p': return String(ctx.port);
      case 'r': return ctx.user;
      case 'u': return local;
      default: throw new SshConfigError(`token ${t} in "${path}" is not supported`);
    }
  });
  if (expanded === '~') return homedir();
  return expanded.startsWith('~/') ? join(homedir(), expanded.slice(2)) : expanded;
}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

/** ProxyJump's value: `none`, or `[user@]host[:port]` (or `ssh://[user@]host[:port]`), several joined by commas. */
export function parseProxyJump(value: string): JumpSpec[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((raw) => {
    let s = raw.trim().replace(/^ssh:\/\//, '').replace(/\/$/, '');
    let user: string | undefined;
    const at = s.lastIndexOf('@');
    if (at >= 0) {
      user = s.slice(0, at);
      s = s.slice(at + 1);
    }
    let host = s;
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
    if (bracketed) {
      host = bracketed[1];
      port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else {
      const colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') === colon) {
        host = s.slice(0, colon);
        port = Number(s.slice(colon + 1));
      }
    }
    if (!host || user === '' || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) {
      throw new SshConfigError(`bad ProxyJump "${raw.trim()}": expected [user@]host[:port]`);
    }
    return { user, host, port };
  });
}
