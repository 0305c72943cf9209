// Micro-benchmark of the certbot certificate fact's parse (parseCertState), the controller's
// per-host cost of the certbot task at fleet scale (#19). A certbot-like certificate (RSA 2048
// leaf signed by a CA, Let's Encrypt's extensions, two DNS names) is made with openssl; each build
// parses the same fact output ITER times per round, builds alternating, ROUNDS rounds.
//
//   node bench/cert-fact.mjs [--baseline DIR] [--rounds 6] [--iterations 2000]
//
// DIR: another checkout of provision (e.g. `git archive COMMIT | tar -x -C DIR`), whose
// tasks/certbot.ts is bundled the same way. Prints microseconds of CPU per parse, per round.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1];
};
const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(arg('rounds', 6));
const iterations = Number(arg('iterations', 2000));
const builds = { 'this build': root };
if (arg('baseline')) builds.baseline = resolve(arg('baseline'));

const dir = mkdtempSync(join(tmpdir(), 'provision-cert-bench-'));
try {
  const openssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-subj', '/C=US/O=Bench CA/CN=R1', '-days', '3650', '-out', 'ca.pem');
  openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-subj', '/CN=example.org', '-out', 'leaf.csr');
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'basicConstraints=critical,CA:FALSE',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid:always',
      'authorityInfoAccess=OCSP;URI:http://r1.o.lencr.org,caIssuers;URI:http://r1.i.lencr.org/',
      'certificatePolicies=2.23.140.1.2.1',
      'subjectAltName=DNS:example.org,DNS:www.example.org',
    ].join('\n'),
  );
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-days', '90', '-extfile', 'ext.cnf', '-out', 'cert.pem');
  const stdout = `now=1800000000\nserver=https://acme-v02.api.letsencrypt.org/directory\npem\n${readFileSync(join(dir, 'cert.pem'), 'utf8')}`;

  // Each build's tasks/certbot.ts bundled on its own (its packages from its node_modules).
  const parsers = {};
  for (const [name, buildRoot] of Object.entries(builds)) {
    const out = join(dir, `${name.replace(/\W/g, '-')}`);
    await build({ absWorkingDir: buildRoot, entryPoints: ['tasks/certbot.ts'], outfile: join(out, 'certbot.mjs'), bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error' });
    symlinkSync(join(buildRoot, 'node_modules'), join(out, 'node_modules'));
    parsers[name] = (await import(pathToFileURL(join(out, 'certbot.mjs')).href)).parseCertState;
  }
  const answers = Object.values(parsers).map((p) => JSON.stringify(p(stdout)));
  if (new Set(answers).size !== 1) throw new Error(`the builds disagree: ${answers.join(' / ')}`);
  console.log(`parseCertState on a certbot-like RSA 2048 certificate: ${JSON.stringify(JSON.parse(answers[0]))}`);

  const names = Object.keys(parsers);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) {
      const parse = parsers[name];
      for (let i = 0; i < 200; i++) parse(stdout); // warm
      const before = process.cpuUsage();
      for (let i = 0; i < iterations; i++) parse(stdout);
      const used = process.cpuUsage(before);
      results[name].push((used.user + used.system) / iterations);
    }
  }
  for (const name of names) {
    const us = results[name];
    const median = [...us].sort((a, b) => a - b)[Math.floor(us.length / 2)];
    console.log(`${name}: µs of CPU per parse, each round: ${us.map((u) => u.toFixed(1)).join(', ')}; median ${median.toFixed(1)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
