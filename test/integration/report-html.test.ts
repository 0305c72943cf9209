import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, type ProvisionResult } from '../support/provision.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { pngPixels } from './report-png.js';
import { reportProject, SECRET } from './report-project.js';

// The HTML report of a real run (ok, changed with a diff, skipped, a slow step, a failure), loaded in
// headless Chromium: what the page shows after its script ran, filtered by the URL hash, and a screenshot.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
// In CI the browser test must run (scripts/setup.sh installs chromium); locally it is skipped, saying why.
if (!CHROMIUM && !process.env.CI) console.warn('report-html.test.ts: the browser tests are skipped: no chromium binary (apt-get install chromium, or scripts/setup.sh)');
const browserIt = CHROMIUM || process.env.CI ? it : it.skip;

let sshd: TestSshd;
let out: string;
let p: ReturnType<typeof reportProject>;
let run: ProvisionResult;
let html: string;

beforeAll(async () => {
  sshd = await startSshd();
  out = mkdtempSync(join(tmpdir(), 'provision-report-html-'));
  p = reportProject();
  run = await runCli([p.playbook, '-i', sshd.inventory(), '-e', `@${p.project}/secrets.yaml`, '--diff', '--report-html', join(out, 'run.html')]);
  writeFileSync(join(out, 'run.json'), JSON.stringify(run.report));
  html = readFileSync(join(out, 'run.html'), 'utf8');
}, 180_000);
afterAll(async () => {
  await sshd?.stop();
  rmSync(out, { recursive: true, force: true });
});

/** Runs headless Chromium on the report with its own profile and no name resolution (nothing may be fetched). */
function chromium(args: string[], hash = ''): string {
  const profile = mkdtempSync(join(tmpdir(), 'provision-chromium-'));
  try {
    const r = spawnSync(CHROMIUM ?? 'chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--host-resolver-rules=MAP * ~NOTFOUND', ...args, `file://${join(out, 'run.html')}${hash}`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error, 'chromium did not run').toBeUndefined();
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const tasksOf = (): { name: string; status: string }[] => (run.report as unknown as { hosts: { local: { tasks: { name: string; status: string }[] } } }).hosts.local.tasks;
const rows = (dom: string): string[] => dom.match(/<div class="row[^"]*"[^>]*>/g) ?? [];

describe('HTML report', () => {
  it('is one file that loads nothing: no http(s) reference, no external script, style or image; secrets masked', () => {
    expect(run.exitCode).toBe(2);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    expect(html).not.toContain(SECRET);
    expect(html).toContain('********');
  });

  it('provision report RUN.json -o FILE writes the same page from the JSON report', () => {
    const r = spawnSync(process.execPath, [CLI, 'report', join(out, 'run.json'), '-o', join(out, 'again.html')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, 'again.html'), 'utf8')).toBe(html);
  });

  it('a broken JSON report is bad input: exit 4, naming file, line and field', () => {
    const text = JSON.stringify(run.report, null, 2).replace('"durationMs": ', '"durationMs": "soon", "was": ');
    writeFileSync(join(out, 'bad.json'), text);
    const r = spawnSync(process.execPath, [CLI, 'report', join(out, 'bad.json'), '-o', join(out, 'bad.html')], { encoding: 'utf8' });
    const line = text.split('\n').findIndex((l) => l.includes('"soon"')) + 1;
    expect(r.status).toBe(4);
    expect(r.stderr).toContain(`${join(out, 'bad.json')}:${line}:`);
    expect(r.stderr).toMatch(/durationMs: expected number/);
    expect(existsSync(join(out, 'bad.html'))).toBe(false);
  });

  browserIt('in Chromium: the hosts, the failure first, a bar per task coloured by status, the slow one marked, the diff', () => {
    const dom = chromium(['--dump-dom']);
    expect(dom).toContain('data-filter="*/*"'); // the page's script ran
    expect(dom).toContain(`${tasksOf().length} task runs shown`);
    expect(dom).toMatch(/<tr class="recap" data-host="local"/);
    const firstCard = dom.match(/<div class="card [^"]*"[^>]*>[\s\S]*?<\/div>/)?.[0] ?? '';
    expect(firstCard).toContain('this one fails');
    expect(dom.indexOf('this one fails')).toBeLessThan(dom.indexOf('id="timeline"'));
    const bars = dom.match(/<span class="bar s-(\w+)"/g)!.map((b) => b.replace(/.*s-(\w+)"/, '$1'));
    expect(bars).toEqual(tasksOf().map((t) => t.status));
    expect(new Set(bars)).toEqual(new Set(['ok', 'changed', 'skipped', 'failed']));
    // Slow: at least 1 s and at least half the slowest task's time (this machine's load decides which, so read the times).
    const timed = (run.report as unknown as { hosts: { local: { tasks: { name: string; durationMs: number }[] } } }).hosts.local.tasks;
    const slowest = Math.max(...timed.map((t) => t.durationMs));
    const marked = rows(dom).map((r) => r.includes('class="row slow"'));
    expect(marked).toEqual(timed.map((t) => t.durationMs >= Math.max(1000, slowest / 2)));
    expect(marked[timed.findIndex((t) => t.durationMs === slowest)]).toBe(true);
    expect(marked[timed.findIndex((t) => t.name === 'already there')]).toBe(false);
    expect(dom).toContain('<span class="add">+port = 8080</span>');
    expect(dom).toContain('<span class="del">-port = 80</span>');
    expect(dom).not.toContain(SECRET);
  });

  browserIt('filters by status and host from the URL hash', () => {
    const failed = chromium(['--dump-dom'], '#status=failed');
    expect(failed).toContain('data-filter="*/failed"');
    expect(rows(failed).map((r) => [r.match(/data-status="(\w+)"/)![1], r.includes(' hidden')])).toEqual(tasksOf().map((t) => [t.status, t.status !== 'failed']));
    expect(failed).toContain('1 task runs shown');
    const changed = chromium(['--dump-dom'], '#host=local&status=changed');
    expect(changed).toContain(`${tasksOf().filter((t) => t.status === 'changed').length} task runs shown`);
    const otherHost = chromium(['--dump-dom'], '#host=elsewhere');
    expect(otherHost).toContain('0 task runs shown');
    expect(rows(otherHost).every((r) => r.includes(' hidden'))).toBe(true);
  });

  browserIt('a screenshot that is not blank: the page\'s colours, the failed and changed bars among them', () => {
    chromium([`--screenshot=${join(out, 'shot.png')}`, '--window-size=1200,1400']);
    const png = pngPixels(readFileSync(join(out, 'shot.png')));
    const colours = new Map<string, number>();
    for (let y = 0; y < png.height; y += 2) for (let x = 0; x < png.width; x += 2) colours.set(png.rgb(x, y), (colours.get(png.rgb(x, y)) ?? 0) + 1);
    expect(colours.size).toBeGreaterThan(10);
    expect(colours.get('#c62828') ?? 0).toBeGreaterThan(20); // failed
    expect(colours.get('#e6a100') ?? 0).toBeGreaterThan(20); // changed
  });
});
