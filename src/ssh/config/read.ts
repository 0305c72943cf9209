import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { ExpandError, expandEnv, expandTokens, localUser } from './expand.js';
import { KEYWORDS } from './keywords.js';
import { LexError, lexLine, type LexedLine } from './lex.js';
import { hostLineMatches, matchHostname, matchPattern, matchPatternList } from './patterns.js';
import { SshConfigError } from './error.js';
import { parseProxyJump, ProxyJumpError } from './proxy-jump.js';
import { readTextCached } from '../../file-text-cache.js';

export { SshConfigError };

/** What the config files say for one host, first value obtained winning (IdentityFile accumulating). Values as written. */
export interface SshHostConfig {
  /** The host connected to: HostName (only `%h` expanded) or the name as given, lowercased unless an address, as ssh does. */
  hostName: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  proxyJump?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  strictHostKeyChecking?: string;
  identityAgent?: string;
  /** `file:line` of each value, by keyword, for messages. */
  where: Record<string, string>;
}

export interface ConfigFile {
  path: string;
  /** The user's file (~ allowed in Include; relative Includes under ~/.ssh) or the system one (under its own directory). */
  kind: 'user' | 'system';
  /** ssh checks owner and mode of ~/.ssh/config and every included file, not of a -F file. */
  checkPermissions: boolean;
}

export interface LookupRequest {
  /** The name as given to ssh. */
  host: string;
  /** As `ssh -l`: the config's User does not apply. */
  user?: string;
  /** As `ssh -p`. */
  port?: number;
  /** As `ssh -J`: the config's ProxyJump and ProxyCommand do not apply. */
  proxyJump?: string;
  /** The user `Match user` sees while no User is obtained (provision's default). */
  defaultUser: string;
  files: ConfigFile[];
}

interface Pass {
  host: string;
  originalHost: string;
  final: boolean;
}

interface Reading {
  out: SshHostConfig;
  req: LookupRequest;
  ignoreUnknown?: string;
  wantFinalPass: boolean;
  /** The first value of each keyword that provision refuses, if in effect. */
  refusable: Map<string, { args: string[]; where: string }>;
  userSetByCaller: boolean;
}

const MAX_INCLUDE_DEPTH = 16;

/**
 * Reads the files as ssh reads them for `ssh [-l user] [-p port] HOST`: every
 * line is checked (an error anywhere stops, as in ssh), values come from the
 * active blocks, and when a `Match final` is seen a second pass runs with the
 * host name after HostName, as ssh's does.
 */
export function lookupSshConfig(req: LookupRequest): SshHostConfig {
  const r: Reading = {
    out: { hostName: req.host, identityFiles: [], where: {} },
    req,
    wantFinalPass: false,
    refusable: new Map(),
    userSetByCaller: req.user !== undefined,
  };
  if (req.user !== undefined) r.out.user = req.user;
  if (req.port !== undefined) r.out.port = req.port;
  if (req.proxyJump !== undefined) {
    r.out.proxyJump = req.proxyJump;
    r.out.where.proxy = '(given)';
  }
  const first: Pass = { host: req.host, originalHost: req.host, final: false };
  const readAll = (pass: Pass): void => {
    for (const f of req.files) readFile(f.path, f, r, pass, { active: true }, false, 0);
  };
  readAll(first);
  let name = r.out.where.hostname === undefined ? req.host : expandHostName(r.out.hostName, req.host, r.out.where.hostname);
  if (!isIP(name)) name = name.toLowerCase();
  r.out.hostName = name;
  if (r.wantFinalPass) {
    // The second pass sees the final name; a HostName in it changes nothing (ssh sets it before).
    r.out.where.hostname ??= '(first pass)';
    readAll({ host: name, originalHost: req.host, final: true });
  }
  for (const [keyword, { args, where }] of r.refusable) {
    const t = KEYWORDS[keyword];
    if (t.kind === 'refuse' && !t.allowed?.(args)) {
      throw new SshConfigError(`${where}: ${keyword} ${args.join(' ')}: not supported for ${req.host}: ${t.why}`);
    }
  }
  return r.out;
}

/** HostName's value: only `%h` (the name as given) and `%%`, as ssh. */
function expandHostName(value: string, hostArg: string, where = ''): string {
  try {
    return expandTokens(value, { h: hostArg }, false);
  } catch (err) {
    throw new SshConfigError(`${where}: HostName ${value}: ${(err as Error).message}`);
  }
}

