// splitShellWords against Python's shlex.split, which is how Ansible splits
// ansible_ssh_common_args and ansible_ssh_extra_args.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitShellWords } from '../../src/shell-words.js';

function shlex(text: string): { words?: string[]; error?: string } {
  const r = spawnSync('python3', ['-c', 'import json,shlex,sys\ntry: print(json.dumps(shlex.split(sys.stdin.read())))\nexcept ValueError as e: print(json.dumps({"error": str(e)}))'], { input: text, encoding: 'utf8' });
  const out = JSON.parse(r.stdout);
  return Array.isArray(out) ? { words: out } : { error: out.error };
}

const INPUTS = [
  '',
  '   ',
  '-o ProxyJump=gw',
  `-o ProxyCommand="ssh -W %h:%p -q ops@bastion"`,
  `-o 'ProxyCommand=ssh -W %h:%p bastion'`,
  `a\\ b "c \\" d" 'e \\ f' g\\\\h`,
  `"x"'y'z`,
  `-o "UserKnownHostsFile=/a b/kh" -J u@h:2`,
  `"\\$HOME" "\\\`id\\\`" '\\$'`,
  `tab\tseparated\nlines`,
  `hash # not a comment`,
  `unicode "zoë" 'jörg'`,
  `"unterminated`,
  `'unterminated`,
  `trailing backslash\\`,
];

describe('splitShellWords as shlex.split', () => {
  it.each(INPUTS)('%j', (text) => {
    const want = shlex(text);
    if (want.error) {
      expect(() => splitShellWords(text)).toThrow();
    } else {
      expect(splitShellWords(text)).toEqual(want.words);
    }
  });
});
