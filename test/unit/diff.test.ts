import { describe, expect, it } from 'vitest';
import { renderDiff } from '../../src/diff.js';
import { Secret } from '../../src/secret.js';

describe('renderDiff', () => {
  it('shows a new file as all additions', () => {
    expect(renderDiff({ kind: 'file', path: '/etc/motd', before: null, after: 'hello\n' })).toBe(['--- /dev/null', '+++ /etc/motd (after)', '@@ -0,0 +1,1 @@', '+hello'].join('\n'));
  });

  it('shows a changed line with context', () => {
    const out = renderDiff({ kind: 'file', path: '/etc/app.conf', before: 'a\nb\nc\n', after: 'a\nB\nc\n' });
    expect(out).toContain('--- /etc/app.conf (before)');
    expect(out).toContain('-b\n+B');
    expect(out).toContain(' a\n');
  });

  it('masks secrets inside file content', () => {
    new Secret('pa-db-password-123');
    const out = renderDiff({ kind: 'file', path: '/opt/pa/.env', before: null, after: 'DB_PASSWORD=pa-db-password-123\n' });
    expect(out).toContain('+DB_PASSWORD=********');
    expect(out).not.toContain('pa-db-password-123');
  });

  it('renders state as a before/after text diff', () => {
    expect(renderDiff({ kind: 'text', label: 'nginx state', before: 'inactive', after: 'active' })).toContain('-inactive\n+active');
  });
});
