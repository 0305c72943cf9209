import { describe, expect, it } from 'vitest';
import { DEFAULT_RELEASE, releaseFrom, sourcesFor, type AptSource } from '../../src/sandbox/release.js';

const debian = (suites: string): AptSource => ({ uris: 'http://mirror.example/debian', suites, components: 'main' });
const security = (suites: string): AptSource => ({ uris: 'http://mirror.example/debian-security', suites, components: 'main contrib' });

describe('sourcesFor: the machine\'s apt sources for a test host of another (or the same) release', () => {
  const cases: [string, AptSource[], string | undefined, 'bookworm' | 'trixie', AptSource[]][] = [
    ['nothing to do: the machine runs the release asked for',
      [debian('bookworm bookworm-updates'), security('bookworm-security')], 'bookworm', 'bookworm',
      [debian('bookworm bookworm-updates'), security('bookworm-security')]],
    ['bookworm machine, trixie host: each suite renamed, mirrors and components kept',
      [debian('bookworm bookworm-updates'), security('bookworm-security')], 'bookworm', 'trixie',
      [debian('trixie trixie-updates'), security('trixie-security')]],
    ['trixie machine, bookworm host',
      [debian('trixie trixie-updates'), security('trixie-security')], 'trixie', 'bookworm',
      [debian('bookworm bookworm-updates'), security('bookworm-security')]],
    ['backports follow the release',
      [debian('bookworm bookworm-backports')], 'bookworm', 'trixie', [debian('trixie trixie-backports')]],
    ['a stanza of a third release is left out, not pointed at the wrong one',
      [debian('bookworm'), debian('sid')], 'bookworm', 'trixie', [debian('trixie')]],
    ['suites already of the release asked for are kept as they are',
      [debian('bookworm'), debian('trixie')], 'bookworm', 'trixie', [debian('trixie'), debian('trixie')]],
    ['no usable machine source (or none at all): deb.debian.org',
      [], undefined, 'trixie',
      [{ uris: 'http://deb.debian.org/debian', suites: 'trixie trixie-updates', components: 'main' },
        { uris: 'http://deb.debian.org/debian-security', suites: 'trixie-security', components: 'main' }]],
    ['machine codename unknown and its suites not the release: deb.debian.org',
      [debian('bookworm')], undefined, 'trixie',
      [{ uris: 'http://deb.debian.org/debian', suites: 'trixie trixie-updates', components: 'main' },
        { uris: 'http://deb.debian.org/debian-security', suites: 'trixie-security', components: 'main' }]],
  ];
  it.each(cases)('%s', (_name, machine, codename, release, expected) => {
    expect(sourcesFor(machine, codename, release)).toEqual(expected);
  });
});

describe('releaseFrom: the release named by a flag or PROVISION_TEST_RELEASE', () => {
  it.each([
    [undefined, DEFAULT_RELEASE],
    ['', DEFAULT_RELEASE],
    ['bookworm', 'bookworm'],
    ['trixie', 'trixie'],
  ])('%j → %s', (value, expected) => {
    expect(releaseFrom(value)).toBe(expected);
  });

  it.each(['buster', 'Trixie', 'debian13', 'trixie '])('refuses %j, naming the variable and the releases', (value) => {
    expect(() => releaseFrom(value)).toThrow(`PROVISION_TEST_RELEASE: unknown Debian release "${value}"; test hosts run bookworm or trixie`);
  });
});
