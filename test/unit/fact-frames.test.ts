import { describe, expect, it } from 'vitest';
import { factFrames } from '../../src/remote-script.js';

/** The expression factFrames stands for, built from the marker as the parser once did. */
function byExpression(stdout: string, marker: string) {
  const re = new RegExp(`^${marker} (\\d+)\\n([\\s\\S]*?)\\n?${marker} end (\\d+)$`, 'gm');
  const out: { index: number; stdout: string; exitCode: number }[] = [];
  for (let m = re.exec(stdout); m; m = re.exec(stdout)) out.push({ index: Number(m[1]), stdout: m[2], exitCode: Number(m[3]) });
  return out;
}

const M = 'PROVISION_FACT_00aa11bb22cc';
const OTHER = 'PROVISION_FACT_ffffffffffff';

describe('factFrames finds what the framing expression finds', () => {
  const cases: [string, string][] = [
    ['nothing to do: empty output', ''],
    ['no frame', 'some text\nmore\n'],
    ['one frame', `${M} 0\nhello\n\n${M} end 0\n`],
    ['empty content', `${M} 0\n\n${M} end 3\n`],
    ['content without a newline before the end marker', `${M} 0\nabc${M} end 1\n`],
    ['end marker at the very end, no newline', `${M} 2\nx\n\n${M} end 12`],
    ['several frames in order', `${M} 0\na\n\n${M} end 0\n${M} 1\nb\nc\n\n${M} end 4\n${M} 2\n\n${M} end 0\n`],
    ['another batch frames inside a fact', `${M} 0\n${OTHER} 0\nnot mine\n${OTHER} end 7\n\n${M} end 2\n`],
    ['another batch only', `${OTHER} 0\nx\n${OTHER} end 0\n`],
    ['a start marker not at a line start', `x${M} 0\ny\n${M} end 0\n`],
    ['a start marker without digits', `${M} x\ny\n${M} end 0\n${M} 1\nz\n${M} end 5\n`],
    ['an end status not ending its line, then a real one', `${M} 0\na\n${M} end 1x\nb\n${M} end 2\n`],
    ['a start without an end', `${M} 0\nnever ends\n`],
    ['a frame whose end is missing swallows the next start', `${M} 0\nlost\n${M} 1\nkept\n${M} end 6\n`],
    ['carriage returns end lines for ^ and $', `${M} 0\na\r${M} end 1\r${M} 1\nb\n${M} end 2\u2028`],
    ['a start line ending in a carriage return is not a start', `${M} 0\r\nx\n${M} end 0\n`],
    ['long indexes and statuses', `${M} 0012\nv\n${M} end 255\n`],
  ];
  it.each(cases)('%s', (_what, stdout) => expect(factFrames(stdout, M)).toEqual(byExpression(stdout, M)));

  it('random outputs built from the same pieces', () => {
    const pieces = [`${M} `, `${M} end `, `${OTHER} `, '0', '17', '\n', '\r', 'x', ' ', 'end '];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pieces.length;
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: 1 + (n % 25) }, () => pieces[next()]).join('');
      expect(factFrames(text, M), JSON.stringify(text)).toEqual(byExpression(text, M));
    }
  });
});
