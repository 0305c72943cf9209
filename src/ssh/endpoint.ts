import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { InventoryHost } from '../inventory.js';
import { expandPath, lookupSshConfig, parseProxyJump, SshConfigError, sshConfigPath } from './config.js';

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
  /** Try the keys of ssh-agent ($SSH_AUTH_SOCK); with identitiesOnly, only those matching keyFiles. */
  agent: boolean;
  identitiesOnly: boolean;
  /** UserKnownHostsFile: read in order; accept-new records in the first. Empty: nothing is ever recorded. */
  userKnownHostsFiles: string[];
  /** GlobalKnownHostsFile: read after the user's; never written. */
  globalKnownHostsFiles: string[];
  /** HostKeyAlias: the name looked up in (and recorded to) known_hosts instead of the address and port. */
  hostKeyAlias?: string;
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
export const DEFAULT_USER_KNOWN_HOSTS = [DEFAULT_KNOWN_HOSTS, join(homedir(), '.ssh', 'known_hosts2')];
export const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
const DEFAULT_KEY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const MAX_JUMP_DEPTH = 8;

export interface ResolveOptions {
  /** ssh_config file; `none` for none. Default $PROVISION_SSH_CONFIG, else ~/.ssh/config. */
  sshConfig?: string;
}

/**
 * How to reach an inventory host. Its `address` (the host name when it has
 * none) is looked up in the ssh config as `ssh ADDRESS` would: the config's
 * HostName replaces it; Port, User, ProxyJump apply unless the inventory set
 * them; IdentityFiles come after an inventory `private_key`.
 */
export function resolveEndpoint(host: InventoryHost, options: ResolveOptions = {}): Endpoint {
  const file = sshConfigPath(options.sshConfig);
  const required = options.sshConfig !== undefined || process.env.PROVISION_SSH_CONFIG !== undefined;
  const cfg = lookupSshConfig(file, host.address, required);
  const explicit = host.explicit ?? { port: true, user: true };
  const address = cfg.hostName ?? host.address;
  const port = explicit.port ? host.port : (cfg.port ?? host.port);
  const user = explicit.user ? host.user : (cfg.user ?? host.user);
  const ctx = { host: address, originalHost: host.address, user, port };
  const configured = cfg.identityFiles.map((f) => ({ path: expandPath(f, ctx), required: false, fallback: false }));
  const keyFiles = [...(host.privateKey ? [{ path: expandPath(host.privateKey, ctx), required: true, fallback: false }] : []), ...configured];
  // The inventory's known_hosts replaces the whole user list, as UserKnownHostsFile does.
  const userKnownHostsFiles = host.knownHosts ? [expandPath(host.knownHosts, ctx)] : cfg.userKnownHostsFile ? [expandPath(cfg.userKnownHostsFile, ctx)] : [...DEFAULT_USER_KNOWN_HOSTS];
  const target: Endpoint = {
    name: host.address,
    address,
    port,
    user,
    keyFiles: keyFiles.length ? keyFiles : defaultKeys(),
    agent: agentWanted(),
    identitiesOnly: cfg.identitiesOnly === true,
    userKnownHostsFiles,
    globalKnownHostsFiles: [...DEFAULT_GLOBAL_KNOWN_HOSTS],
    jumps: [],
  };
  let proxyJump = host.proxyJump;
  if (proxyJump === undefined) {
    if (cfg.proxyCommand) throw new SshConfigError(`ssh config ${file}: ProxyCommand (for ${host.address}) is not supported; use ProxyJump`);
    proxyJump = cfg.proxyJump;
  }
  if (proxyJump) target.jumps = resolveJumps(proxyJump, file, target, 0);
  return target;
}

/**
 * ProxyJump `a,b`: a is reached directly (or through a's own ProxyJump in the
 * config, as `ssh -W` to it would), b through a. Each jump host is looked up in
 * the ssh config; what the config does not say comes from the target: its
 * user, its known_hosts file and, when the config names no IdentityFile, its keys.
 */
function resolveJumps(spec: string, file: string | undefined, target: Endpoint, depth: number): Endpoint[] {
  if (depth > MAX_JUMP_DEPTH) throw new SshConfigError(`ProxyJump chain longer than ${MAX_JUMP_DEPTH} (a loop?)`);
  const hops: Endpoint[] = [];
  parseProxyJump(spec).forEach((j, i) => {
    const cfg = lookupSshConfig(file, j.host);
    const address = cfg.hostName ?? j.host;
    const port = j.port ?? cfg.port ?? 22;
    const user = j.user ?? cfg.user ?? target.user;
    const ctx = { host: address, originalHost: j.host, user, port };
    const keyFiles = cfg.identityFiles.map((f) => ({ path: expandPath(f, ctx), required: false, fallback: false }));
    const hop: Endpoint = {
      name: j.host,
      address,
      port,
      user,
      keyFiles: keyFiles.length ? keyFiles : target.keyFiles.map((k) => ({ ...k, required: false, fallback: true })),
      agent: agentWanted(),
      identitiesOnly: cfg.identitiesOnly === true,
      userKnownHostsFiles: cfg.userKnownHostsFile ? [expandPath(cfg.userKnownHostsFile, ctx)] : target.userKnownHostsFiles,
      globalKnownHostsFiles: target.globalKnownHostsFiles,
      jumps: [],
    };
    if (i === 0 && cfg.proxyJump && cfg.proxyJump.toLowerCase() !== 'none') hops.push(...resolveJumps(cfg.proxyJump, file, hop, depth + 1));
    else if (i === 0 && cfg.proxyCommand) throw new SshConfigError(`ssh config ${file}: ProxyCommand (for ${j.host}) is not supported; use ProxyJump`);
    hops.push(hop);
  });
  return hops;
}

function agentWanted(): boolean {
  return !!process.env.SSH_AUTH_SOCK;
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
