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

  /** Keys accepted only because checking is off (ansible.cfg host_key_checking = False): a warning each. */
  readonly uncheckedNotes: string[] = [];

  constructor(
    private readonly e: Endpoint,
    private readonly acceptNew: boolean,
    /** false: OpenSSH's StrictHostKeyChecking=no, which Ansible passes for host_key_checking = False. */
    private readonly checking = true,
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
    if (!this.checking) return this.acceptUnchecked(blob);
    if (this.acceptNew && mayRecord(this.verdict)) {
      this.notRecorded = this.whyNotRecordable();
      if (this.notRecorded) return false;
      appendKnownHost(this.e.userKnownHostsFiles[0], this.name, blob);
      return true;
    }
    return false;
  }

  /**
   * StrictHostKeyChecking=no, as OpenSSH 9.2 does it: an unknown key is
   * recorded in the first user file and accepted; a changed key is accepted
   * (not recorded). A revoked key is refused here where ssh would go on:
   * a deliberate difference (README).
   */
  private acceptUnchecked(blob: Buffer): boolean {
    const v = this.verdict!;
    if (v.status === 'revoked') return false;
    const presented = `${keyTypeOf(blob)} key ${fingerprint(blob)}`;
    if (v.status === 'unknown') {
      const why = this.whyNotRecordable();
      if (!why) appendKnownHost(this.e.userKnownHostsFiles[0], this.name, blob);
      this.uncheckedNotes.push(`host key of ${this.name} was unknown; accepted ${why ? 'without recording it' : `and recorded in ${this.e.userKnownHostsFiles[0]}`} (${presented}) because host_key_checking is off`);
    } else if (v.status === 'changed') {
      this.uncheckedNotes.push(`HOST KEY CHANGED for ${this.name}: the server presented the ${presented}, known_hosts has another key (${v.known.map((e) => `${e.file}:${e.line}`).join(', ')}); accepted only because host_key_checking is off`);
    } else {
      this.uncheckedNotes.push(`host key of ${this.name} is covered only by @cert-authority; the ${presented} was accepted because host_key_checking is off`);
    }
    return true;
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
    if (!this.checking && v.status !== 'revoked') return undefined;
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
