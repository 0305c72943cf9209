// A minimal SSH server (ssh2's server side) for the fleet simulator and the recorder: its own host
// key, public-key authentication against one authorized key (the signature is checked, as sshd
// does), exec channels handed to `onExec`, everything else (shell, pty, sftp, forwarding)
// refused, so a run that needs more than exec fails loudly instead of being simulated wrongly.
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

/**
 * An ed25519 key pair in OpenSSH's formats: { private, public ("ssh-ed25519 AAAA...") }. ssh2
 * 1.17's generator now and then writes a private key its own parser calls malformed (about one
 * in a few hundred): such a pair is drawn again.
 */
export function newKeyPair() {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

/**
 * Listens on address:port. `onExec(command, channel)`: the channel is a duplex (stdin in, stdout
 * out, `.stderr`, `.exit(code)`). Resolves with the listening server once bound.
 */
export function serveSsh({ address = '127.0.0.1', port, hostKey, authorizedKey, onExec, onError = () => {} }) {
  const allowed = utils.parseKey(authorizedKey);
  if (allowed instanceof Error) throw allowed;
  const allowedBlob = allowed.getPublicSSH();
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', onError);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowedBlob)) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do (OpenSSH's probe).
      if (ctx.signature && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => onExec(info.command, acceptExec()));
        for (const refused of ['pty', 'shell', 'subsystem', 'x11', 'auth-agent', 'env', 'window-change', 'signal']) {
          session.on(refused, (_accept, reject) => reject?.());
        }
      });
      client.on('tcpip', (_accept, reject) => reject());
      client.on('request', (_accept, reject) => reject?.());
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Reads a channel's stdin to its end (the runner writes a script and closes it). */
export function readStdin(channel) {
  return new Promise((resolve) => {
    const parts = [];
    channel.on('data', (d) => parts.push(d));
    channel.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}
