import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FactGroupReader } from './fact-groups.js';
import type { Fact, FactOutput } from './facts.js';
import type { DownloadStep, Step, UploadStep, WriteStep } from './plan.js';
import { isSecret, type Secret } from './secret.js';
import { cmd, quote, raw, type Word } from './shell.js';

/**
 * Builds the POSIX shell scripts the runner sends to a host. A script travels on
 * the SSH channel's stdin to `sh -s`, never as an argument, so file contents and
 * secrets inside it never show in the remote process list. The body is wrapped
 * in `{ ...; } </dev/null`: the shell reads the whole script before running
 * it, and no command in it can swallow the rest of the script from stdin.
 */
export function wrapScript(body: string): string {
  return `{\n${body}\n} </dev/null\n`;
}

/** Bytes for a command's stdin, inlined as a base64 here-document (the delimiter cannot occur in base64). */
function heredoc(content: string | Buffer): { open: string; body: string } {
  const delimiter = `PROVISION_EOF_${randomBytes(6).toString('hex')}`;
  const b64 = Buffer.from(content).toString('base64').replace(/.{1,76}/g, '$&\n');
  return { open: `<<'${delimiter}'`, body: `${b64}${delimiter}` };
}

function reveal(value: string | Secret): string {
  return isSecret(value) ? value.reveal() : value;
}

// --- Facts ---------------------------------------------------------------

export interface FactBatch {
  script: string;
  parse(stdout: string): Map<string, FactOutput>;
}

/** Facts read at the same time on the host; a bound so a long play cannot fork hundreds of processes at once. */
export const FACTS_IN_PARALLEL = 16;

/** What one background job of a batch reads: one fact, or a group of facts of one kind read by one command. */
type Job = { script: string; fact: Fact<unknown> } | { script: string; reader: FactGroupReader; members: Fact<unknown>[]; items: string[] };

/** Facts of one group reader are read together when two or more are wanted; the rest one job each. */
function jobsFor(facts: Fact<unknown>[]): Job[] {
  const byReader = new Map<FactGroupReader, Fact<unknown>[]>();
  for (const f of facts) {
    if (!f.group) continue;
    const members = byReader.get(f.group.reader);
    if (members) members.push(f);
    else byReader.set(f.group.reader, [f]);
  }
  const jobs: Job[] = [];
  const grouped = new Set<Fact<unknown>>();
  for (const [reader, members] of byReader) {
    if (members.length < 2) continue;
    const items = [...new Set(members.map((f) => f.group!.item))];
    jobs.push({ script: reader.script(items), reader, members, items });
    for (const f of members) grouped.add(f);
  }
  for (const f of facts) if (!grouped.has(f)) jobs.push({ script: f.script, fact: f });
  return jobs;
}

/**
 * The framed outputs in a batch's stdout: `MARKER i`, its lines, `MARKER end STATUS`, as the
 * expression `^MARKER (\d+)\n([\s\S]*?)\n?MARKER end (\d+)$` (flags gm) finds them, found
 * with indexOf: an expression built from each host's random marker was compiled for each host
 * (test/unit/fact-frames.test.ts compares the two on the same outputs).
 */
export function factFrames(stdout: string, marker: string): { index: number; stdout: string; exitCode: number }[] {
  const frames: { index: number; stdout: string; exitCode: number }[] = [];
  const start = `${marker} `;
  const end = `${marker} end `;
  let from = 0;
  for (;;) {
    const at = stdout.indexOf(start, from);
    if (at < 0) return frames;
    from = at + 1;
    if (at > 0 && !LINE_BREAKS.has(stdout[at - 1])) continue;
    const index = digitsAt(stdout, at + start.length);
    if (index === undefined || stdout[index.next] !== '\n') continue;
    const content = index.next + 1;
    // The first end marker after it whose status ends its line; none: no frame starts here.
    for (let e = stdout.indexOf(end, content); e >= 0; e = stdout.indexOf(end, e + 1)) {
      const status = digitsAt(stdout, e + end.length);
      if (status === undefined || (status.next < stdout.length && !LINE_BREAKS.has(stdout[status.next]))) continue;
      const stop = e > content && stdout[e - 1] === '\n' ? e - 1 : e;
      frames.push({ index: index.value, stdout: stdout.slice(content, stop), exitCode: status.value });
      from = status.next;
      break;
    }
  }
}

