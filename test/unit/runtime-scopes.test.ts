import { describe, expect, it } from 'vitest';
import type { HostLevels } from '../../src/compile.js';
import { ConfigError } from '../../src/errors.js';
import { RuntimeScopes } from '../../src/run/runtime-scopes.js';
import type { VarLevel } from '../../src/vars/levels.js';

const level = (values: Record<string, unknown>): VarLevel => ({ values, error: (key, _p, message) => new ConfigError(`${message} (in ${key})`) });

/** A host's levels as compile keeps them: inventory below the facts, play vars above, -e on top. */
const levels: HostLevels = {
  base: { inventory_hostname: 'web1' },
  belowFacts: [level({ ansible_system: 'from-inventory', release: '{{ ansible_distribution_release }}' })],
  aboveFacts: [level({ greeting: '{{ result.stdout }} world', ansible_hostname: 'from-play-vars' })],
  extra: level({ ev: 'from-extra' }),
};

describe('RuntimeScopes: the levels bound over facts and registered results', () => {
  const facts = { ansible_system: 'Linux', ansible_distribution_release: 'bookworm', ansible_hostname: 'vm' };

  it('facts sit above the inventory and below play vars; registered results above play vars; -e above all', () => {
    const scope = new RuntimeScopes().scope(levels, facts, { result: { stdout: 'hello' }, ev: 'registered', greeting: 'registered-greeting' });
    expect(scope.ansible_system).toBe('Linux');
    expect(scope.ansible_hostname).toBe('from-play-vars');
    expect(scope.release).toBe('bookworm');
    expect(scope.greeting).toBe('registered-greeting');
    expect(scope.ev).toBe('from-extra');
  });

  it('nothing changed: the same binding; a new registered result: bound again, rendering with it', () => {
    const scopes = new RuntimeScopes();
    const registered: Record<string, unknown> = {};
    const first = scopes.scope(levels, facts, registered);
    expect(() => first.greeting).toThrow(/not defined \(in greeting\)/);
    // Compared by identity: vitest's toBe would read every variable of both to describe a difference.
    expect(scopes.scope(levels, facts, registered) === first).toBe(true);
    registered.result = { stdout: 'hi' };
    const second = scopes.scope(levels, facts, registered);
    expect(second === first).toBe(false);
    expect(second.greeting).toBe('hi world');
    registered.result = { stdout: 'bye' };
    expect(scopes.scope(levels, facts, registered).greeting).toBe('bye world');
  });
});
