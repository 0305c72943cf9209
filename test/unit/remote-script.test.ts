import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { factBatch, FAILED_STEP_MARKER, stepsScript } from '../../src/remote-script.js';
import { commandFact, fileFact } from '../../src/facts.js';
import { Secret } from '../../src/secret.js';
import { cmd } from '../../src/shell.js';

/** Runs a generated script the way the runner does: on stdin of `sh -s`. */
function sh(script: string, env?: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-s'], { input: script, env: env && { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe('step scripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-script-'));

  it('stops at the first failing command inside a step and names the step', () => {
    const r = sh(stepsScript([
      { kind: 'run', command: cmd('touch', `${dir}/one`) },
      { kind: 'run', command: `false; touch ${dir}/after-false` },
      { kind: 'run', command: cmd('touch', `${dir}/three`) },
    ]));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${FAILED_STEP_MARKER} 1 1`);
    expect(existsSync(`${dir}/one`)).toBe(true);
    expect(existsSync(`${dir}/after-false`)).toBe(false);
    expect(existsSync(`${dir}/three`)).toBe(false);
  });

  it('writes files atomically with mode, exact bytes, and leaves no temp file', () => {
    const content = "line 1\n'quotes' $HOME `id` \\ \x01\nno newline at end";
    const r = sh(stepsScript([{ kind: 'write', path: `${dir}/my file.conf`, content, mode: '0640' }]));
    expect(r.code).toBe(0);
    expect(readFileSync(`${dir}/my file.conf`, 'utf8')).toBe(content);
    expect((statSync(`${dir}/my file.conf`).mode & 0o777).toString(8)).toBe('640');
    expect(readdirSync(dir).filter((f) => f.startsWith('.provision'))).toEqual([]);
  });

  it('keeps the mode of a file it replaces when the task sets none', () => {
    writeFileSync(`${dir}/keep`, 'old');
    execFileSync('chmod', ['0600', `${dir}/keep`]);
    expect(sh(stepsScript([{ kind: 'write', path: `${dir}/keep`, content: 'new' }])).code).toBe(0);
    expect((statSync(`${dir}/keep`).mode & 0o777).toString(8)).toBe('600');
  });

  it('puts the old file back when validation fails, and removes a new one', () => {
    writeFileSync(`${dir}/site.conf`, 'good config\n');
    const r = sh(stepsScript([{ kind: 'write', path: `${dir}/site.conf`, content: 'broken config\n', validate: `grep -q good ${dir}/site.conf` }]));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('validation failed');
    expect(readFileSync(`${dir}/site.conf`, 'utf8')).toBe('good config\n');
    const fresh = sh(stepsScript([{ kind: 'write', path: `${dir}/new.conf`, content: 'broken\n', validate: 'false' }]));
    expect(fresh.code).not.toBe(0);
    expect(existsSync(`${dir}/new.conf`)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.provision'))).toEqual([]);
  });

  it('feeds stdin through the script and keeps secrets out of command lines', () => {
    const secret = new Secret('stdin-only-secret-value');
    const script = stepsScript([{ kind: 'run', command: cmd('tee', `${dir}/from-stdin`), stdin: secret }]);
    expect(script).not.toContain('stdin-only-secret-value');
    expect(sh(script).code).toBe(0);
    expect(readFileSync(`${dir}/from-stdin`, 'utf8')).toBe('stdin-only-secret-value');
  });

  it('no command in the script can read the rest of the script from stdin', () => {
    const r = sh(stepsScript([{ kind: 'run', command: 'cat' }, { kind: 'run', command: 'echo second' }]));
    expect(r.stdout).toBe('second\n');
  });
});

describe('fact batches', () => {
  it('reads many facts in one script and parses each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-facts-'));
    writeFileSync(`${dir}/a`, 'hello');
    const facts = [fileFact(`${dir}/a`), fileFact(`${dir}/missing`), fileFact(dir)];
    const batch = factBatch(facts);
    const out = batch.parse(sh(batch.script).stdout);
    expect(facts[0].parse(out.get(facts[0].key)!)).toMatchObject({ exists: true, type: 'file', size: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' });
    expect(facts[1].parse(out.get(facts[1].key)!)).toEqual({ exists: false });
    expect(facts[2].parse(out.get(facts[2].key)!)).toMatchObject({ exists: true, type: 'directory' });
  });

  it('reads the facts side by side, keeps their order and exit codes, and leaves no temp directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-facts-'));
    // The first fact can only see the flag if the second runs while it waits.
    const waits = commandFact('waits', `i=0; while [ ! -e ${dir}/flag ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; [ -e ${dir}/flag ] && echo saw the flag`);
    const sets = commandFact('sets', `touch ${dir}/flag; echo set; exit 3`);
    const stdin = commandFact('stdin', 'cat; echo end');
    const many = Array.from({ length: 30 }, (_, i) => commandFact(`n${i}`, `printf '%s\\n\\n' ${i}`));
    const facts = [waits, sets, stdin, ...many];
    const batch = factBatch(facts);
    // A private TMPDIR: other test files read facts at the same time.
    const tmp = mkdtempSync(join(tmpdir(), 'provision-tmp-'));
    const out = batch.parse(sh(batch.script, { TMPDIR: tmp }).stdout);
    expect(out.get('waits')).toEqual({ stdout: 'saw the flag', exitCode: 0 });
    expect(out.get('sets')).toEqual({ stdout: 'set', exitCode: 3 });
    expect(out.get('stdin')).toEqual({ stdout: 'end', exitCode: 0 });
    many.forEach((f, i) => expect(out.get(f.key)).toEqual({ stdout: `${i}\n`, exitCode: 0 }));
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("a fact printing another batch's frames is read as its own text; nothing read, nothing parsed", () => {
    const foreign = "PROVISION_FACT_0123456789ab 0\nnot mine\nPROVISION_FACT_0123456789ab end 7";
    const printsFrames = commandFact('prints-frames', `printf '%s\\n' 'before' '${foreign.replace(/\n/g, "' '")}' 'after'; exit 2`);
    const plain = commandFact('plain', 'echo plain');
    const batch = factBatch([printsFrames, plain]);
    const out = batch.parse(sh(batch.script).stdout);
    expect(out.get('prints-frames')).toEqual({ stdout: `before\n${foreign}\nafter`, exitCode: 2 });
    expect(out.get('plain')).toEqual({ stdout: 'plain', exitCode: 0 });
    expect(factBatch([]).parse('')).toEqual(new Map());
    // Another batch's whole output holds nothing for this one.
    expect(factBatch([plain]).parse(sh(factBatch([plain]).script).stdout)).toEqual(new Map());
  });

  it('batches of the same facts (each host of a play) share their script but for their own random marker', () => {
    const facts = [commandFact('one', 'echo 1'), commandFact('two', 'echo 2; exit 4')];
    const first = factBatch(facts);
    const second = factBatch([...facts]);
    const markerOf = (script: string) => /PROVISION_FACT_[0-9a-f]{12}/.exec(script)![0];
    expect(markerOf(second.script)).not.toBe(markerOf(first.script));
    expect(second.script.split(markerOf(second.script)).join('M')).toBe(first.script.split(markerOf(first.script)).join('M'));
    expect(first.script).not.toContain('\u0000');
    const secondOut = sh(second.script).stdout;
    expect(second.parse(secondOut)).toEqual(new Map([['one', { stdout: '1', exitCode: 0 }], ['two', { stdout: '2', exitCode: 4 }]]));
    expect(first.parse(secondOut)).toEqual(new Map());
    // The same keys with another script (a fact type's bug) are not given the first list's script.
    const changed = factBatch([commandFact('one', 'echo uno'), facts[1]]);
    expect(changed.parse(sh(changed.script).stdout).get('one')).toEqual({ stdout: 'uno', exitCode: 0 });
  });
});
