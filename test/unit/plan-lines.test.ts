import { describe, expect, it } from 'vitest';
import { factLines, maskedCommand, MAX_STEPS, MAX_VALUE_CHARS, planLines, stepLine } from '../../src/output/plan-lines.js';
import type { Step } from '../../src/plan.js';
import { Secret } from '../../src/secret.js';
import { cmd } from '../../src/shell.js';

// Quotes, $, backticks, @, :, /, #, spaces: a secret that breaks naive quoting and masking.
const SECRET = `p'a"s$s\`w@r:d/#x y`;
new Secret(SECRET);

describe('factLines: the facts a plan used, -vv', () => {
  it('nothing read: no lines', () => expect(factLines({})).toEqual([]));

  it('one line per fact, compact JSON', () => {
    expect(factLines({ path: { exists: false }, dest: { exists: true, type: 'file', mode: '0644' } })).toEqual(['path = {"exists":false}', 'dest = {"exists":true,"type":"file","mode":"0644"}']);
  });

  it('a secret read back from the host (a link target) is masked, and a Secret object too', () => {
    const lines = factLines({ path: { exists: true, type: 'link', linkTarget: SECRET }, password: new Secret(SECRET) });
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines).toEqual(['path = {"exists":true,"type":"link","linkTarget":"********"}', 'password = "********"']);
  });

  it('a large value is cut, saying how much was left out', () => {
    const [line] = factLines({ big: 'x'.repeat(1000) });
    expect(line.length).toBeLessThan(MAX_VALUE_CHARS + 60);
    expect(line).toContain(`... (${1002 - MAX_VALUE_CHARS} more characters)`);
  });
});

describe('planLines and stepLine: what the task will do, -vv', () => {
  it('nothing to do: the planner\'s reason', () => {
    expect(planLines({ changes: [], ok: '/etc/x is up to date' })).toEqual([{ text: 'nothing to do: /etc/x is up to date', steps: [] }]);
  });

  it('a change with its steps; file content and stdin never shown', () => {
    const steps: Step[] = [
      { kind: 'run', command: cmd('mkdir', '-p', '--', '/opt/app') },
      { kind: 'write', path: '/opt/app/.env', content: new Secret(SECRET), mode: '0600', owner: 'app', validate: 'test -s /opt/app/.env' },
      { kind: 'run', command: 'chpasswd', stdin: new Secret(SECRET) },
      { kind: 'upload', path: '/srv/site/a.png', local: '/home/me/files/a.png', sha256: 'ab' },
      { kind: 'download', path: '/etc/hostname', local: '/home/me/out/hostname', sha256: 'cd' },
    ];
    expect(planLines({ changes: [{ summary: 'write /opt/app/.env', steps }] })).toEqual([
      {
        text: 'write /opt/app/.env',
        steps: [
          'run: mkdir -p -- /opt/app',
          'write /opt/app/.env (mode 0600, owner app), then validate: test -s /opt/app/.env',
          'run: chpasswd (with input on stdin)',
          'upload /home/me/files/a.png to /srv/site/a.png',
          'download /etc/hostname to /home/me/out/hostname',
        ],
      },
    ]);
  });

  it('a secret in a summary or a shell-quoted argument is masked', () => {
    const [c] = planLines({ changes: [{ summary: `link /srv/l -> ${SECRET}`, steps: [{ kind: 'run', command: cmd('ln', '-sfn', '--', SECRET, '/srv/l') }] }] });
    expect(JSON.stringify(c)).not.toContain(SECRET);
    expect(c.text).toBe('link /srv/l -> ********');
    expect(c.steps).toEqual([`run: ln -sfn -- '********' /srv/l`]);
  });

  it('many steps: the first MAX_STEPS, then how many more', () => {
    const steps: Step[] = Array.from({ length: MAX_STEPS + 3 }, (_, i) => ({ kind: 'run', command: `true ${i}` }));
    const [c] = planLines({ changes: [{ summary: 's', steps }] });
    expect(c.steps).toHaveLength(MAX_STEPS + 1);
    expect(c.steps.at(-1)).toBe('... 3 more steps');
  });
});

describe('maskedCommand', () => {
  it.each([
    ['no secret: the command as run', cmd('echo', "it's"), `echo 'it'\\''s'`],
    ['a secret as one word, quoted with its quote', cmd('echo', SECRET), `echo '********'`],
    ['a secret inside a word', cmd('echo', `pw=${SECRET}`), `echo 'pw=********'`],
    ['unreadable as shell words: plain masking', `echo 'unclosed ${SECRET}`, `echo 'unclosed ********`],
  ])('%s', (_, command, expected) => expect(maskedCommand(command)).toBe(expected));

  it('the step line of a masked command', () => expect(stepLine({ kind: 'run', command: cmd('ln', '-s', SECRET, '/x') })).toBe(`run: ln -s '********' /x`));
});
