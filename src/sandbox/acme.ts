// A test ACME CA on every sandbox host, so certificate tasks (certbot) run for real
// without the internet: Debian's pebble (Let's Encrypt's test CA) as provision-acme.service.
//
// - pebble's binary is baked into the image at /usr/lib/provision-sandbox/pebble, outside
//   dpkg's database: the host's package list stays that of a fresh server, and a playbook
//   that installs the `pebble` package itself behaves as it would anywhere else.
// - Every challenge passes (PEBBLE_VA_ALWAYS_VALID=1): nginx, ufw or DNS state never matters.
// - ACME on https://127.0.0.1:14000/dir, management on https://127.0.0.1:15000, both with a
//   self-signed listener certificate made on the host's first start (per host, never shared).
// - pebble makes a new root CA on every start; each start rewrites acme-root.pem with it.
// - Nothing depends on the unit: a broken pebble never breaks boot (up() only warns).
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';
import { sleep } from './process.js';

export const ACME_DIR = '/etc/provision-sandbox';
export const ACME_UNIT = 'provision-acme.service';
const LIB = '/usr/lib/provision-sandbox';

/** Inventory variables of every sandbox host (`provision sandbox up` and `provision test`). */
export const SANDBOX_VARS = {
  sandbox: true,
  /** The ACME directory URL for certbot's `server`. */
  acme_server: 'https://127.0.0.1:14000/dir',
  /** The CA file certbot must trust for acme_server's HTTPS (certbot's `ca_bundle`). */
  acme_ca_bundle: `${ACME_DIR}/acme-listener.pem`,
  /** pebble's current root CA: what issued certificates chain to (verify: `ca:`). */
  acme_root_ca: `${ACME_DIR}/acme-root.pem`,
} as const;

const PEBBLE_CONFIG = JSON.stringify({
  pebble: {
    listenAddress: '127.0.0.1:14000',
    managementListenAddress: '127.0.0.1:15000',
    certificate: SANDBOX_VARS.acme_ca_bundle,
    privateKey: `${ACME_DIR}/acme-listener.key`,
    // Unused with PEBBLE_VA_ALWAYS_VALID, but pebble wants them.
    httpPort: 80,
    tlsPort: 443,
    ocspResponderURL: '',
    externalAccountBindingRequired: false,
  },
}, null, 2) + '\n';

// The unit's two helpers. `listener`: the listener certificate, made once per host (cert
// and key renamed into place together, so a crash never leaves half a pair). `root`: wait
// (bounded) until pebble answers, then atomically write its root CA.
const HELPER = `#!/bin/sh
# Helper of ${ACME_UNIT} (provision sandbox test ACME CA); see that unit.
set -eu
cd ${ACME_DIR}
case "\${1:-}" in
listener)
  if [ -s acme-listener.pem ] && [ -s acme-listener.key ]; then exit 0; fi
  umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \\
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \\
    -keyout acme-listener.key.tmp -out acme-listener.pem.tmp 2>/dev/null
  chmod 644 acme-listener.pem.tmp
  mv acme-listener.key.tmp acme-listener.key
  mv acme-listener.pem.tmp acme-listener.pem
  ;;
root)
  exec python3 - <<'EOF'
import os, ssl, sys, time, urllib.request
ctx = ssl.create_default_context(cafile="acme-listener.pem")
deadline, err = time.monotonic() + 30, "no answer"
while True:
    try:
        pem = urllib.request.urlopen("https://127.0.0.1:15000/roots/0", context=ctx, timeout=2).read()
        if b"BEGIN CERTIFICATE" in pem:
            break
        err = "no certificate in the answer"
    except Exception as e:
        err = e
    if time.monotonic() > deadline:
        sys.exit(f"pebble's management API on 127.0.0.1:15000 did not answer within 30 s: {err}")
    time.sleep(0.2)
with open("acme-root.pem.tmp", "wb") as f:
    f.write(pem)
os.chmod("acme-root.pem.tmp", 0o644)
os.replace("acme-root.pem.tmp", "acme-root.pem")
EOF
  ;;
*) echo "usage: $0 listener|root" >&2; exit 2 ;;
esac
`;

