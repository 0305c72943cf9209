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
 * Five in flight is half of OpenSSH's default start of 10 and still keeps the jump host's sshd
 * busy (a handshake is a few round trips of waiting on the network, not CPU on our side). Not
 * closer to 10: sshd counts a login as finished only when its privileged process gets round to
 * it, a moment after our side sees it succeed, and on a busy server that moment let eight in
 * flight reach its limit (CI saw 4 of 40 hosts refused). What the server's count holds beyond
 * ours (other clients, its own lag) is met by trying a refused connection again
 * (greeting-retry.ts). Direct connections are not paced: each is a different server, and --forks
 * bounds them.
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
