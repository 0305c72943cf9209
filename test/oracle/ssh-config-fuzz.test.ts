import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyJump, SshConfigError } from '../../src/ssh/config.js';
import { generateConfig, type GeneratedConfig } from '../support/ssh-config-generator.js';
import { mapLimited, seededRandom } from '../support/seeded-random.js';
import { normalise, provisionView, sshG, sshGAsync, type Query, type SshGResult, type View } from '../support/ssh-g.js';

/**
 * Seeded random differential test: generated ssh_config files (Host and Match
 * blocks, patterns, Include, quoting, `=`, case, tokens, now and then a bad
 * line) are resolved by provision and by `ssh -G -F FILE [-l] [-p] HOST`
 * (OpenSSH 9.2) for several queries each. The fields provision uses must be
 * equal; where ssh refuses the config, provision must refuse it too, naming the
 * same file and line; where provision refuses on purpose (ProxyCommand,
 * StrictHostKeyChecking no), ssh must show that very setting in effect.
 * A failure names the seed and prints the generated files.
 */
const SEEDS = Array.from({ length: 150 }, (_, i) => 1000 + i);

let root: string;
const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
const generated = new Map<number, { dir: string; config: GeneratedConfig; ssh: SshGResult[] }>();
const outcomes = { compared: 0, bothRefused: 0, deliberate: 0 };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'provision-oracle-sshcfg-fuzz-'));
  // ssh expands ~ with the passwd home; provision with $HOME: make them one.
  process.env.HOME = userInfo().homedir;
  process.env.SSH_AUTH_SOCK = join(root, 'agent.sock');
  const jobs: { seed: number; file: string; q: Query }[] = [];
  for (const seed of SEEDS) {
    const dir = join(root, `seed-${seed}`);
    const config = generateConfig(seededRandom(seed), dir, userInfo().username);
    for (const [name, text] of Object.entries(config.files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text, { mode: 0o644 });
    }
    generated.set(seed, { dir, config, ssh: [] });
    for (const q of config.queries) jobs.push({ seed, file: join(dir, 'main'), q });
  }
  const results = await mapLimited(jobs, 4, (j) => sshGAsync(j.file, j.q));
  jobs.forEach((j, i) => generated.get(j.seed)!.ssh.push(results[i]));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  Object.assign(process.env, saved);
  if (saved.SSH_AUTH_SOCK === undefined) delete process.env.SSH_AUTH_SOCK;
});

function show(seed: number): string {
  const { dir, config } = generated.get(seed)!;
  return [`seed ${seed} (dir ${dir})`, ...Object.entries(config.files).map(([name, text]) => `--- ${name}\n${text}`)].join('\n');
}

/** ssh's error line `FILE line N: ...` as `FILE:N`. */
function sshErrorWhere(stderr: string): string | undefined {
  const m = /^(\/\S+): line (\d+): /m.exec(stderr);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

type Outcome = { view: View } | { error: string };

function provisionOutcome(file: string, q: Query): Outcome {
  try {
    return { view: provisionView(file, q) };
  } catch (err) {
    if (err instanceof SshConfigError) return { error: err.message };
    throw err;
  }
}

/** provision's deliberate refusals that stop the reading at their line (ssh reads on). */
const STOPS_AT_ONCE = /^\S+:\d+: (port: '\w+' is a service name|ProxyJump: "none" followed by a comment)/i;

/**
 * A refusal provision makes on purpose, confirmed by what ssh shows in effect:
 * a refused keyword's value, or a ProxyJump whose hops lead back to themselves
 * (ssh -G does not follow the hops; ssh itself would refuse the hop, "jumphost
 * loop", or start itself again without end).
 */
function deliberateRefusal(error: string, ssh: SshGResult, file: string, q: Query): boolean {
  if (/^\S+:\d+: ProxyJump .*: (jumphost loop via|a chain of jump hosts longer than)/.test(error)) return ssh.out.has('proxyjump');
  if (/^\S+:\d+: ProxyJump: "none" followed by a comment/i.test(error)) return ssh.out.get('proxyjump')?.[0] === 'none';
  if (/^\S+:\d+: port: '\w+' is a service name/i.test(error)) return true;
  const m = /^\S+:\d+: (\w+) .*: not supported for (\S+): /.exec(error);
  if (!m) return false;
  const [, keyword, name] = m;
  let seen = ssh;
  if (name !== q.host) {
    // Refused for a jump host: what ssh -G says for that hop (as ssh -W would reach it).
    const hop = parseProxyJump(ssh.out.get('proxyjump')?.[0] ?? 'none').find((j) => j.host === name);
    if (!hop) return false;
    seen = sshG(file, { host: hop.host, user: hop.user, port: hop.port });
    // ssh cannot reach that hop either (a jumphost loop there): refusing it agrees.
    if (seen.status !== 0) return true;
  }
  if (keyword === 'stricthostkeychecking') return normalise(seen.out).stricthostkeychecking === 'no';
  if (keyword === 'proxycommand') return seen.out.has('proxycommand') && !seen.out.has('proxyjump');
  return false;
}

describe('generated ssh_config files: provision agrees with ssh -G', () => {
  it.each(SEEDS)('seed %i', (seed) => {
    const { dir, config, ssh } = generated.get(seed)!;
    const file = join(dir, 'main');
    config.queries.forEach((q, i) => {
      const theirs = ssh[i];
      const ours = provisionOutcome(file, q);
      const context = `${show(seed)}\nquery ${JSON.stringify(q)}\nssh: ${theirs.stderr}\nprovision: ${'error' in ours ? ours.error : 'ok'}`;
      if (theirs.status !== 0) {
        expect('error' in ours, context).toBe(true);
        const where = sshErrorWhere(theirs.stderr);
        // The same file:line, unless provision stopped earlier at a line it refuses on purpose.
        if (where && 'error' in ours) expect(ours.error.startsWith(`${where}: `) || STOPS_AT_ONCE.test(ours.error), context).toBe(true);
        if (/jumphost loop via/.test(theirs.stderr) && 'error' in ours) expect(ours.error, context).toMatch(/jumphost loop via|is a service name|not supported for/);
        outcomes.bothRefused++;
      } else if ('error' in ours) {
        expect(deliberateRefusal(ours.error, theirs, file, q), context).toBe(true);
        outcomes.deliberate++;
      } else {
        expect({ q, ...ours.view }, context).toEqual({ q, ...normalise(theirs.out) });
        outcomes.compared++;
      }
    });
  });

  it('reaches every outcome', () => {
    expect(outcomes.compared).toBeGreaterThan(200);
    expect(outcomes.bothRefused).toBeGreaterThan(5);
    expect(outcomes.deliberate).toBeGreaterThan(3);
  });
});