const UNIT = `# provision sandbox: a test ACME CA (Debian's pebble) for certificate tasks on test hosts.
#   ACME directory  https://127.0.0.1:14000/dir   (inventory var acme_server)
#   management      https://127.0.0.1:15000
#   listener cert   ${SANDBOX_VARS.acme_ca_bundle}   (+ .key; made on first start; acme_ca_bundle)
#   root CA         ${SANDBOX_VARS.acme_root_ca}   (new root on every start, rewritten then; acme_root_ca)
# Every challenge passes (PEBBLE_VA_ALWAYS_VALID=1). Nothing depends on this unit, so a broken
# pebble never breaks boot. A playbook that runs its own pebble as pebble.service gets the ports:
# starting that unit stops this one.
[Unit]
Description=provision sandbox test ACME CA (pebble)
Conflicts=pebble.service
Before=pebble.service

[Service]
Environment=PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_WFE_NONCEREJECT=0
ExecStartPre=${LIB}/acme listener
# A root left from an earlier start must not outlive it.
ExecStartPre=/bin/rm -f ${SANDBOX_VARS.acme_root_ca}
ExecStart=${LIB}/pebble -config ${LIB}/pebble.json
ExecStartPost=${LIB}/acme root

[Install]
WantedBy=multi-user.target
`;

/** Everything the recipe writes: part of the rootfs cache key, so any change rebuilds the image. */
export const ACME_RECIPE = [PEBBLE_CONFIG, HELPER, UNIT].join('\0');

/** Debian packages the image needs for the CA (pebble is moved out of dpkg's hands below). */
export const ACME_PACKAGES = ['pebble', 'openssl'];

/** Bakes the CA into the image: binary, config, helper, unit enabled. Runs after debootstrap. */
export async function installAcme(root: string): Promise<void> {
  const w = (rel: string, text: string, mode = 0o644) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text, { mode });
    fs.chmodSync(p, mode);
  };
  const lib = path.join(root, LIB.slice(1));
  fs.mkdirSync(lib, { recursive: true });
  fs.copyFileSync(path.join(root, 'usr/bin/pebble'), path.join(lib, 'pebble'));
  fs.chmodSync(path.join(lib, 'pebble'), 0o755);
  await run('chroot', [root, 'dpkg', '--purge', 'pebble']);
  w(`${LIB.slice(1)}/pebble.json`, PEBBLE_CONFIG);
  w(`${LIB.slice(1)}/acme`, HELPER, 0o755);
  fs.mkdirSync(path.join(root, ACME_DIR.slice(1)), { recursive: true, mode: 0o755 });
  w(`etc/systemd/system/${ACME_UNIT}`, UNIT);
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  fs.mkdirSync(wants, { recursive: true });
  fs.symlinkSync(`/etc/systemd/system/${ACME_UNIT}`, path.join(wants, ACME_UNIT));
}

/**
 * Waits (bounded) until the host's CA has started and written its root, so a host is ready
 * for certificate tasks when up() returns. Never fails: a broken CA only gets a warning.
 */
export async function waitAcme(machinePid: number, rootDir: string, log: (l: string) => void, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < end) {
    const r = await run('nsenter', ['-t', String(machinePid), '-a', 'systemctl', 'show', '-p', 'ActiveState', '--value', ACME_UNIT],
      { allowFail: true, timeoutMs: 10_000 });
    state = r.stdout.trim();
    if (state === 'active' && fs.existsSync(path.join(rootDir, SANDBOX_VARS.acme_root_ca.slice(1)))) return true;
    if (state === 'failed') break;
    await sleep(300);
  }
  log(`warning: the test ACME CA (${ACME_UNIT}) is ${state || 'unknown'}, certificate tasks will fail: ` +
    `see journalctl -u ${ACME_UNIT} on the host`);
  return false;
}
