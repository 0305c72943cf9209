import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FileState } from '../../src/facts.js';
import { planFile, sha256 } from '../../src/file-plan.js';
import { Secret } from '../../src/secret.js';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const present = (content: string): FileState => ({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, sha256: hex(content) });

describe('planFile: a wanted file against the host\'s, by hash', () => {
  const cases: { name: string; content: string | Secret; state: FileState; summary: string | null }[] = [
    { name: 'nothing to do: same content and attributes', content: 'a=1\n', state: present('a=1\n'), summary: null },
    { name: 'absent: create', content: 'a=1\n', state: { exists: false }, summary: 'create /etc/app.conf' },
    { name: 'other content: update', content: 'a=2\n', state: present('a=1\n'), summary: 'update /etc/app.conf' },
    { name: 'a secret with the same text: nothing to do', content: new Secret(`k=p'a"s$s\`w@r:d/#x y\n`), state: present(`k=p'a"s$s\`w@r:d/#x y\n`), summary: null },
    { name: 'a secret with other text: update', content: new Secret(`k=p'a"s$s\`w@r:d/#x y\n`), state: present('k=old\n'), summary: 'update /etc/app.conf' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const change = planFile({ path: '/etc/app.conf', content: c.content }, c.state);
      expect(change?.summary ?? null).toBe(c.summary);
    });
  }

  it('hashes the same content for many hosts from memory, and each content as itself', () => {
    const shared = 'server {\n  listen 80;\n}\n';
    const secret = new Secret('DATABASE_PASSWORD=hunter2-$`"\n');
    for (let host = 0; host < 3; host++) {
      expect(sha256(shared)).toBe(hex(shared));
      expect(sha256(secret)).toBe(hex(secret.reveal()));
      expect(sha256(`${shared}#${host}`)).toBe(hex(`${shared}#${host}`));
    }
    // More contents than are kept: each still hashed right.
    for (let i = 0; i < 600; i++) expect(sha256(`file ${i}`)).toBe(hex(`file ${i}`));
  });
});
