// splitShellWords against Python's shlex.split, which is how Ansible splits
// ansible_ssh_common_args and ansible_ssh_extra_args.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitShellWords } from '../../src/shell-words.js';

function shlex(text: string, comments: boolean): { words?: string[]; error?: string } {
  const code = `import json,shlex,sys\ntry: print(json.dumps(shlex.split(sys.stdin.read(), comments=${comments ? 'True' : 'False'})))\nexcept ValueError as e: print(json.dumps({"error": str(e)}))`;
  const r = spawnSync('python3', ['-c', code], { input: text, encoding: 'utf8' });
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
  `a#b "c # d" e\\#f # g`,
  `host x="q#1" # comment`,
  `unicode "zoë" 'jörg'`,
  `"unterminated`,
  `'unterminated`,
  `trailing backslash\\`,
];

describe.each([false, true])('splitShellWords as shlex.split(comments=%s)', (comments) => {
  it.each(INPUTS)('%j', (text) => {
    const want = shlex(text, comments);
    if (want.error) {
      expect(() => splitShellWords(text, { comments })).toThrow(want.error);
    } else {
      expect(splitShellWords(text, { comments })).toEqual(want.words);
    }
  });
});
