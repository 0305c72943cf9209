import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execCommand, handshake, openSocket } from '../../src/ssh/client.js';
import { resolveEndpoint } from '../../src/ssh/endpoint.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

/** The SSH layer itself against a real OpenSSH server on loopback. */
let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe('an SSH connection', () => {
  it("does not ask the server to prove its other host keys (OpenSSH's hostkeys-00 announcement is left unanswered)", async () => {
    // After authentication OpenSSH announces all its host keys. ssh2 would ask it to sign with
    // each (work for the server on every connection, RSA signatures included) and emit
    // 'hostkeys' with those it proved; we check the key in the handshake and never use them.
    const endpoint = resolveEndpoint(
      { name: 'local', address: '127.0.0.1', port: sshd.port, user: 'root', privateKey: sshd.clientKey, knownHosts: sshd.knownHosts },
      { sshConfig: 'none' },
    );
    const client = await handshake(endpoint, await openSocket('127.0.0.1', sshd.port, 10_000), { timeoutMs: 10_000 });
    const proved: unknown[] = [];
    client.on('hostkeys', (keys: unknown[]) => proved.push(keys));
    try {
      // Two commands one after the other: a proof asked for on the announcement would have been
      // answered (the server replies in order) before the second command's output arrives.
      expect((await execCommand(client, 'echo one')).stdout).toBe('one\n');
      expect((await execCommand(client, 'echo two')).stdout).toBe('two\n');
      expect(proved).toEqual([]);
    } finally {
      client.end();
    }
  });
});
