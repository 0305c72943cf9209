import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAndCompile } from '../../src/commands/load.js';
import { staticTasks } from '../../src/compile.js';
import { parseExtraVars } from '../../src/extra-vars.js';
import { loadInventory } from '../../src/inventory.js';
import { isSecret } from '../../src/secret.js';
import { setVaultSecrets } from '../../src/vault/active.js';
import { readPasswordSource } from '../../src/vault/sources.js';
import { CLI } from '../support/provision.js';
import { LINE_BREAK_VALUES, TROUBLESOME_VALUES } from './troublesome-values.js';

/**
 * ansible-vault both ways. Values with every troublesome character are encrypted
 * by ansible-vault and read by provision, and encrypted by provision and read by
 * ansible-vault and ansible-playbook (copy on localhost writes each value to a
 * file: the bytes Ansible decrypted). provision's side is the rendered argument
 * of a compiled copy task (-e @vars file), the same value a run sends on stdin.
 */
const dir = mkdtempSync(join(tmpdir(), 'provision-vault-oracle-'));
const { ANSIBLE_VAULT_PASSWORD_FILE: _unused, ...outerEnv } = process.env;
const env = { ...outerEnv, HOME: dir, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };
writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');
writeFileSync(join(dir, 'project.yaml'), '- hosts: all\n  tasks:\n    - debug: { msg: "{{ v0 }}" }\n');
writeFileSync(join(dir, 'hosts.yaml'), 'all:\n  hosts:\n    h1:\n');

const VALUES: [string, string][] = Object.entries({ ...TROUBLESOME_VALUES, ...LINE_BREAK_VALUES }).filter(([, v]) => v !== '');
const keyOf = (i: number): string => `v${i}`;

/** Passwords with troublesome characters too; a file's trailing newline is not part of it (both tools strip it). */
const PASSWORD = `pa$$ "w'o\`rd @:/# x`;
const OTHER_PASSWORD = 'another one';
const pwFile = join(dir, 'pw');
const otherPwFile = join(dir, 'other-pw');
const wrongPwFile = join(dir, 'wrong-pw');
writeFileSync(pwFile, `${PASSWORD}\n`);
writeFileSync(otherPwFile, `${OTHER_PASSWORD}\n`);
writeFileSync(wrongPwFile, 'not the password\n');

