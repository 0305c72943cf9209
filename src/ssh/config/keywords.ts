/**
 * Every ssh_config keyword OpenSSH 9.2 knows (readconf.c) and what provision
 * does with it, in one place (the README shows this table):
 * - use: provision honours it;
 * - ignore: no effect on where, as whom, how authenticated, or which keys are trusted;
 * - refuse: provision cannot do what it says, so a host it applies to is not
 *   connected to (unless `allowed` says this value changes nothing).
 * A keyword not listed is unknown: an error, as in ssh, unless IgnoreUnknown names it.
 */
export type Treatment =
  | { kind: 'use' }
  | { kind: 'ignore' }
  | { kind: 'refuse'; why: string; allowed?: (args: string[]) => boolean };

const use: Treatment = { kind: 'use' };
const ignore: Treatment = { kind: 'ignore' };
const refuse = (why: string, allowed?: (args: string[]) => boolean): Treatment => ({ kind: 'refuse', why, allowed });
const is = (...values: string[]) => (args: string[]): boolean => values.includes((args[0] ?? '').toLowerCase());

export const KEYWORDS: Record<string, Treatment> = {
  host: use,
  match: use,
  include: use,
  ignoreunknown: use,
  hostname: use,
  user: use,
  port: use,
  identityfile: use,
  identityfile2: use,
  identitiesonly: use,
  identityagent: use,
  proxyjump: use,
  proxycommand: refuse('provision connects itself (use ProxyJump)', is('none')),
  userknownhostsfile: use,
  globalknownhostsfile: use,
  hostkeyalias: use,
  stricthostkeychecking: refuse('provision never accepts a changed or unverified host key', is('yes', 'ask', 'accept-new', 'true')),

  certificatefile: refuse('provision does not offer certificates'),
  pkcs11provider: refuse('provision does not use PKCS#11 tokens'),
  smartcarddevice: refuse('provision does not use PKCS#11 tokens'),
  securitykeyprovider: refuse('provision does not use FIDO security keys', is('internal')),
  knownhostscommand: refuse('provision reads known_hosts files only', is('none')),
  revokedhostkeys: refuse('provision does not read a RevokedHostKeys file', is('none')),
  remotecommand: refuse('provision runs its own commands', is('none')),
  canonicalizehostname: refuse('provision does not canonicalise host names', is('no', 'false')),
  canonicalizepermittedcnames: refuse('provision does not follow CNAMEs to canonicalise host names', is('none')),
  pubkeyauthentication: refuse('provision authenticates with public keys only', is('yes', 'true', 'unbound', 'host-bound')),
  preferredauthentications: refuse('provision authenticates with public keys only', (a) => (a[0] ?? '').split(',').includes('publickey')),
  bindaddress: refuse('provision does not choose the local address'),
  bindinterface: refuse('provision does not choose the local interface'),
  addressfamily: refuse('provision does not restrict the address family', is('any')),
  nohostauthenticationforlocalhost: refuse('provision always checks host keys', is('no', 'false')),
  verifyhostkeydns: refuse('provision does not trust host keys from DNS', is('no', 'false')),
  dsaauthentication: refuse('provision authenticates with public keys only', is('yes', 'true', 'unbound', 'host-bound')),
  hostbasedauthentication: refuse('provision authenticates with public keys only', is('no', 'false')),

  // No effect on where, as whom, how authenticated, or which keys are trusted.
  addkeystoagent: ignore, batchmode: ignore, casignaturealgorithms: ignore, challengeresponseauthentication: ignore,
  checkhostip: ignore, ciphers: ignore, clearallforwardings: ignore, compression: ignore, connectionattempts: ignore,
  connecttimeout: ignore, controlmaster: ignore, controlpath: ignore, controlpersist: ignore, dynamicforward: ignore,
  enableescapecommandline: ignore, enablesshkeysign: ignore, escapechar: ignore, exitonforwardfailure: ignore,
  fingerprinthash: ignore, forkafterauthentication: ignore, forwardagent: ignore, forwardx11: ignore,
  forwardx11timeout: ignore, forwardx11trusted: ignore, gatewayports: ignore, gssapiauthentication: ignore,
  gssapidelegatecredentials: ignore, hashknownhosts: ignore, hostbasedacceptedalgorithms: ignore,
  hostbasedkeytypes: ignore, hostkeyalgorithms: ignore, ipqos: ignore, kbdinteractiveauthentication: ignore,
  kbdinteractivedevices: ignore, kexalgorithms: ignore, keepalive: ignore, localcommand: ignore, localforward: ignore,
  logverbose: ignore, loglevel: ignore, macs: ignore, numberofpasswordprompts: ignore, passwordauthentication: ignore,
  permitlocalcommand: ignore, permitremoteopen: ignore, proxyusefdpass: ignore, pubkeyacceptedalgorithms: ignore,
  pubkeyacceptedkeytypes: ignore, rekeylimit: ignore, remoteforward: ignore, requesttty: ignore,
  requiredrsasize: ignore, sendenv: ignore, serveralivecountmax: ignore, serveraliveinterval: ignore,
  sessiontype: ignore, setenv: ignore, skeyauthentication: ignore, stdinnull: ignore, streamlocalbindmask: ignore,
  streamlocalbindunlink: ignore, syslogfacility: ignore, tcpkeepalive: ignore, tisauthentication: ignore, tunnel: ignore,
  tunneldevice: ignore, updatehostkeys: ignore, visualhostkey: ignore, xauthlocation: ignore, canonicaldomains: ignore,
  canonicalizefallbacklocal: ignore, canonicalizemaxdots: ignore,
  // ssh itself ignores these (deprecated or unsupported in 9.2).
  protocol: ignore, cipher: ignore, fallbacktorsh: ignore, globalknownhostsfile2: ignore, rhostsauthentication: ignore,
  userknownhostsfile2: ignore, useroaming: ignore, usersh: ignore, useprivilegedport: ignore, afstokenpassing: ignore,
  kerberosauthentication: ignore, kerberostgtpassing: ignore, rsaauthentication: ignore, rhostsrsaauthentication: ignore,
  compressionlevel: ignore,
};
