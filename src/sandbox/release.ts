// Which Debian release a test host runs: the names provision knows, the default, and the
// apt sources a host of that release gets from the machine's own.

/** Debian releases test hosts can run (debootstrap suite names), oldest first. */
export const RELEASES = ['bookworm', 'trixie'] as const;
export type Release = (typeof RELEASES)[number];

/**
 * trixie (Debian 13) is the current stable release: new servers run it, so a playbook is
 * tested where it will be deployed. bookworm (Debian 12, oldstable) stays one flag away.
 */
export const DEFAULT_RELEASE: Release = 'trixie';

/** The environment variable that picks the release for `provision test`, `sandbox up` and the host tests. */
export const RELEASE_ENV = 'PROVISION_TEST_RELEASE';

export function isRelease(value: string): value is Release {
  return (RELEASES as readonly string[]).includes(value);
}

/** The release named by `value` (a flag or the environment), else the default; an unknown name is an error. */
export function releaseFrom(value: string | undefined, source = RELEASE_ENV): Release {
  if (value === undefined || value === '') return DEFAULT_RELEASE;
  if (!isRelease(value)) throw new Error(`${source}: unknown Debian release "${value}"; test hosts run ${RELEASES.join(' or ')}`);
  return value;
}

export interface AptSource { uris: string; suites: string; components: string }

/**
 * The machine's sources rewritten for `release`: its own suite names (bookworm,
 * bookworm-updates, bookworm-security) become the release's (trixie, trixie-updates,
 * trixie-security), so a host uses the machine's mirrors (snapshot or internal ones too).
 * Suites of other releases (e.g. a backports line of another name) are left out.
 */
export function sourcesFor(machine: AptSource[], machineRelease: string | undefined, release: Release): AptSource[] {
  const own = machineRelease && machine.some((s) => suiteNames(s).some((x) => base(x) === machineRelease)) ? machineRelease : undefined;
  const out: AptSource[] = [];
  for (const s of machine) {
    const suites = suiteNames(s).flatMap((x) => {
      if (base(x) === release) return [x];
      if (own && base(x) === own) return [release + x.slice(own.length)];
      return [];
    });
    if (suites.length) out.push({ ...s, suites: suites.join(' ') });
  }
  if (out.length) return out;
  return [
    { uris: 'http://deb.debian.org/debian', suites: `${release} ${release}-updates`, components: 'main' },
    { uris: 'http://deb.debian.org/debian-security', suites: `${release}-security`, components: 'main' },
  ];
}

function suiteNames(s: AptSource): string[] {
  return s.suites.split(/\s+/).filter(Boolean);
}

/** "bookworm-updates" → "bookworm". */
function base(suite: string): string {
  return suite.split('-')[0];
}
