import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatVaultYaml } from '../../src/vault/encrypt-string.js';
import { encryptVaultText } from '../../src/vault/keyring.js';
import { CLI, writeProject } from '../support/provision.js';
import { useTestSshd } from '../support/use-test-sshd.js';

/**
 * A vaulted secret through a real run (a loopback sshd: the "host" is this
 * machine): it reaches the file on the host byte for byte, and is in none of
 * stdout, stderr, the JSON report, or the process list while the run goes on.
 */
const SECRET = `p'a"s$s \`id\` @:/# ü\nsecond line`;
const PASSWORD = `vault "pw" $x`;

const { sshd, work } = useTestSshd('provision-vault-work-');

/** Every command line on this machine, sampled until the run ends. */
function sampleProcessList(): { stop: () => string[] } {
  const seen: string[] = [];
  let running = true;
  const tick = (): void => {
    if (!running) return;
    seen.push(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout);
    setTimeout(tick, 10);
  };
  tick();
  return { stop: () => ((running = false), seen) };
}

describe('a vaulted secret on a real host', () => {
  it('reaches the file intact; never in output, the report or the process list', async () => {
    const vaulted = formatVaultYaml(encryptVaultText(Buffer.from(SECRET), { id: 'prod', password: Buffer.from(PASSWORD) }), 'db_password');
    const project = writeProject({
      'vars.yml': `${vaulted}\n`,
      'pw': `${PASSWORD}\n`,
      'site.yaml': `- hosts: all\n  tasks:\n    - name: secret file\n      copy: { dest: ${work}/secret.txt, content: "{{ db_password }}", mode: "0600" }\n    - name: say it\n      debug: { msg: "{{ db_password }}" }\n`,
    });
    const report = join(project, 'report.json');
    const samples = sampleProcessList();
    const child = spawn(process.execPath, [CLI, join(project, 'site.yaml'), '-i', sshd.inventory(), '-e', `@${join(project, 'vars.yml')}`, '--vault-id', `prod@${join(project, 'pw')}`, '--diff', '-v', '--report', report], {
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    const processLists = samples.stop();

    expect(code, out).toBe(0);
    expect(readFileSync(join(work, 'secret.txt'), 'utf8')).toBe(SECRET);
    for (const part of SECRET.split('\n')) {
      expect(out).not.toContain(part);
      expect(readFileSync(report, 'utf8')).not.toContain(part);
      expect(processLists.length).toBeGreaterThan(0);
      for (const list of processLists) expect(list).not.toContain(part);
    }
    expect(out).toContain('********');
  });

  it('a wrong vault password: exit 4 before the host is touched', async () => {
    const vaulted = formatVaultYaml(encryptVaultText(Buffer.from(SECRET), { id: 'prod', password: Buffer.from(PASSWORD) }), 'db_password');
    const project = writeProject({
      'vars.yml': `${vaulted}\n`,
      'pw': 'wrong\n',
      'site.yaml': `- hosts: all\n  tasks:\n    - copy: { dest: ${work}/never.txt, content: "{{ db_password }}" }\n`,
    });
    const r = spawnSync(process.execPath, [CLI, join(project, 'site.yaml'), '-i', sshd.inventory(), '-e', `@${join(project, 'vars.yml')}`, '--vault-password-file', join(project, 'pw')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/vars\.yml:1:\d+: !vault value: cannot decrypt \(vault id "prod"\)/);
    expect(() => readFileSync(join(work, 'never.txt'))).toThrow();
  });
});
