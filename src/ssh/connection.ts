import type { Client, SFTPWrapper } from 'ssh2';
import { ConnectError } from '../errors.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import type { ConnectionTarget } from '../connection-vars.js';
import type { Secret } from '../secret.js';
import { sudoScriptWithPassword } from './become.js';
import { acquireJump, execCommand, forwardThrough, handshake, openSocket, retryNote, SshReachError, type ExecResult, type Lease } from './client.js';
import { retryRefusedBeforeGreeting } from './greeting-retry.js';
import { SshConfigError } from './config.js';
import { describeEndpoint, resolveEndpoint, type Endpoint } from './endpoint.js';
import { jumpHostGate, loginCounted } from './handshake-pacing.js';

export { DEFAULT_KNOWN_HOSTS } from './endpoint.js';
export type { ExecResult } from './client.js';

export interface ConnectOptions {
  /** Record the key of a host seen for the first time (OpenSSH's StrictHostKeyChecking=accept-new). A changed key is always refused. */
  acceptNewHostKeys?: boolean;
  /** false: ansible.cfg host_key_checking = False (the target only: ssh does not pass -o options to a ProxyJump host). */
  hostKeyChecking?: boolean;
  /** A host key accepted only because checking is off: printed as a warning. */
  onUncheckedHostKey?: (host: string, note: string) => void;
  connectTimeoutMs?: number;
  /** ssh_config(5) file to honour; `none` for none. Default: $PROVISION_SSH_CONFIG, else ~/.ssh/config. */
  sshConfig?: string;
  /** sudo password for hosts with none of their own among their variables (--ask-become-pass). */
  becomePassword?: Secret;
  /** -vvv: each host's SSH exchange, line by line. */
  sshDebug?: (host: string, line: string) => void;
}

/**
 * The one SSH connection to a host for a whole run. Every remote action is an
 * exec on it; `roundTrips` counts them so reports and benchmarks can show it.
 * Behind a ProxyJump it runs over a channel of the jump host's connection,
 * which hosts behind the same jump host share.
 */
export class HostConnection {
  roundTrips = 0;

  /** The inventory name, for messages. */
  get name(): string {
    return this.target.name;
  }

  /** The login user and port in effect (the ssh config may have set them), e.g. for tasks that must keep SSH open. */
  get user(): string {
    return this.endpoint.user;
  }

  get port(): number {
    return this.endpoint.port;
  }
  private constructor(
    readonly target: ConnectionTarget,
    readonly endpoint: Endpoint,
    private readonly client: Client,
    private readonly jump: Lease | undefined,
    private readonly becomePassword?: Secret,
  ) {}

  /** `resolved`: the target's endpoint when it was resolved before the run; else it is resolved here. */
  static async open(host: ConnectionTarget, options: ConnectOptions = {}, resolved?: Endpoint): Promise<HostConnection> {
    const timeoutMs = host.connectTimeoutSeconds !== undefined ? host.connectTimeoutSeconds * 1000 : (options.connectTimeoutMs ?? 10_000);
    const sshDebug = options.sshDebug;
    const hs = { acceptNewHostKeys: options.acceptNewHostKeys, timeoutMs, debug: sshDebug && ((line: string) => sshDebug(host.name, line)) };
    let endpoint: Endpoint;
    try {
      endpoint = resolved ?? resolveEndpoint(host, { sshConfig: options.sshConfig });
    } catch (err) {
      if (err instanceof SshConfigError) throw new ConnectError(host.name, err.message);
      throw err;
    }
    let jump: Lease | undefined;
    try {
      const unchecked = options.onUncheckedHostKey;
      const target = { ...hs, hostKeyChecking: options.hostKeyChecking, onUncheckedHostKey: unchecked && ((note: string) => unchecked(host.name, note)) };
      // A connection the server closes before its greeting is tried again: see greeting-retry.ts.
      const retry = { onRetry: sshDebug && retryNote((line) => sshDebug(host.name, line), describeEndpoint(endpoint)) };
      let client: Client;
      if (endpoint.jumps.length) {
        const lease = (jump = await acquireJump(endpoint.jumps, hs));
        const via = describeEndpoint(endpoint.jumps[endpoint.jumps.length - 1]);
        // Paced per jump host (handshake-pacing.ts); a wait between attempts holds no place.
        client = await retryRefusedBeforeGreeting(
          () =>
            jumpHostGate(via).run(async () => {
              const c = await handshake(endpoint, await forwardThrough(lease.client, via, endpoint.address, endpoint.port, timeoutMs), target);
              await loginCounted(c);
              return c;
            }),
          retry,
        );
      } else {
        client = await retryRefusedBeforeGreeting(async () => handshake(endpoint, await openSocket(endpoint.address, endpoint.port, timeoutMs), target), retry);
      }
      client.on('error', () => {}); // a lost connection shows as the next exec failing
      // The target's own sudo password (its variables, -e included) wins over --ask-become-pass.
      return new HostConnection(host, endpoint, client, jump, host.becomePassword ?? options.becomePassword);
    } catch (err) {
      jump?.release();
      if (err instanceof SshReachError) throw new ConnectError(host.name, err.message);
      throw err;
    }
  }

  /** Runs one command line; `stdin` is written to it and closed. */
  async exec(command: string, stdin?: string): Promise<ExecResult> {
    this.roundTrips++;
    try {
      return await execCommand(this.client, command, stdin);
    } catch (err) {
      throw new ConnectError(this.name, `connection lost: ${(err as Error).message}`);
    }
  }

  /** Runs a script (from remote-script.ts) with `sh`, as root through sudo when `become`. */
  async runScript(script: string, become: boolean): Promise<ExecResult> {
    if (!become || this.endpoint.user === 'root') return this.exec('sh -s', script);
    if (this.becomePassword) {
      // The password goes to sudo only when sudo asks for it: see become.ts.
      this.roundTrips++;
      try {
        return await sudoScriptWithPassword(this.client, this.becomePassword, script, this.endpoint.user);
      } catch (err) {
        throw new ConnectError(this.name, `connection lost: ${(err as Error).message}`);
      }
    }
    // -n: never wait on a password prompt nobody sees.
    const r = await this.exec('sudo -n -H -- sh -s', script);
    if (r.exitCode !== 0 && /a password is required/.test(r.stderr)) {
      r.stderr = `${r.stderr.trimEnd()} (give become_password in the inventory, or run with --ask-become-pass)\n`;
    }
    return r;
  }

  /**
   * An SFTP channel on this same connection (opened on first use, then kept):
   * file transfers never open a second connection. Counted as one round trip.
   */
  sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.roundTrips++;
      try {
        this.client.sftp((err, sftp) => (err ? reject(new Error(`the host's sshd offers no SFTP (${err.message}); copying a directory, a large file or fetch needs its "Subsystem sftp"`)) : resolve(sftp)));
      } catch (err) {
        reject(new ConnectError(this.name, `connection lost: ${(err as Error).message}`));
      }
    });
    this.sftpChannel.catch(() => (this.sftpChannel = undefined));
    return this.sftpChannel;
  }

  private sftpChannel?: Promise<SFTPWrapper>;

  /**
   * Takes the host's run lock (see run-lock.ts). Not counted in roundTrips: the
   * runner takes it while the first facts are being read, so it adds no wait.
   */
  holdRunLock(owner: string): Promise<RunLock> {
    return acquireRunLock(this.client, owner, this.target.lockFile);
  }

  close(): void {
    this.client.end();
    this.jump?.release();
  }
}

