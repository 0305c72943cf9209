import type { Client } from 'ssh2';

/**
 * At most a few SSH handshakes in flight through one jump host at a time.
 *
 * provision opens one connection to a jump host and reaches every target behind it over channels
 * of that connection, so the jump host's sshd sees one login whatever the fleet size. The
 * handshakes through it are another matter: with --forks 200, 200 key exchanges would start at
 * once through one jump host's single sshd process, and sshd's MaxStartups (10:30:100 by default:
 * from 10 unauthenticated connections on, it drops new ones at random) refuses the surplus on any
 * server behind it that is reached under several names or ports (a load balancer, a gateway that
 * forwards ports, one machine with many addresses): hosts reported unreachable that are not.
 * A place is held until sshd has counted the login as finished (loginCounted, below), so our
 * own handshakes never count twice. Five in flight is half of OpenSSH's default start of 10,
 * leaving the rest to other clients of the same server, and still keeps the jump host's sshd
 * busy (a handshake is a few round trips of waiting on the network, not CPU on our side). What
 * the server's count holds beyond ours is met by trying a refused connection again
 * (greeting-retry.ts). Direct connections are not paced: each is a different server, and
 * --forks bounds them.
 */
export const HANDSHAKES_PER_JUMP_HOST = 5;

/** A counting gate: `run` waits for one of `limit` places, runs `work`, frees the place. */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      // The place passes to the next waiter directly, so `active` never drops below a waiter's count.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const gates = new Map<string, Gate>();

/** The gate of one jump host (named as describeEndpoint names it); made on first use, kept for the run. */
export function jumpHostGate(jumpHost: string): Gate {
  let gate = gates.get(jumpHost);
  if (!gate) gates.set(jumpHost, (gate = new Gate(HANDSHAKES_PER_JUMP_HOST)));
  return gate;
}

/**
 * Resolves once sshd has stopped counting this login as unauthenticated. ssh2 is ready at the
 * server's "authentication succeeded", but sshd's listener counts the connection until the
 * login's privileged process has closed its startup pipe, a moment later (on a loaded 2-core
 * machine that moment let eight paced handshakes reach a limit of ten: CI saw 4 of 40 hosts
 * refused). That process closes the pipe before it starts the session process, and only the
 * session process answers requests, so the answer to one keepalive@openssh.com request (what
 * ssh's ServerAliveInterval sends; any answer will do) proves the pipe is closed, and sshd's
 * listener reads pipes before it accepts. One round trip per host behind a jump host. ssh2 has no
 * public call for it: a later ssh2 without these internals resolves at once (the retry of
 * greeting-retry.ts still covers a refusal).
 */
export function loginCounted(client: Client): Promise<void> {
  const internals = client as unknown as { _callbacks?: (() => void)[]; _protocol?: { ping?: () => void } };
  const callbacks = internals._callbacks;
  const protocol = internals._protocol;
  if (!Array.isArray(callbacks) || typeof protocol?.ping !== 'function') return Promise.resolve();
  // ssh2 answers global requests' replies in order from _callbacks, and calls them all if the connection closes.
  return new Promise((resolve) => {
    callbacks.push(() => resolve());
    protocol.ping!();
  });
}
