import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionTarget } from '../connection-vars.js';
import { expandTokens, localUser } from './config/expand.js';
import { expandClientPath, ExpandError, lookupSshConfig, parseProxyJump, SshConfigError, sshConfigFiles, type ConfigFile, type ConnectionNames, type SshHostConfig } from './config.js';

/** Where and how to connect to one SSH server: a target host or a jump host on the way to it. */
export interface Endpoint {
  /** The name as given (inventory address, or a ProxyJump entry), for messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  /**
   * Private key files in the order they are tried: the inventory's and the config's
   * before the agent's keys, `fallback` ones (~/.ssh/id_*, or a target's keys tried
   * on its jump host) after them. A `required` one must be readable.
   */
  keyFiles: KeyFile[];
  /** Try the keys of ssh-agent (at agentSocket); with identitiesOnly, only those matching keyFiles. */
  agent: boolean;
  /** The agent's socket: IdentityAgent, else $SSH_AUTH_SOCK. */
  agentSocket?: string;
  identitiesOnly: boolean;
  /** UserKnownHostsFile (all of them; the inventory's known_hosts replaces them), expanded. Empty for `none`. */
  userKnownHostsFiles: string[];
  /** GlobalKnownHostsFile (all of them), as written (ssh expands nothing in them). Empty for `none`. */
  globalKnownHostsFiles: string[];
  /** HostKeyAlias, lowercased as ssh does: the name looked up in known_hosts instead of the address. */
  hostKeyAlias?: string;
  /** StrictHostKeyChecking accept-new: a key seen for the first time is recorded (a changed one is still refused). */
  acceptNewHostKeys?: boolean;
  /** Jump hosts, outermost first. */
  jumps: Endpoint[];
}

export interface KeyFile {
  path: string;
  required: boolean;
  fallback: boolean;
}

/** OpenSSH's UserKnownHostsFile and GlobalKnownHostsFile defaults. */
export const DEFAULT_KNOWN_HOSTS = join(homedir(), '.ssh', 'known_hosts');
/** OpenSSH's defaults (readconf.c fill_default_options). */
export const DEFAULT_USER_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
export const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
const DEFAULT_KEY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const MAX_JUMP_DEPTH = 8;

export interface ResolveOptions {
  /** ssh_config file, as `ssh -F`; `none` for none. Default $PROVISION_SSH_CONFIG, else ~/.ssh/config and /etc/ssh/ssh_config. */
  sshConfig?: string;
}

/**
 * How to reach a target. Its `address` is looked up in the ssh config as
 * `ssh ADDRESS` would, with the target's own port, user and proxy jump as ssh's
 * -p, -l and -J: the config's HostName replaces the address; Port and User
 * default to 22 and the local user, as in ssh; IdentityFiles come after the
 * target's private key.
 */
export function resolveEndpoint(host: ConnectionTarget, options: ResolveOptions = {}): Endpoint {
  const files = sshConfigFiles(options.sshConfig);
  const cfg = lookupSshConfig({
    host: host.address,
    user: host.user,
    port: host.port,
    proxyJump: host.proxyJump,
    defaultUser: localUser(),
    files,
  });
  const user = cfg.user ?? localUser();
  const port = cfg.port ?? 22;
  const names: ConnectionNames = { host: cfg.hostName, originalHost: host.address, user, port, hostKeyAlias: cfg.hostKeyAlias?.toLowerCase() };
  const configured = identityFiles(cfg, names);
  const keyFiles = [...(host.privateKey ? [{ path: expand(host.privateKey, names, 'private_key'), required: true, fallback: false }] : []), ...configured];
  const userKnownHostsFiles = host.knownHosts ? [expand(host.knownHosts, names, 'known_hosts')] : knownHostsFiles(cfg, names);
  const target: Endpoint = {
    name: host.address,
    address: cfg.hostName,
    port,
    user,
    keyFiles: keyFiles.length ? keyFiles : defaultKeys(),
    ...agentFor(cfg, names),
    identitiesOnly: host.identitiesOnly ?? cfg.identitiesOnly === true,
    userKnownHostsFiles,
    globalKnownHostsFiles: globalKnownHostsFiles(cfg),
    hostKeyAlias: names.hostKeyAlias,
    acceptNewHostKeys: cfg.strictHostKeyChecking === 'accept-new' || undefined,
    jumps: [],
  };
  if (cfg.proxyJump) {
    refuseJumpLoop(cfg.proxyJump, target, cfg.where.proxy);
    target.jumps = resolveJumps(expandJump(cfg.proxyJump, names, cfg.where.proxy), files, target, 0, cfg.where.proxy);
  }
  return target;
}

/**
 * ProxyJump `a,b`: a is reached directly (or through a's own ProxyJump in the
 * config, as `ssh -W` to it would), b through a. Each jump host is looked up in
 * the ssh config; what the config does not say comes from the target: its
 * user, its known_hosts files and, when the config names no IdentityFile, its keys.
 */