function readFile(path: string, file: ConfigFile, r: Reading, pass: Pass, state: { active: boolean }, neverMatch: boolean, depth: number): void {
  if (depth > MAX_INCLUDE_DEPTH) throw new SshConfigError(`${path}: too many recursive configuration includes`);
  let text: string;
  try {
    if (file.checkPermissions || depth > 0) checkPermissions(path);
    const read = readTextCached(path);
    if (read === undefined) return; // no such file: as ENOENT below
    text = read;
  } catch (err) {
    if (err instanceof SshConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return;
    throw new SshConfigError(`${path}: ${(err as Error).message}`);
  }
  text.split('\n').forEach((raw, i) => {
    const where = `${path}:${i + 1}`;
    let line: LexedLine | undefined;
    try {
      line = lexLine(raw);
    } catch (err) {
      if (err instanceof LexError) throw new SshConfigError(`${where}: ${err.message}`);
      throw err;
    }
    if (!line) return;
    if (!line.rest) throw new SshConfigError(`${where}: no argument after keyword "${line.keywordAsWritten}"`);
    processLine(line, where, file, r, pass, state, neverMatch, depth);
  });
}

function processLine(line: LexedLine, where: string, file: ConfigFile, r: Reading, pass: Pass, state: { active: boolean }, neverMatch: boolean, depth: number): void {
  const { keyword, args } = line;
  const fail = (problem: string): never => {
    throw new SshConfigError(`${where}: ${line.keywordAsWritten}: ${problem}`);
  };
  const treatment = KEYWORDS[keyword];
  if (!treatment) {
    if (r.ignoreUnknown !== undefined && matchPatternList(keyword, r.ignoreUnknown, true) === 1) return;
    throw new SshConfigError(`${where}: Bad configuration option: ${line.keywordAsWritten} (an unknown keyword; IgnoreUnknown lists the ones to skip)`);
  }
  const single = (): string => {
    if (args.length !== 1) fail(args.length ? 'extra arguments at end of line' : 'missing argument');
    return args[0];
  };
  const out = r.out;
  const firstValue = (slot: string): boolean => state.active && out.where[slot] === undefined;
  const take = (slot: string): boolean => {
    if (!firstValue(slot)) return false;
    out.where[slot] = where;
    return true;
  };
  switch (keyword) {
    case 'host':
      state.active = !neverMatch && hostLineMatches(args, pass.host);
      return;
    case 'match': {
      const result = evaluateMatch(args, r, pass, fail);
      state.active = !neverMatch && result;
      return;
    }
    case 'include':
      for (const pattern of args) {
        const active = state.active;
        for (const f of includedFiles(pattern, file, fail)) {
          readFile(f, file, r, pass, state, neverMatch || !active, depth + 1);
          // A Match inside the included file does not change the including file's state.
          state.active = active;
        }
      }
      return;
    case 'ignoreunknown':
      if (take('ignoreunknown')) r.ignoreUnknown = single();
      else single();
      return;
    case 'hostname': {
      const v = single();
      if (take('hostname')) out.hostName = v;
      return;
    }
    case 'user': {
      const v = single();
      if (!r.userSetByCaller && take('user')) out.user = v;
      return;
    }
    case 'port': {
      const v = single();
      // a2port: strtonum (a leading + allowed), else a service name from /etc/services.
      const port = /^\+?\d+$/.test(v) ? Number(v) : NaN;
      if (Number.isNaN(port) && /^[A-Za-z][\w.-]*$/.test(v)) fail(`'${v}' is a service name, which ssh looks up in /etc/services: write the port number`);
      if (!(port >= 1 && port <= 65535)) fail(`bad port '${v}'`);
      if (r.req.port === undefined && take('port')) out.port = port;
      return;
    }
    case 'identityfile':
    case 'identityfile2': {
      const v = single();
      // Accumulates; a repeated file is not added twice (add_identity_file).
      if (state.active && !out.identityFiles.includes(v)) out.identityFiles.push(v);
      return;
    }
    case 'identitiesonly': {
      const v = flag(single(), fail);
      if (take('identitiesonly')) out.identitiesOnly = v;
      return;
    }
    case 'identityagent': {
      const v = single();
      try {
        expandEnv(v);
      } catch (err) {
        fail(`invalid environment expansion ${v} (${(err as ExpandError).message})`);
      }
      if (v.startsWith('$') && !v.startsWith('${') && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(1))) fail(`invalid environment name ${v}`);
      if (take('identityagent')) out.identityAgent = v;
      return;
    }
    case 'proxyjump':
    case 'proxycommand': {
      if (keyword === 'proxyjump') {
        try {
          parseProxyJump(line.rest.replace(/#.*$/, '').trim());
        } catch (err) {
          if (err instanceof ProxyJumpError) fail(`invalid ProxyJump "${line.rest}": ${err.message}`);
          throw err;
        }
      }
      // ProxyJump and ProxyCommand share one slot: whichever comes first wins.
      if (!take('proxy')) return;
      // readconf.c parse_jump strips the comment but compares the line as written with "none":
      // ssh 9.2 reads `ProxyJump none # ...` as a jump host named "none".
      if (keyword === 'proxyjump' && /#/.test(line.rest) && line.rest.replace(/#.*$/, '').trim().toLowerCase() === 'none') {
        fail('"none" followed by a comment: OpenSSH 9.2 reads this as a jump host named "none" (remove the comment)');
      }
      if (keyword === 'proxyjump') out.proxyJump = line.rest.replace(/#.*$/, '').trim();
      else if (line.rest.trim().toLowerCase() === 'none') out.proxyJump = 'none';
      else r.refusable.set('proxycommand', { args: [line.rest], where });
      return;
    }
    case 'userknownhostsfile':
    case 'globalknownhostsfile': {
      if (args.some((a) => a.toLowerCase() === 'none') && args.length > 1) fail('"none" argument must appear alone');
      if (take(keyword)) out[keyword === 'userknownhostsfile' ? 'userKnownHostsFiles' : 'globalKnownHostsFiles'] = args;
      return;
    }
    case 'hostkeyalias': {
      const v = single();
      if (take('hostkeyalias')) out.hostKeyAlias = v;
      return;
    }
    case 'stricthostkeychecking': {
      const v = single().toLowerCase();
      if (!['yes', 'no', 'ask', 'accept-new', 'off', 'true', 'false'].includes(v)) fail(`unsupported option "${args[0]}"`);
      if (take('stricthostkeychecking')) {
        out.strictHostKeyChecking = v;
        r.refusable.set(keyword, { args, where });
      }
      return;
    }
  }
  if (treatment.kind === 'refuse') {
    // A keyword whose first value is in effect (CertificateFile accumulates: any one).
    if (state.active && (keyword === 'certificatefile' || !r.refusable.has(keyword))) r.refusable.set(keyword, { args, where });
  }
}

function flag(v: string, fail: (p: string) => never): boolean {
  const l = v.toLowerCase();
  if (l === 'yes' || l === 'true') return true;
  if (l === 'no' || l === 'false') return false;
  return fail(`unsupported option "${v}"`);
}

/** A Match line (readconf.c match_cfg_line, OpenSSH 9.2: all, canonical, final, host, originalhost, user, localuser, exec). */
function evaluateMatch(args: string[], r: Reading, pass: Pass, fail: (p: string) => never): boolean {
  // The host Match sees: the HostName obtained so far (with %h), else the name as given; on the final pass, the final name.
  const hostNow = pass.final ? pass.host : r.out.where.hostname ? expandHostName(r.out.hostName, pass.originalHost, r.out.where.hostname) : pass.originalHost;
  let result = true;
  let attributes = 0;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i];
    const negate = raw.startsWith('!');
    const attribute = (negate ? raw.slice(1) : raw).toLowerCase();
    if (attribute === 'all') {
      if (attributes > 1 || i + 1 < args.length) fail(`'${raw}' cannot be combined with other Match attributes`);
      return result && !negate;
    }
    attributes++;
    if (attribute === 'canonical' || attribute === 'final') {
      if (attribute === 'final') r.wantFinalPass = true;
      if (pass.final === negate) result = false;
      continue;
    }
    const arg = args[++i];
    if (arg === undefined) fail(`missing Match criteria for ${raw}`);
    let matched: boolean;
    switch (attribute) {
      case 'host':
        matched = matchHostname(hostNow, arg);
        break;
      case 'originalhost':
        matched = matchHostname(pass.originalHost, arg);
        break;
      case 'user':
        matched = matchPatternList(r.out.user ?? r.req.defaultUser, arg, false) === 1;
        break;
      case 'localuser':
        matched = matchPatternList(localUser(), arg, false) === 1;
        break;
      case 'exec':
        // ssh runs the command only while the line can still match.
        if (result) fail(`Match exec is not supported (provision runs no local commands to choose a config); use Match host`);
        continue;
      default:
        fail(`unsupported Match attribute ${raw} (OpenSSH 9.2 knows all, canonical, final, host, originalhost, user, localuser, exec)`);
    }
    if (matched! === negate) result = false;
  }
  if (attributes === 0) fail('one or more attributes required for Match');
  return result;
}

/** Include: relative names under ~/.ssh (user file) or the system file's directory; `~` only in the user's; glob patterns, sorted. */
function includedFiles(pattern: string, file: ConfigFile, fail: (p: string) => never): string[] {
  if (pattern.startsWith('~') && file.kind !== 'user') fail(`bad include path ${pattern}`);
  let path = pattern;
  if (path === '~' || path.startsWith('~/')) path = homedir() + path.slice(1);
  else if (path.startsWith('~')) fail(`${pattern}: ~user paths are not supported`);
  else if (!isAbsolute(path)) path = join(file.kind === 'user' ? join(homedir(), '.ssh') : dirname(file.path), path);
  return glob(path);
}

/** POSIX glob for `*`, `?` and `[...]` in any component; hidden names only for a pattern starting with `.`. */
export function glob(path: string): string[] {
  const parts = path.split('/');
  let found = [parts[0] === '' ? '/' : parts[0]];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?[]/.test(part)) {
        const p = join(dir, part);
        if (existsSync(p)) next.push(p);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (n.startsWith('.') && !part.startsWith('.')) continue;
        if (globComponent(n, part)) next.push(join(dir, n));
      }
    }
    found = next;
  }
  return found.filter((p) => p !== '/');
}

function globComponent(name: string, pattern: string): boolean {
  if (!pattern.includes('[')) return matchPattern(name, pattern);
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^');
  return new RegExp(`^${re}$`).test(name);
}

/** ssh refuses a config file others can write to, or owned by someone else (but root). */
function checkPermissions(path: string): void {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return;
  }
  if (!st) return;
  const uid = process.getuid?.();
  if (uid === undefined) return;
  if ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) throw new SshConfigError(`${path}: bad owner or permissions (ssh refuses a config file that others can write)`);
}
