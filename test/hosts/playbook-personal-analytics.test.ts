// playbooks/personal-analytics.yaml (the personal-analytics deployment guide) through
// `provision test`, exactly as the README tells users to run it (no -e; the variables come from
// playbooks/personal-analytics.test.yaml): a fresh Debian host, check mode (must not fail), converge,
// converge again (0 changed), the playbook's verify: checks, a rebuild on a second fresh host
// that must get the same managed files byte for byte, and the hosts are destroyed. verify:
// proves basic auth on /pa/ and /pa_backend/ (401 without, 200 with the credentials, one realm),
// the backend behind nginx reading its .env, port 8000 closed from outside, a database login with
// the credentials from .env (psql -h 127.0.0.1), the units, the service user (system, nologin,
// running the backend) and the modes: .env 600 pa-user, .htpasswd 640 root:www-data. The backend
// is the standard-library stand-in (no PyPI on test hosts). Both passwords are the scenario's
// `secrets:`, fresh on every run and made of every troublesome character (quotes, $, backtick,
// @, :, /, #, %, space, backslash): verify: proves they reached htpasswd, the .env and the
// database login intact, and they must never appear in anything provision prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TROUBLESOME_CHARACTERS } from '../../src/scenario.js';
import { expectEveryPhasePassed } from '../support/phases.js';
import { ROOT, runCli } from '../support/provision.js';
import { serveUpstreamArtifacts, type UpstreamArtifacts } from '../support/upstream-artifacts.js';
import { testHostName } from '../support/host.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('playbooks/personal-analytics.yaml on a fresh host', () => {
  it('check mode, converge, converge again with 0 changed, verify: all pass; secrets never shown', async () => {
    const t0 = Date.now();
    const name = await testHostName('pv-pa'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/personal-analytics.yaml`, '--name', name, '--rebuild']);
    console.log(`provision test personal-analytics: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, name, { rebuild: true });
    for (const check of [
      '/pa/ asks for basic auth in the PersonalAnalytics realm',
      '/pa/ serves the frontend with the credentials',
      '/pa_backend/ reaches the backend with the credentials, and the backend read its .env',
      "the app's database accepts a login with the credentials from .env",
      'file /opt/pa-backend/.env',
      'file /etc/nginx/.htpasswd',
    ]) expect(r.stdout).toContain(`ok     ${check}`);
    // A second fresh host, converged once, got the same managed files, byte for byte
    // (the .env, the htpasswd file with its bcrypt hashes, the nginx site, the unit…).
    const rebuilt = /--- rebuild: a fresh host pv-pa-r, converged once, must get the same files: passed \((\d+) managed files and links the same, byte for byte, with the same mode and owner\)/.exec(r.stdout.replaceAll(name, 'pv-pa'));
    expect(rebuilt, out).not.toBeNull();
    // 12 today: site files, .htpasswd, the backend's .env and code, its unit, the nginx site and link, directories.
    expect(Number(rebuilt![1])).toBeGreaterThanOrEqual(10);
    // Check mode showed the .env diff, with the password masked.
    expect(r.stdout).toMatch(/^ *\+PA_DATABASE_PASSWORD=\*{8}$/m);
    // Every generated secret holds this run of characters: a secret printed whole would show it.
    expect(out).not.toContain(TROUBLESOME_CHARACTERS);
    expect(r.stdout).toContain('(fresh secrets: pa_web_password, db_password)');
  }, 900_000);
});

// The guide's own steps (pa_backend: app, the `real` scenario) against local artifacts built to
// upstream's layout (test/fixtures/upstream): git clone of a bare repository over HTTP at a tag
// (pa_version), backend/ and frontend/ copied, `pip install -e backend/` as pa-user from a local
// index (hatchling as the build backend, fastapi, uvicorn, python-dotenv), the unit's uvicorn
// serving personal_analytics_backend.api:app, which reads its .env at start-up.
describe.skipIf(!isRoot)('playbooks/personal-analytics.yaml, the real install path, against local artifacts', () => {
  let upstream: UpstreamArtifacts;
  beforeAll(async () => void (upstream = await serveUpstreamArtifacts()), 120_000);
  afterAll(async () => upstream?.close());

  it('converges, converges again with 0 changed, verify passes (the backend read its .env); secrets never shown', async () => {
    const vars = { pa_repo: upstream.repoUrl, pa_version: upstream.tag, pip_index_url: upstream.indexUrl, pip_extra_args: ['--trusted-host', upstream.hostPort] };
    const t0 = Date.now();
    const name = await testHostName('pv-par'); // this run's machine (test/support/host-names.ts)
    const r = await runCli(['test', `${ROOT}/playbooks/personal-analytics.yaml`, '--scenario', 'real', '-e', `@${upstream.varsFile(vars)}`, '--name', name]);
    console.log(`provision test personal-analytics --scenario real: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout.slice(r.stdout.indexOf('SUMMARY'))}`);
    const out = `${r.stdout}\n${r.stderr}`;
    expectEveryPhasePassed(r, name);
    expect(r.stdout).toMatch(/^scenario real: /m);
    // The real steps ran, from the local repository and index.
    expect(r.stdout).toContain(`changed | The app's repository | run git clone --no-checkout ${upstream.repoUrl} /usr/local/src/personal-analytics`);
    expect(r.stdout).toContain(`--index-url ${upstream.indexUrl} --trusted-host ${upstream.hostPort} -e /opt/pa-backend`);
    expect(r.stdout).toMatch(/^\S+ +\| skipped \| Stand-in backend program \|/m);
    for (const check of [
      '/pa/ serves the frontend with the credentials',
      'settings.js points the frontend at /pa_backend',
      '/pa_backend/ reaches the backend with the credentials, and the backend read its .env',
      "the app's database accepts a login with the credentials from .env",
    ]) expect(r.stdout).toContain(`ok     ${check}`);
    expect(out).not.toContain(TROUBLESOME_CHARACTERS);
  }, 900_000);
});
