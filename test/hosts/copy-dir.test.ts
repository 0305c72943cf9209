import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestHost, type TestHost } from '../support/host.js';
import { runCli, totals, writeProject } from '../support/provision.js';

/**
 * copy of a directory and fetch on a real Debian host, logged in as the
 * non-root `deploy` user with become (sudo): files sent over SFTP as deploy
 * land root's or www-data's, never deploy's; a root-only file is fetched.
 */
let host: TestHost;
useTestHost('pv-copydir', (h) => (host = h));

const SECRETISH = `K='q"uo$te \`tick\` @:/# x'\n`;

describe('copy a tree and fetch a file, through sudo', () => {
  let project: string;
  let inventory: string;
  const run = (...extra: string[]) => runCli([join(project, 'p.yaml'), '-i', inventory, ...extra]);
  const hostTree = async (): Promise<string> => (await host.sh(`cd /srv/site && find . -printf '%p %y %m %u:%g\\n' | sort && find . -type f | sort | xargs sha256sum`)).stdout;

  it('check mode lists every file and changes nothing', async () => {
    project = writeProject({
      'files/site/index.html': '<h1>v1</h1>\n',
      'files/site/static/app.js': 'console.log(1)\n',
      'files/site/old.txt': 'old\n',
      'files/site/.env': SECRETISH,
      'p.yaml': `- hosts: all
  become: true
  tasks:
    - copy: { src: site/, dest: /srv/site, owner: www-data, group: www-data, mode: "0640", directory_mode: "0750", delete: true }
    - fetch: { src: /root/backup.tgz, dest: backups/ }
`,
    });
    inventory = host.inventory.replace(/hosts\.yaml$/, 'deploy.yaml');
    writeFileSync(inventory, readFileSync(host.inventory, 'utf8').replace('user: root', 'user: deploy'));
    await host.sh(`head -c 300000 /dev/urandom > /root/backup.tgz && chmod 600 /root/backup.tgz`);
    const r = await run('--check', '--diff');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(totals(r.report)).toMatchObject({ changed: 2, failed: 0 });
    const diff = r.report!.hosts['pv-copydir'].tasks[0].diff!;
    expect(diff.split('\n').sort()).toEqual(['+ ./', '+ .env', '+ index.html', '+ old.txt', '+ static/', '+ static/app.js']);
    expect((await host.sh('test -e /srv/site')).code).not.toBe(0);
    expect(existsSync(join(project, 'backups'))).toBe(false);
  });

  it('applies: owner, group and modes; the fetched file is byte for byte the host\'s; nothing staged is left', async () => {
    const r = await run();
    expect(r.exitCode, r.stdout).toBe(0);
    expect(totals(r.report)).toMatchObject({ changed: 2 });
    const tree = await hostTree();
    expect(tree).toContain('. d 750 www-data:www-data\n./.env f 640 www-data:www-data\n./index.html f 640 www-data:www-data\n./old.txt f 640 www-data:www-data\n./static d 750 www-data:www-data\n./static/app.js f 640 www-data:www-data\n');
    expect((await host.sh('cat /srv/site/.env')).stdout).toBe(SECRETISH);
    const fetched = readFileSync(join(project, 'backups/pv-copydir/root/backup.tgz'));
    expect((await host.sh('sha256sum < /root/backup.tgz')).stdout.slice(0, 64)).toBe((await import('node:crypto')).createHash('sha256').update(fetched).digest('hex'));
    expect((await host.sh('ls -A /home/deploy; find /srv/site -name ".provision-*"')).stdout).not.toMatch(/provision/);
  });

  it('a second run changes nothing', async () => {
    const r = await run();
    expect(totals(r.report)).toMatchObject({ changed: 0, ok: 2 });
  });

  it('one file changed, one removed with delete, one extra on the host: exactly those', async () => {
    writeFileSync(join(project, 'files/site/index.html'), '<h1>v2</h1>\n');
    rmSync(join(project, 'files/site/old.txt'));
    await host.sh('echo stray > /srv/site/static/stray.css');
    const before = await hostTree();
    const check = await run('--check', '--diff');
    expect(check.report!.hosts['pv-copydir'].tasks[0].diff!.split('\n').sort()).toEqual(['- old.txt', '- static/stray.css', '~ index.html']);
    expect(await hostTree()).toBe(before);
    const r = await run();
    expect(totals(r.report)).toMatchObject({ changed: 1 });
    expect((await host.sh('cat /srv/site/index.html; ls /srv/site /srv/site/static')).stdout).toBe('<h1>v2</h1>\n/srv/site:\nindex.html\nstatic\n\n/srv/site/static:\napp.js\n');
    expect((await host.sh('stat -c "%U:%G %a" /srv/site/index.html')).stdout).toBe('www-data:www-data 640\n');
    expect(totals((await run()).report)).toMatchObject({ changed: 0 });
  });

  it('the host\'s file changes: fetched again; the local copy is replaced', async () => {
    await host.sh('echo new >> /root/backup.tgz');
    const r = await run();
    expect(totals(r.report)).toMatchObject({ changed: 1 });
    expect(readFileSync(join(project, 'backups/pv-copydir/root/backup.tgz')).subarray(-4).toString()).toBe('new\n');
  });
});