function resolveJumps(spec: string, files: ConfigFile[], target: Endpoint, depth: number, where = '(given)'): Endpoint[] {
  if (depth > MAX_JUMP_DEPTH) throw new SshConfigError(`${where}: ProxyJump ${spec}: a chain of jump hosts longer than ${MAX_JUMP_DEPTH} (a loop?)`);
  const hops: Endpoint[] = [];
  const specs = parseProxyJump(spec);
  specs.forEach((j, i) => {
    const cfg = lookupSshConfig({ host: j.host, user: j.user, port: j.port, defaultUser: target.user, files });
    const user = cfg.user ?? target.user;
    const port = cfg.port ?? 22;
    const names: ConnectionNames = { host: cfg.hostName, originalHost: j.host, user, port, hostKeyAlias: cfg.hostKeyAlias?.toLowerCase() };
    const keyFiles = identityFiles(cfg, names);
    const hop: Endpoint = {
      name: j.host,
      address: cfg.hostName,
      port,
      user,
      keyFiles: keyFiles.length ? keyFiles : target.keyFiles.map((k) => ({ ...k, required: false, fallback: true })),
      ...agentFor(cfg, names),
      identitiesOnly: cfg.identitiesOnly === true,
      userKnownHostsFiles: cfg.userKnownHostsFiles ? knownHostsFiles(cfg, names) : target.userKnownHostsFiles,
      globalKnownHostsFiles: cfg.globalKnownHostsFiles ? globalKnownHostsFiles(cfg) : target.globalKnownHostsFiles,
      hostKeyAlias: names.hostKeyAlias,
      acceptNewHostKeys: cfg.strictHostKeyChecking === 'accept-new' || undefined,
      jumps: [],
    };
    // ssh reaches hop i with `ssh -J <hops before it> -W … hop`: only the first hop follows its own ProxyJump.
    if (i > 0) refuseJumpLoop(spec.split(',').slice(0, i).join(','), hop, where);
    else if (cfg.proxyJump && cfg.proxyJump.toLowerCase() !== 'none') {
      refuseJumpLoop(cfg.proxyJump, hop, cfg.where.proxy);
      hops.push(...resolveJumps(expandJump(cfg.proxyJump, names, cfg.where.proxy), files, hop, depth + 1, cfg.where.proxy));
    }
    hops.push(hop);
  });
  return hops;
}

/**
 * ssh.c refuses to go through a jump host that is the host itself: the last hop
 * of ProxyJump with the same name (as written, against the host name after
 * HostName), the same port (the hop's, else 22) and the same user (the hop's,
 * else the host's): "jumphost loop via HOST", also for `ssh -G`.
 */
function refuseJumpLoop(spec: string, host: Endpoint, where = '(given)'): void {
  // The inventory's proxy_jump (ssh's -J) to the host itself is followed: harmless, and the
  // integration tests reach their one loopback sshd through itself. From the config, the hop would
  // read the same config again: ssh refuses, and so does provision.
  if (where === '(given)') return;
  const hops = parseProxyJump(spec);
  const last = hops[hops.length - 1];
  if (last && last.host === host.address && (last.port ?? 22) === host.port && (last.user ?? host.user) === host.user) {
    throw new SshConfigError(`${where}: ProxyJump ${spec}: jumphost loop via ${last.host} (the jump host is ${host.user}@${host.address}:${host.port} itself)`);
  }
}

/**
 * ProxyJump's tokens: ssh turns the hops into `ssh … -W '[%h]:%p' HOP` and
 * expands %h (the host name after HostName), %n, %p, %r and %% in that whole
 * command, so `ProxyJump gw-%h` goes through `gw-web1.example.com`.
 */
function expandJump(spec: string, names: ConnectionNames, where = '(given)'): string {
  try {
    return expandTokens(spec, { h: names.host, n: names.originalHost, p: String(names.port), r: names.user }, false);
  } catch (err) {
    if (err instanceof ExpandError) throw new SshConfigError(`${where}: ProxyJump ${spec}: ${err.message}`);
    throw err;
  }
}

/** A path keyword expanded as ssh does (`~`, then % tokens and ${VAR}); its errors name where the value came from. */
function expand(path: string, names: ConnectionNames, what: string, where?: string): string {
  try {
    return expandClientPath(path, names);
  } catch (err) {
    if (err instanceof ExpandError) throw new SshConfigError(`${where ? `${where}: ` : ''}${what} ${path}: ${err.message}`);
    throw err;
  }
}

function identityFiles(cfg: SshHostConfig, names: ConnectionNames): KeyFile[] {
  return cfg.identityFiles
    .filter((f) => f.toLowerCase() !== 'none')
    .map((f) => ({ path: expand(f, names, 'IdentityFile'), required: false, fallback: false }));
}

function knownHostsFiles(cfg: SshHostConfig, names: ConnectionNames): string[] {
  const files = cfg.userKnownHostsFiles ?? DEFAULT_USER_KNOWN_HOSTS;
  if (files[0]?.toLowerCase() === 'none') return [];
  return files.map((f) => expand(f, names, 'UserKnownHostsFile', cfg.where.userknownhostsfile));
}

function globalKnownHostsFiles(cfg: SshHostConfig): string[] {
  const files = cfg.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS;
  return files[0]?.toLowerCase() === 'none' ? [] : files;
}

/** IdentityAgent: `none`, `SSH_AUTH_SOCK`, `$VAR`, or a path; default $SSH_AUTH_SOCK. */
function agentFor(cfg: SshHostConfig, names: ConnectionNames): { agent: boolean; agentSocket?: string } {
  const v = cfg.identityAgent;
  let socket: string | undefined;
  if (v === undefined || v === 'SSH_AUTH_SOCK') socket = process.env.SSH_AUTH_SOCK;
  else if (v.toLowerCase() === 'none') socket = undefined;
  else if (v.startsWith('$') && !v.startsWith('${')) socket = process.env[v.slice(1)];
  else socket = expand(v, names, 'IdentityAgent', cfg.where.identityagent);
  return socket ? { agent: true, agentSocket: socket } : { agent: false };
}

function defaultKeys(): KeyFile[] {
  return DEFAULT_KEY_NAMES.map((k) => join(homedir(), '.ssh', k))
    .filter((k) => existsSync(k))
    .map((path) => ({ path, required: false, fallback: true }));
}

export function describeEndpoint(e: Endpoint): string {
  const port = e.port === 22 ? '' : `:${e.port}`;
  return e.name === e.address ? `${e.user}@${e.address}${port}` : `${e.name} (${e.user}@${e.address}${port})`;
}