/** Where the expression's `^` and `$` (flag m) see a line begin and end. */
const LINE_BREAKS = new Set(['\n', '\r', '\u2028', '\u2029']);

function digitsAt(text: string, at: number): { value: number; next: number } | undefined {
  let next = at;
  while (next < text.length && text.charCodeAt(next) >= 48 && text.charCodeAt(next) <= 57) next++;
  return next > at ? { value: Number(text.slice(at, next)), next } : undefined;
}

/**
 * One script that reads many facts. They run side by side on the host (most
 * of a fact's time is a process starting or a server answering: psql,
 * systemctl), each job into its own file in a private temp directory, and are
 * then printed in order, framed by a random marker, with their exit codes. A
 * no-op run's read then takes about as long as its slowest fact, not their
 * sum. Facts with a group reader (paths, units, PostgreSQL queries) are read
 * a group at a time, one job each (src/fact-groups.ts).
 */
export function factBatch(facts: Fact<unknown>[]): FactBatch {
  const marker = `PROVISION_FACT_${random48BitsHex()}`;
  const { jobs, parts } = batchShape(facts);
  const script = parts.join(marker);
  return {
    script,
    parse(stdout) {
      const results = new Map<string, FactOutput>();
      for (const frame of factFrames(stdout, marker)) {
        const job = jobs[frame.index];
        const output = { stdout: frame.stdout.replace(/\n$/, ''), exitCode: frame.exitCode };
        if (!job) continue;
        if ('fact' in job) {
          results.set(job.fact.key, output);
          continue;
        }
        const byItem = job.reader.split(output.stdout, job.items);
        for (const f of job.members) {
          const read = byItem.get(f.group!.item);
          if (read) results.set(f.key, read);
        }
      }
      return results;
    },
  };
}

/**
 * 12 random hex digits (48 bits, as randomBytes(6) gave): the first 12 of a random UUID's. Node
 * serves random UUIDs from a cache of CSPRNG bytes it fills 128 UUIDs at a time, where
 * randomBytes made one call into OpenSSL per host's batch.
 */
function random48BitsHex(): string {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13);
}

/**
 * A batch's jobs and its script around the marker, made once for each list of facts: every host
 * of a play asks for the same facts (compile sharing gives them the same Fact objects), and only
 * the random marker differs from host to host. Keyed by the facts' keys, which name a fact's
 * script (facts with the same key are the same read).
 */
function batchShape(facts: Fact<unknown>[]): BatchShape {
  const key = facts.map((f) => f.key).join('\u0000');
  const known = shapes.get(key);
  // The same key with another script would be a fact type's bug: then this list gets its own shape.
  if (known && known.scripts.every((script, i) => script === facts[i].script)) return known;
  const jobs = jobsFor(facts);
  // Each job is one subshell writing its framed output to its own file: the
  // start marker first, the end marker with its exit status once it is
  // waited for. An asynchronous list's stdin is /dev/null, so no fact can
  // read the rest of the script; at most FACTS_IN_PARALLEL run at a time.
  const launch: string[] = [];
  for (let start = 0; start < jobs.length; start += FACTS_IN_PARALLEL) {
    const chunk = jobs.slice(start, start + FACTS_IN_PARALLEL).map((job, k) => ({ job, i: start + k }));
    for (const { job, i } of chunk) launch.push(`printf '%s\\n' '${MARKER_SLOT} ${i}' >"$d/${i}"; ( ${job.script}\n) >>"$d/${i}" 2>/dev/null & p${i}=$!`);
    for (const { i } of chunk) launch.push(`wait "$p${i}"; printf '\\n${MARKER_SLOT} end %s\\n' "$?" >>"$d/${i}"`);
  }
  const script = wrapScript(
    [
      'LC_ALL=C; export LC_ALL',
      // A subshell, so the EXIT trap that removes the directory is this batch's own.
      '(',
      `d=$(mktemp -d "\${TMPDIR:-/tmp}/provision-facts.XXXXXXXX") || exit 1`,
      `trap 'rm -rf -- "$d"' EXIT`,
      ...launch,
      // One cat for all, in order (a process per fact would cost more than the facts).
      `cat ${jobs.map((_, i) => `"$d/${i}"`).join(' ')}`,
      ')',
    ].join('\n'),
  );
  const shape = { jobs, parts: script.split(MARKER_SLOT), scripts: facts.map((f) => f.script) };
  if (shape.parts.length !== 2 * jobs.length + 1) throw new Error('a fact script holds a NUL character');
  if (shapes.size >= 64) shapes.clear();
  shapes.set(key, shape);
  return shape;
}

