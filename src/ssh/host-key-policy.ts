import type { Endpoint } from './endpoint.js';
import { checkHostKey, mayRecord, orderHostKeyAlgorithms, type HostKeyVerdict } from './host-key-check.js';
import { describeHostKeyRefusal } from './host-key-messages.js';
import { lookupNames } from './host-names.js';
import { appendKnownHost, entriesIn, fingerprint, keyTypeOf, readKnownHostsFiles, type KnownHostEntry } from './known-hosts.js';

/**
 * One endpoint's host key policy for one handshake: the known_hosts entries
 * are read once, before connecting (they give the algorithm order), and the
 * presented key is judged against them.
 */
export class HostKeyPolicy {
  readonly name: string;
  private readonly named: KnownHostEntry[];
  private readonly portless?: KnownHostEntry[];
  verdict?: HostKeyVerdict;
  presented?: Buffer;
  private notRecorded?: string;

  constructor(
    private readonly e: Endpoint,
    private readonly acceptNew: boolean,
  ) {
    const files = readKnownHostsFiles([...e.userKnownHostsFiles, ...e.globalKnownHostsFiles]);
    const names = lookupNames(e.address, e.port, e.hostKeyAlias);
    this.name = names.name;
    this.named = entriesIn(files, names.name);
    if (names.portless !== undefined) this.portless = entriesIn(files, names.portless);
  }

  /** serverHostKey for ssh2: the algorithms of known key types first. */
  algorithms(): string[] {
    return orderHostKeyAlgorithms(this.named);
  }

  /** ssh2's hostVerifier: true to go on with the handshake. */
  verify(blob: Buffer): boolean {
    this.presented = blob;
    this.verdict = checkHostKey(this.named, this.portless, keyTypeOf(blob), blob.toString('base64'));
    if (this.verdict.status === 'match') return true;
    if (this.acceptNew && mayRecord(this.verdict)) {
      this.notRecorded = this.whyNotRecordable();
      if (this.notRecorded) return false;
      appendKnownHost(this.e.userKnownHostsFiles[0], this.name, blob);
      return true;
    }
    return false;
  }

  /**
   * ssh never records for a host name holding pattern or hash characters
   * (even under a HostKeyAlias), nor when there is no user file.
   */
  private whyNotRecordable(): string | undefined {
    if (this.e.userKnownHostsFiles.length === 0) return 'no user known_hosts file to record it in';
    if (/[@?*#[\]|'"\\]/.test(this.e.address)) return `the host name ${this.e.address} holds characters known_hosts cannot record`;
    return undefined;
  }

  /** Why the key was refused, for the user; undefined when the host key was not the reason. */
  refusal(): string | undefined {
    const v = this.verdict;
    if (!v || v.status === 'match' || !this.presented) return undefined;
    if (v.status === 'unknown' && this.acceptNew && !this.notRecorded) return undefined;
    return describeHostKeyRefusal(v, {
      hostPort: `${this.e.address}:${this.e.port}`,
      address: this.e.address,
      port: this.e.port,
      name: this.name,
      presentedType: keyTypeOf(this.presented),
      presentedFingerprint: fingerprint(this.presented),
      userFiles: this.e.userKnownHostsFiles,
      globalFiles: this.e.globalKnownHostsFiles,
      notRecorded: this.notRecorded,
    });
  }
}