function ansibleVault(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ansible-vault', args, { env, cwd: dir, input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** encrypt_string of every value, named v0, v1, …: a vars file as ansible-vault makes it. */
function ansibleEncryptStrings(vaultArgs: string[]): string {
  // All names first, then the strings: ansible-vault pairs them in order.
  const r = ansibleVault(['encrypt_string', ...vaultArgs, ...VALUES.flatMap((_, i) => ['--name', keyOf(i)]), ...VALUES.map(([, v]) => v)]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** What ansible-playbook decrypts: one copy task writes every vN of the vars file, as JSON, to a file. */
function ansiblePlaybookValues(varsFile: string, vaultArgs: string[]): { status: number; values?: string[]; output: string } {
  const out = mkdtempSync(join(dir, 'out-'));
  const playbook = join(out, 'pb.yml');
  const list = VALUES.map((_, i) => keyOf(i)).join(', ');
  writeFileSync(playbook, `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - copy: { content: "{{ [${list}] | to_json }}", dest: "${out}/values.json" }\n`);
  const r = spawnSync('ansible-playbook', ['-i', 'localhost,', playbook, '-e', `@${varsFile}`, ...vaultArgs], { env, cwd: dir, encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) return { status: r.status ?? -1, output };
  return { status: 0, values: JSON.parse(readFileSync(join(out, 'values.json'), 'utf8')) as string[], output };
}

/** provision's view: the content argument of each compiled copy task, read with -e @varsFile. */
function provisionValues(varsFile: string, secrets: { id: string; password: string }[]): string[] {
  const project = mkdtempSync(join(dir, 'project-'));
  const tasks = VALUES.map((_, i) => `    - copy: { content: "{{ ${keyOf(i)} }}", dest: /srv/app/${keyOf(i)} }`).join('\n');
  writeFileSync(join(project, 'pb.yaml'), `- hosts: all\n  tasks:\n${tasks}\n`);
  writeFileSync(join(project, 'hosts.yaml'), 'all:\n  hosts:\n    h1:\n');
  setVaultSecrets(secrets.map((s) => ({ id: s.id, password: Buffer.from(s.password) })));
  const [run] = loadAndCompile(join(project, 'pb.yaml'), { inventory: join(project, 'hosts.yaml'), extraVars: [`@${varsFile}`] });
  return staticTasks(run.plays[0]).map((t) => {
    const content = (t.args as { content: unknown }).content;
    // Decrypted values stay Secrets to the end: masked in output, revealed only on stdin.
    expect(isSecret(content)).toBe(true);
    return (content as { reveal(): string }).reveal();
  });
}

afterEach(() => setVaultSecrets([]));

/** The built CLI as a user runs it (the shared runCli adds --report, which vault and inventory do not take). */
async function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...env, NO_COLOR: '1', CI: '1', ...extraEnv }, cwd: dir, encoding: 'utf8' });
  return { exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('values encrypted by ansible-vault encrypt_string, read by provision and ansible-playbook', { timeout: 180_000 }, () => {
  const made: Record<string, string> = {};
  beforeAll(() => {
    made['1.1'] = join(dir, 'strings-1.1.yml');
    writeFileSync(made['1.1'], ansibleEncryptStrings(['--vault-password-file', pwFile]));
    made['1.2'] = join(dir, 'strings-1.2.yml');
    writeFileSync(made['1.2'], ansibleEncryptStrings(['--vault-id', `prod@${pwFile}`]));
  });

  it('format 1.1 (no id) and 1.2 (id prod) headers, as ansible-vault writes them', () => {
    expect(readFileSync(made['1.1'], 'utf8')).toContain('$ANSIBLE_VAULT;1.1;AES256');
    expect(readFileSync(made['1.2'], 'utf8')).toContain('$ANSIBLE_VAULT;1.2;AES256;prod');
  });

  for (const format of ['1.1', '1.2']) {
    it(`format ${format}: every value reaches the task argument as Ansible decrypts it`, () => {
      const ansible = ansiblePlaybookValues(made[format], format === '1.1' ? ['--vault-password-file', pwFile] : ['--vault-id', `prod@${pwFile}`]);
      expect(ansible.status, ansible.output).toBe(0);
      const ours = provisionValues(made[format], [{ id: format === '1.1' ? 'default' : 'prod', password: PASSWORD }]);
      expect(ours).toEqual(ansible.values);
      // And what the user typed, value by value (the names make a failure readable).
      expect(Object.fromEntries(VALUES.map(([name], i) => [name, ours[i]]))).toEqual(Object.fromEntries(VALUES));
    });
  }

  it('an id that does not match the header is still tried (Ansible tries every secret): both decrypt', () => {
    const ansible = ansiblePlaybookValues(made['1.2'], ['--vault-id', `dev@${wrongPwFile}`, '--vault-id', `other@${pwFile}`]);
    expect(ansible.status, ansible.output).toBe(0);
    expect(provisionValues(made['1.2'], [{ id: 'dev', password: 'not the password' }, { id: 'other', password: PASSWORD }])).toEqual(ansible.values);
  });

  it('a wrong password: Ansible fails, provision exits 4 naming the file, line and the vault id', async () => {
    const ansible = ansiblePlaybookValues(made['1.2'], ['--vault-id', `prod@${wrongPwFile}`]);
    expect(ansible.status).not.toBe(0);
    const r = await runCli(['validate', join(dir, 'project.yaml'), '-i', join(dir, 'hosts.yaml'), '-e', `@${made['1.2']}`, '--vault-id', `prod@${wrongPwFile}`]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`${made['1.2'].replace(/[.]/g, '\\.')}:\\d+:\\d+: .*vault id "prod"`));
    expect(r.stderr).not.toContain('not the password');
  });

  it('no password at all: Ansible fails, provision exits 4 with file:line and how to give one', async () => {
    const ansible = ansiblePlaybookValues(made['1.1'], []);
    expect(ansible.status).not.toBe(0);
    const r = await runCli(['validate', join(dir, 'project.yaml'), '-i', join(dir, 'hosts.yaml'), '-e', `@${made['1.1']}`]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/strings-1\.1\.yml:\d+:\d+: .*--vault-password-file/);
  });
});

describe('whole files encrypted by ansible-vault, read by provision', { timeout: 180_000 }, () => {
  const plaintext = `db_password: "${TROUBLESOME_VALUES['every troublesome character'].replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\nport: 5432\n`;

  for (const [format, vaultArgs, ours] of [
    ['1.1', ['--vault-password-file', pwFile], ['--vault-password-file', pwFile]],
    ['1.2', ['--vault-id', `prod@${pwFile}`], ['--vault-id', `prod@${pwFile}`]],
  ] as const) {
    it(`format ${format}: provision vault view prints what ansible-vault encrypted`, async () => {
      const file = join(dir, `whole-${format}.yml`);
      writeFileSync(file, plaintext);
      expect(ansibleVault(['encrypt', ...vaultArgs, file]).status).toBe(0);
      expect(readFileSync(file, 'utf8')).toMatch(format === '1.1' ? /^\$ANSIBLE_VAULT;1\.1;AES256\n/ : /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
      const r = await runCli(['vault', 'view', file, ...ours]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe(ansibleVault(['view', ...vaultArgs, file]).stdout);
    });
  }

  it('a vars file encrypted whole (-e @file): its strings are Secrets with the plaintext values, other scalars keep their type', () => {
    const file = join(dir, 'whole-vars.yml');
    writeFileSync(file, plaintext);
    expect(ansibleVault(['encrypt', '--vault-password-file', pwFile, file]).status).toBe(0);
    setVaultSecrets([{ id: 'default', password: Buffer.from(PASSWORD) }]);
    const project = mkdtempSync(join(dir, 'project-'));
    writeFileSync(join(project, 'pb.yaml'), '- hosts: all\n  tasks:\n    - copy: { content: "{{ db_password }}", dest: /srv/app/x }\n');
    writeFileSync(join(project, 'hosts.yaml'), 'all:\n  hosts:\n    h1:\n');
    const [run] = loadAndCompile(join(project, 'pb.yaml'), { inventory: join(project, 'hosts.yaml'), extraVars: [`@${file}`] });
    const content = (staticTasks(run.plays[0])[0].args as { content: unknown }).content;
    expect(isSecret(content)).toBe(true);
    expect((content as { reveal(): string }).reveal()).toBe(TROUBLESOME_VALUES['every troublesome character']);
    expect(parseExtraVars([`@${file}`]).port).toBe(5432);
  });

  it('an inventory encrypted whole (group_vars beside it too) is read like the plain one', async () => {
    const inv = join(dir, 'inv');
    mkdirSync(join(inv, 'group_vars'), { recursive: true });
    writeFileSync(join(inv, 'hosts.yml'), 'all:\n  hosts:\n    web1:\n      ansible_port: 2222\n');
    writeFileSync(join(inv, 'group_vars', 'all.yml'), 'site: example.org\n');
    const plain = await runCli(['inventory', '-i', join(inv, 'hosts.yml'), '--list']);
    for (const f of ['hosts.yml', join('group_vars', 'all.yml')]) expect(ansibleVault(['encrypt', '--vault-password-file', pwFile, join(inv, f)]).status).toBe(0);
    const ours = await runCli(['inventory', '-i', join(inv, 'hosts.yml'), '--list', '--vault-password-file', pwFile]);
    expect(ours.exitCode, ours.stderr).toBe(0);
    const ansible = execFileSync('ansible-inventory', ['-i', join(inv, 'hosts.yml'), '--list', '--vault-password-file', pwFile], { env, cwd: dir, encoding: 'utf8' });
    // The secret group_vars value is masked in provision's listing; everything else equals the plain file's and Ansible's.
    const listing = JSON.parse(ours.stdout);
    expect(listing._meta.hostvars.web1.ansible_port).toBe(JSON.parse(ansible)._meta.hostvars.web1.ansible_port);
    expect(listing._meta.hostvars.web1.site).toBe('********');
    expect({ ...listing, _meta: undefined }).toEqual({ ...JSON.parse(plain.stdout), _meta: undefined });
  });

  it('a tampered file (one ciphertext digit changed) is refused by both: HMAC check', async () => {
    const file = join(dir, 'tampered.yml');
    writeFileSync(file, plaintext);
    expect(ansibleVault(['encrypt', '--vault-password-file', pwFile, file]).status).toBe(0);
    // Change one digit of the ciphertext inside the payload (hex of "salt\nhmac\nciphertext"), keeping it valid hex.
    const [header, ...payload] = readFileSync(file, 'utf8').trim().split('\n');
    const inner = Buffer.from(payload.join(''), 'hex').toString('ascii');
    const tampered = `${inner.slice(0, -1)}${inner.endsWith('0') ? '1' : '0'}`;
    const hex = Buffer.from(tampered, 'ascii').toString('hex');
    writeFileSync(file, `${header}\n${hex.match(/.{1,80}/g)!.join('\n')}\n`);
    expect(ansibleVault(['view', '--vault-password-file', pwFile, file]).status).not.toBe(0);
    const r = await runCli(['vault', 'view', file, '--vault-password-file', pwFile]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('HMAC');
    expect(r.stdout).toBe('');
  });
});

describe('written by provision, read by ansible-vault and ansible-playbook', { timeout: 180_000 }, () => {
  it('provision vault encrypt_string (1.1): ansible-playbook decrypts every value to what was encrypted', async () => {
    const args = ['vault', 'encrypt_string', '--vault-password-file', pwFile];
    VALUES.forEach(([, v], i) => args.push('--name', keyOf(i)));
    const r = await runCli([...args, ...VALUES.map(([, v]) => v)]);
    expect(r.exitCode, r.stderr).toBe(0);
    const file = join(dir, 'ours-strings.yml');
    writeFileSync(file, r.stdout);
    const ansible = ansiblePlaybookValues(file, ['--vault-password-file', pwFile]);
    expect(ansible.status, ansible.output).toBe(0);
    expect(ansible.values).toEqual(VALUES.map(([, v]) => v));
  });

  it('provision vault encrypt_string --vault-id lab@file: a 1.2 value ansible-vault decrypts', async () => {
    const value = TROUBLESOME_VALUES['every troublesome character'];
    const r = await runCli(['vault', 'encrypt_string', '--vault-id', `lab@${pwFile}`, value]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^!vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;lab\n/);
    const file = join(dir, 'one-string.vault');
    writeFileSync(file, r.stdout.split('\n').slice(1).map((l) => l.trim()).join('\n'));
    const view = ansibleVault(['decrypt', '--vault-id', `lab@${pwFile}`, '--output', '-', file]);
    expect(view.status, view.stderr).toBe(0);
    expect(view.stdout).toBe(value);
  });

  for (const [format, ours, theirs] of [
    ['1.1', ['--vault-password-file', pwFile], ['--vault-password-file', pwFile]],
    ['1.2', ['--vault-id', `prod@${pwFile}`], ['--vault-id', `prod@${pwFile}`]],
  ] as const) {
    it(`provision vault encrypt (${format}): ansible-vault view and decrypt give the original bytes`, async () => {
      const file = join(dir, `ours-${format}.txt`);
      const original = `${Object.values(TROUBLESOME_VALUES).join('\n')}\n${Object.values(LINE_BREAK_VALUES).join('\n')}`;
      writeFileSync(file, original);
      const r = await runCli(['vault', 'encrypt', file, ...ours]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(format === '1.1' ? '$ANSIBLE_VAULT;1.1;AES256' : '$ANSIBLE_VAULT;1.2;AES256;prod');
      expect(ansibleVault(['decrypt', ...theirs, '--output', '-', file]).stdout).toBe(original);
      expect(ansibleVault(['decrypt', ...theirs, file]).status).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(original);
    });
  }

  it('provision vault decrypt reads a file ansible-vault encrypted, in place', async () => {
    const file = join(dir, 'theirs.txt');
    const original = 'grüße $x `y` "z"\n';
    writeFileSync(file, original);
    expect(ansibleVault(['encrypt', '--vault-id', `prod@${pwFile}`, file]).status).toBe(0);
    const r = await runCli(['vault', 'decrypt', file, '--vault-id', `dev@${otherPwFile}`, '--vault-id', `prod@${pwFile}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('provision vault edit: $EDITOR changes the plaintext in a private temp dir; ansible-vault reads the result, same id', async () => {
    const file = join(dir, 'edited.yml');
    writeFileSync(file, 'a: 1\n');
    expect(ansibleVault(['encrypt', '--vault-id', `prod@${pwFile}`, file]).status).toBe(0);
    const editor = join(dir, 'editor.sh');
    const seen = join(dir, 'editor-saw');
    writeFileSync(editor, `#!/bin/sh\nstat -c %a "$(dirname "$1")" > ${seen}\necho "$1" >> ${seen}\nprintf 'b: "$x"\\n' >> "$1"\n`);
    chmodSync(editor, 0o755);
    const r = await runCli(['vault', 'edit', file, '--vault-id', `prod@${pwFile}`], { EDITOR: editor });
    expect(r.exitCode, r.stderr).toBe(0);
    const [mode, temp] = readFileSync(seen, 'utf8').trim().split('\n');
    expect(mode).toBe('700');
    expect(existsSync(temp)).toBe(false);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect(ansibleVault(['view', '--vault-id', `prod@${pwFile}`, file]).stdout).toBe('a: 1\nb: "$x"\n');
  });
});

describe('inline values in an inventory, and a whole file without a password', { timeout: 180_000 }, () => {
  it('!vault in a YAML inventory: provision decrypts the host variable Ansible decrypts, and lists it masked', async () => {
    const value = TROUBLESOME_VALUES['every troublesome character'];
    const made = ansibleVault(['encrypt_string', '--vault-password-file', pwFile, '--name', 'db_password', value]);
    expect(made.status, made.stderr).toBe(0);
    const inv = join(dir, 'inline-inventory.yml');
    writeFileSync(inv, `all:\n  hosts:\n    web1:\n${made.stdout.trimEnd().split('\n').map((l) => `      ${l}`).join('\n')}\n`);
    // ansible-inventory prints vaulted values still encrypted; debug (run on the controller) shows the decrypted one.
    const adhoc = execFileSync('ansible', ['web1', '-i', inv, '-m', 'debug', '-a', 'var=db_password', '--vault-password-file', pwFile], { env: { ...env, ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_STDOUT_CALLBACK: 'json' }, cwd: dir, encoding: 'utf8' });
    const ansible = JSON.parse(adhoc).plays[0].tasks[0].hosts.web1 as { db_password: string };
    setVaultSecrets([{ id: 'default', password: Buffer.from(PASSWORD) }]);
    const host = loadInventory(inv).hosts.get('web1');
    const ours = host?.vars.db_password;
    expect(isSecret(ours)).toBe(true);
    expect((ours as { reveal(): string }).reveal()).toBe(ansible.db_password);
    const listed = await runCli(['inventory', '-i', inv, '--host', 'web1', '--vault-password-file', pwFile]);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).db_password).toBe('********');
    expect(listed.stdout).not.toContain(value);
  });

  it('a whole encrypted vars file and no password: both refuse; provision exits 4 naming the file and how to give one', async () => {
    const file = join(dir, 'whole-nopw.yml');
    writeFileSync(file, 'a: 1\n');
    expect(ansibleVault(['encrypt', '--vault-password-file', pwFile, file]).status).toBe(0);
    const ansible = spawnSync('ansible', ['localhost', '-m', 'debug', '-a', 'var=a', '-e', `@${file}`], { env, cwd: dir, encoding: 'utf8' });
    expect(ansible.status).not.toBe(0);
    const r = await runCli(['validate', join(dir, 'project.yaml'), '-i', join(dir, 'hosts.yaml'), '-e', `@${file}`]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${file}:1: encrypted with ansible-vault`);
    expect(r.stderr).toContain('--vault-password-file');
  });
});

describe('password sources as Ansible reads them', { timeout: 180_000 }, () => {
  it('a password file with surrounding whitespace and an executable script decrypt what ansible-vault made with them', async () => {
    const spaced = join(dir, 'spaced-pw');
    writeFileSync(spaced, `  ${OTHER_PASSWORD}  \r\n\n`);
    const script = join(dir, 'pw-script.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' '${OTHER_PASSWORD}'\n`);
    chmodSync(script, 0o755);
    for (const source of [spaced, script]) {
      const file = join(dir, `by-source-${source === script ? 'script' : 'file'}.txt`);
      writeFileSync(file, 'secret text\n');
      expect(ansibleVault(['encrypt', '--vault-password-file', source, file]).status).toBe(0);
      expect(ansibleVault(['view', '--vault-password-file', otherPwFile, file]).stdout).toBe('secret text\n');
      expect(readPasswordSource(source).toString()).toBe(OTHER_PASSWORD);
      const r = await runCli(['vault', 'view', file, '--vault-password-file', source]);
      expect(r.stdout).toBe('secret text\n');
    }
  });

  it('$ANSIBLE_VAULT_PASSWORD_FILE is read by both when no flag is given', async () => {
    const file = join(dir, 'env-pw.txt');
    writeFileSync(file, 'via env\n');
    const viaEnv = spawnSync('ansible-vault', ['encrypt', file], { env: { ...env, ANSIBLE_VAULT_PASSWORD_FILE: pwFile }, encoding: 'utf8' });
    expect(viaEnv.status, viaEnv.stderr).toBe(0);
    const r = await runCli(['vault', 'view', file], { ANSIBLE_VAULT_PASSWORD_FILE: pwFile });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('via env\n');
  });
});