/** Where the marker goes in a batch's script: a NUL, which no shell text holds. */
const MARKER_SLOT = '\u0000';
interface BatchShape {
  jobs: Job[];
  parts: string[];
  scripts: string[];
}
const shapes = new Map<string, BatchShape>();

// --- Changes -------------------------------------------------------------

export const FAILED_STEP_MARKER = 'PROVISION_FAILED_STEP';

/** Where the runner staged a task's transfers (src/ssh/sftp.ts), for the script that moves them. */
export interface Staging {
  /** Absolute path of the login user's private staging directory on the host. */
  dir: string;
  /** Set when the script runs as another user (sudo): downloads are copied to the stage for this login user. */
  loginUser?: string;
}

/** The staged name of step `index`'s file: unique in the stage, hidden in a target directory. */
export function stagedName(index: number, kind: 'upload' | 'download'): string {
  return `.provision-${kind === 'upload' ? 'u' : 'd'}${index}`;
}

/**
 * One script for all steps of a task: one round trip per changed task. Each
 * step reports its index on failure so the runner can name the command.
 * Consecutive uploads run as one block (a tree is thousands of files: a
 * subshell and five processes per file would take longer than the transfer).
 */
export function stepsScript(steps: Step[], staging?: Staging): string {
  const blocks: { index: number; code: string }[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (step.kind === 'upload') {
      const run: { index: number; step: UploadStep }[] = [];
      while (i < steps.length && steps[i].kind === 'upload') run.push({ index: i, step: steps[i++] as UploadStep });
      i--;
      blocks.push({ index: run[0].index, code: uploadBlock(run, needStaging(staging)) });
    } else if (step.kind === 'download') {
      blocks.push({ index: i, code: downloadStep(step, i, staging) });
    } else {
      blocks.push({ index: i, code: step.kind === 'run' ? runStep(step.command, step.stdin, step.environment) : writeStep(step) });
    }
  }
  const body = blocks.map(({ index, code }) =>
    // Not `( ... ) || handler`: on the left of || the shell ignores set -e inside the subshell.
    `( set -e\n${code}\n)\nrc=$?\nif [ "$rc" -ne 0 ]; then printf '\\n${FAILED_STEP_MARKER} %s %s\\n' ${index} "$rc" >&2; exit "$rc"; fi`,
  );
  const prelude = staging ? `stage=${quote(staging.dir)}\n` : '';
  return wrapScript(`umask 022\n${prelude}${body.join('\n')}`);
}

function needStaging(staging: Staging | undefined): Staging {
  if (!staging) throw new Error('an upload step needs the runner to stage its files');
  return staging;
}

/**
 * Where an upload is staged, relative to the stage: one subdirectory per
 * target directory, the file under its own name, so a whole directory's files
 * are moved and renamed by one `mv` each (a process per file costs more than
 * the transfer of a tree).
 */
