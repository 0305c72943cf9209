/**
 * Runs in every test worker before its files: removes the variables through
 * which the environment of whoever runs the tests (a CI system, a developer's
 * shell) would change what provision, ansible or ssh do, so that a test sees
 * the same behaviour everywhere. A test that wants one sets it itself.
 * Kept: PROVISION_TEST_RELEASE (chosen by `npm test`), the sandbox and cache
 * folders (where test hosts and their root file systems live).
 */
const KEEP = new Set(['PROVISION_TEST_RELEASE', 'PROVISION_SANDBOX_DIR', 'PROVISION_CACHE_DIR']);
const DROP = [/^ANSIBLE_/, /^PROVISION_/, /^GITHUB_/, /^FORCE_COLOR$/, /^SSH_AUTH_SOCK$/, /^SSH_ASKPASS/, /^EDITOR$/, /^VISUAL$/];

for (const name of Object.keys(process.env)) {
  if (!KEEP.has(name) && DROP.some((re) => re.test(name))) delete process.env[name];
}