export function stagedUpload(path: string): { dir: string; name: string } {
  return { dir: `.provision-u${createHash('sha256').update(dirOf(path)).digest('hex').slice(0, 16)}`, name: path.slice(path.lastIndexOf('/') + 1) };
}

/**
 * Staged uploads into place: hashes checked in the stage (the bytes are what
 * the planner compared), each staged subdirectory moved into its target
 * directory under a hidden name (across file systems that copies), owner and
 * mode set, synced, then its files renamed over their targets by one
 * `mv -t` (each a rename(2) in one directory: atomic per file). Hidden
 * directories left by a failure are removed on exit.
 */
function uploadBlock(run: { index: number; step: UploadStep }[], staging: Staging): string {
  const byDir = groupBy(run, ({ step }) => dirOf(step.path));
  const temp = (path: string): string => `${dirOf(path)}/${stagedUpload(path).dir}`;
  const tempFile = (path: string): string => `${temp(path)}/${stagedUpload(path).name}`;
  const temps = [...byDir.values()].map((members) => temp(members[0].step.path));
  const files = run.map(({ step }) => tempFile(step.path));
  const lines = [
    `cd "$stage"`,
    `if ! sha256sum -c --status <<'PROVISION_SUMS'\n${run.map(({ step }) => sumLine(step.sha256, `${stagedUpload(step.path).dir}/${stagedUpload(step.path).name}`)).join('\n')}\nPROVISION_SUMS`,
    `then printf 'a local file changed during the transfer (its hash is not what was planned); nothing was replaced\\n' >&2; exit 1; fi`,
    `cd /`,
    ...chunked(['rm', '-rf', '--'], temps),
    `trap ${quote(`rm -rf -- ${temps.map(quote).join(' ')}`)} EXIT`,
  ];
  for (const members of byDir.values()) lines.push(`mv -T -- "$stage"/${stagedUpload(members[0].step.path).dir} ${quote(temp(members[0].step.path))}`);
  // Staged by the login user, moved by root: the files become root's (or the task's owner's), never stay the login user's.
  if (staging.loginUser) lines.push(...chunked(['chown', raw('"$(id -u):$(id -g)"'), '--'], files));
  for (const [owner, members] of groupBy(run, ({ step }) => ownerWord(step))) {
    if (owner !== '') lines.push(...chunked(['chown', owner, '--'], members.map(({ step }) => tempFile(step.path))));
  }
  for (const [mode, members] of groupBy(run, ({ step }) => step.mode ?? '0644')) lines.push(...chunked(['chmod', mode, '--'], members.map(({ step }) => tempFile(step.path))));
  lines.push(`sync -- ${temps.map(quote).join(' ')} 2>/dev/null || sync`);
  for (const [dir, members] of byDir) lines.push(...chunked(['mv', '-f', '-t', dir, '--'], members.map(({ step }) => tempFile(step.path))));
  lines.push(...chunked(['rmdir', '--'], temps), `trap - EXIT`);
  return lines.join('\n');
}

/** A line of `sha256sum -c` input; a name with a backslash or newline in GNU's escaped form. */
function sumLine(sha256: string, name: string): string {
  if (!/[\\\n]/.test(name)) return `${sha256}  ${name}`;
  return `\\${sha256}  ${name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`;
}

/** Commands over many paths, a bounded number per command line. */
function chunked(words: Word[], paths: string[], per = 500): string[] {
  const out: string[] = [];
  for (let i = 0; i < paths.length; i += per) out.push(cmd(...words, ...paths.slice(i, i + per)));
  return out;
}

/** chown's argument for an upload; "" when the task keeps the owner the file gets (the script's user). */
function ownerWord(step: UploadStep): string {
  if (!step.owner && !step.group) return '';
  return `${step.owner ?? ''}:${step.group ?? ''}`.replace(/:$/, '');
}

/** Under sudo the login user may not read the file: a private copy for them in the stage. */
function downloadStep(step: DownloadStep, index: number, staging: Staging | undefined): string {
  if (!staging?.loginUser) return `test -f ${quote(step.path)}`;
  return cmd('install', '-m', '0600', '-o', staging.loginUser, '--', step.path) + ` "$stage"/${stagedName(index, 'download')}`;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const members = groups.get(k);
    if (members) members.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function runStep(command: string, stdin?: string | Secret, environment?: Record<string, string | Secret>): string {
  const exports = Object.entries(environment ?? {}).map(([name, value]) => exportFromHeredoc(name, reveal(value))).join('');
  if (stdin === undefined) return `${exports}${command}`;
  const doc = heredoc(reveal(stdin));
  return `${exports}base64 -d ${doc.open} | ${command}\n${doc.body}`;
}

/**
 * `export NAME` with its value decoded from a here-document: the value is in
 * no process's argv (only `base64 -d` runs) and, like a file's content, never
 * in the script's text outside a here-document. The `.` keeps trailing
 * newlines, which a command substitution would strip.
 */
function exportFromHeredoc(name: string, value: string): string {
  const doc = heredoc(`${value}.`);
  return `${name}=$(base64 -d ${doc.open}\n${doc.body}\n) && ${name}=\${${name}%.} && export ${name}\n`;
}

/**
 * Atomic write: temp file in the same directory (so rename is atomic), content,
 * owner and mode set on the temp file, fsync, rename. With `validate`, the old
 * file is kept aside and put back if validation fails.
 */
function writeStep(step: WriteStep): string {
  const path = quote(step.path);
  const doc = heredoc(Buffer.from(reveal(step.content), step.encoding ?? 'utf8'));
  const lines = [
    `dst=${path}`,
    `tmp=$(mktemp "$(dirname -- "$dst")/.provision.XXXXXXXX")`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    `base64 -d > "$tmp" ${doc.open}`,
    doc.body,
    // A replaced file keeps its owner and mode unless the task sets them.
    `if [ -e "$dst" ]; then chown --reference="$dst" -- "$tmp"; chmod --reference="$dst" -- "$tmp"; else chmod 0644 -- "$tmp"; fi`,
  ];
  if (step.owner || step.group) lines.push(cmd('chown', `${step.owner ?? ''}${step.group ? `:${step.group}` : ''}`, '--') + ' "$tmp"');
  if (step.mode) lines.push(cmd('chmod', step.mode, '--') + ' "$tmp"');
  lines.push(`sync -- "$tmp" 2>/dev/null || sync`);
  if (step.backup) lines.push(`if [ -e "$dst" ]; then cp -p -- "$dst" "$dst.provision-backup-$(date +%Y%m%d%H%M%S)"; fi`);
  if (step.validate) {
    lines.push(
      `old=""; if [ -e "$dst" ]; then old=$(mktemp "$(dirname -- "$dst")/.provision-old.XXXXXXXX"); cp -p -- "$dst" "$old"; fi`,
      `mv -f -- "$tmp" "$dst"`,
      `if ! out=$(${step.validate} 2>&1); then`,
      `  if [ -n "$old" ]; then mv -f -- "$old" "$dst"; else rm -f -- "$dst"; fi`,
      `  printf 'validation failed (%s), previous file restored:\\n%s\\n' ${quote(step.validate)} "$out" >&2; exit 1`,
      `fi`,
      `if [ -n "$old" ]; then rm -f -- "$old"; fi`,
    );
  } else {
    lines.push(`mv -f -- "$tmp" "$dst"`);
  }
  lines.push(`trap - EXIT`);
  return lines.join('\n');
}

/** Human-readable form of a step for error messages and --verbose. Never shows file contents or stdin. */
export function describeStep(step: Step): string {
  if (step.kind === 'run') return step.label ?? step.command;
  if (step.kind === 'upload') return `put ${step.path} in place (uploaded)`;
  if (step.kind === 'download') return `fetch ${step.path}`;
  return `write ${step.path}${step.mode ? ` mode ${step.mode}` : ''}${step.owner ? ` owner ${step.owner}` : ''}${step.group ? ` group ${step.group}` : ''}`;
}
