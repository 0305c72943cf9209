import { describe, expect, it } from 'vitest';
import { decryptPayload, encryptPayload, pad, unpad, VaultFormatError, VaultMismatchError } from '../../src/vault/cipher.js';
import { formatVaultYaml } from '../../src/vault/encrypt-string.js';
import { formatEnvelope, isVaultText, parseEnvelope } from '../../src/vault/envelope.js';
import { decryptVaultText, encryptVaultText, secretForEncryption, secretsToTry, VaultError, type VaultSecret } from '../../src/vault/keyring.js';
import { readPasswordSource, splitVaultId, vaultSources } from '../../src/vault/sources.js';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setVaultSecrets } from '../../src/vault/active.js';
import { YamlSource } from '../../src/yaml-source.js';
import { isSecret } from '../../src/secret.js';

const PASSWORD = Buffer.from('pass word$');
const secret = (id: string, password = PASSWORD): VaultSecret => ({ id, password });

// Made once with ansible-vault 2.14 (`printf 'known plaintext\n' | ansible-vault encrypt`, password "pass word$").
const MADE_BY_ANSIBLE_11 = `$ANSIBLE_VAULT;1.1;AES256
30323961633934343731386337323439633534616239363637316439336238353633613333376431
6663653332353032376466373963633666396333396663310a323661396135353063636638663330
38316339383463653333393339323032653333313966653361666630656438636262313835383633
6566383932326530640a336632356133643736663166303663376536346166336164306433366639
63363165366364303564653534303232376239353361376535366261303461663466
`;
// `printf 'sixteen bytes!!!' | ansible-vault encrypt --vault-id kv@FILE`: a whole block, so a whole block of padding.
const MADE_BY_ANSIBLE_12 = `$ANSIBLE_VAULT;1.2;AES256;kv
65306138616538346339626137343563343234363863383537666461366138636535356333353932
6563376438653662653263326335616233653131626535650a656636616230633062623163323864
33333663373237343533323233323662656638633236393637303530626635666535656535356663
3834343930643864390a633431386162363632303062303261303837333537363562393237623835
34643231393937616664323737626633386135346262373465363032363330386533
`;
// Ansible's VaultAES256.encrypt(b'known plaintext\\n', VaultSecret(b'pass word$'), salt=b'S'*32): a known answer for encryption.
const FIXED_SALT_PAYLOAD =
  '353335333533353335333533353335333533353335333533353335333533353335333533353335333533353335333533353335333533353335333533353335330a643634313135373137666533353637613833666435366363333963633934383230616366623535326465613831663064356338383938626538653166646164390a61626566343832663538393263303632376362393532646234303430376436373764333262343562636432383431326439636332333139346430396561383563';

describe('known vectors from ansible-vault', () => {
  it.each([
    ['1.1, no id', MADE_BY_ANSIBLE_11, 'known plaintext\n', 'default'],
    ['1.2, id kv', MADE_BY_ANSIBLE_12, 'sixteen bytes!!!', 'kv'],
  ])('%s decrypts', (_, text, plaintext, usedId) => {
    const result = decryptVaultText(text, [secret('other', Buffer.from('wrong')), secret(usedId)]);
    expect(result.plaintext.toString()).toBe(plaintext);
    expect(result.vaultId).toBe(usedId);
  });

  it('encrypts with a fixed salt to exactly what Ansible produces', () => {
    expect(encryptPayload(Buffer.from('known plaintext\n'), PASSWORD, Buffer.alloc(32, 'S'))).toBe(FIXED_SALT_PAYLOAD);
  });

  it('round-trips every length around a block boundary', () => {
    for (let n = 0; n <= 33; n++) {
      const plaintext = Buffer.alloc(n, 'x');
      expect(decryptPayload(encryptPayload(plaintext, PASSWORD), PASSWORD)).toEqual(plaintext);
    }
  });
});

describe('padding (PKCS#7 to 16 bytes, always at least one byte)', () => {
  it.each([
    [0, 16],
    [1, 15],
    [15, 1],
    [16, 16],
    [17, 15],
  ])('%i bytes get %i bytes of padding, removed again', (length, added) => {
    const padded = pad(Buffer.alloc(length, 'a'));
    expect(padded.length).toBe(length + added);
    expect(padded.at(-1)).toBe(added);
    expect(unpad(padded).length).toBe(length);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['zero pad byte', Buffer.concat([Buffer.alloc(15, 'a'), Buffer.from([0])])],
    ['pad byte over 16', Buffer.concat([Buffer.alloc(15, 'a'), Buffer.from([17])])],
    ['inconsistent pad bytes', Buffer.concat([Buffer.alloc(14, 'a'), Buffer.from([1, 2])])],
    ['not whole blocks', Buffer.from([1])],
  ])('refuses %s', (_, data) => {
    expect(() => unpad(data)).toThrow(VaultFormatError);
  });
});

describe('integrity', () => {
  it('a changed ciphertext fails the HMAC check before anything is decrypted', () => {
    const inner = Buffer.from(encryptPayload(Buffer.from('secret'), PASSWORD), 'hex').toString();
    const changed = `${inner.slice(0, -1)}${inner.endsWith('0') ? '1' : '0'}`;
    expect(() => decryptPayload(Buffer.from(changed).toString('hex'), PASSWORD)).toThrow(VaultMismatchError);
  });

  it('a wrong password is an error naming the id tried, and never the password', () => {
    expect(() => decryptVaultText(MADE_BY_ANSIBLE_12, [secret('dev', Buffer.from('hunter2'))])).toThrow(/vault id "kv".*id dev.*HMAC/);
    try {
      decryptVaultText(MADE_BY_ANSIBLE_12, [secret('dev', Buffer.from('hunter2'))]);
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it.each([
    ['no password', [], /no vault password was given: give one with --vault-password-file/],
    ['not hex', [secret('default')], /malformed/],
  ])('%s', (_, secrets, message) => {
    const text = _ === 'not hex' ? '$ANSIBLE_VAULT;1.1;AES256\nzz\n' : MADE_BY_ANSIBLE_11;
    expect(() => decryptVaultText(text, secrets)).toThrow(message);
  });
});

describe('envelope', () => {
  it.each([
    ['$ANSIBLE_VAULT;1.1;AES256\nab\ncd\n', { version: '1.1', cipher: 'AES256', vaultId: undefined, payload: 'abcd' }],
    ['$ANSIBLE_VAULT;1.2;AES256;prod\r\nab\r\n', { version: '1.2', cipher: 'AES256', vaultId: 'prod', payload: 'ab' }],
  ])('reads %j', (text, envelope) => {
    expect(parseEnvelope(text)).toEqual(envelope);
  });

  it('writes 80-column lines, 1.2 only for an id other than "default"', () => {
    const payload = 'a'.repeat(170);
    expect(formatEnvelope(payload)).toBe(`$ANSIBLE_VAULT;1.1;AES256\n${'a'.repeat(80)}\n${'a'.repeat(80)}\n${'a'.repeat(10)}\n`);
    expect(formatEnvelope('ab', 'default').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
    expect(formatEnvelope('ab', 'prod').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
  });

  it('nothing to decrypt: text without the header is not vault text', () => {
    expect(isVaultText('a: 1\n')).toBe(false);
    expect(isVaultText(' $ANSIBLE_VAULT;1.1;AES256')).toBe(false);
  });

  it('encrypt_string output: the name, then the vault text indented 10 spaces', () => {
    expect(formatVaultYaml('$ANSIBLE_VAULT;1.1;AES256\nab\n', 'pw')).toBe('pw: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          ab');
    expect(formatVaultYaml('$ANSIBLE_VAULT;1.1;AES256\nab\n')).toBe('!vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          ab');
  });
});

describe('choosing secrets (Ansible: the header id first, then every other)', () => {
  const a = secret('a');
  const b = secret('b');
  const c = secret('c');
  it.each([
    ['no id in the header: the order given', undefined, [a, b, c], [a, b, c]],
    ['the header id first', 'b', [a, b, c], [b, a, c]],
    ['an id nobody gave: the order given', 'z', [a, b], [a, b]],
    ['nothing given: nothing to try', 'a', [], []],
  ])('%s', (_, headerId, given, tried) => {
    expect(secretsToTry(given, headerId)).toEqual(tried);
  });

  it.each([
    ['one secret', [a], undefined, 'a'],
    ['--encrypt-vault-id picks', [a, b], 'b', 'b'],
  ])('encrypts with: %s', (_, given, encryptId, id) => {
    expect(secretForEncryption(given, encryptId).id).toBe(id);
  });

  it.each([
    ['none', [], undefined],
    ['several, none chosen', [a, b], undefined],
    ['an unknown --encrypt-vault-id', [a], 'z'],
  ])('refuses to encrypt with %s', (_, given, encryptId) => {
    expect(() => secretForEncryption(given, encryptId)).toThrow(VaultError);
  });

  it('encrypted with an id, it says so in the header and decrypts', () => {
    const text = encryptVaultText(Buffer.from('x'), secret('prod'));
    expect(text.startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n')).toBe(true);
    expect(decryptVaultText(text, [secret('prod')]).plaintext.toString()).toBe('x');
  });
});

describe('password sources', () => {
  it.each([
    ['file', { id: 'default', source: 'file' }],
    ['prod@file', { id: 'prod', source: 'file' }],
    ['prod@prompt', { id: 'prod', source: 'prompt' }],
    ['a@b@c', { id: 'a', source: 'b@c' }],
  ])('--vault-id %s', (spec, parsed) => {
    expect(splitVaultId(spec)).toEqual(parsed);
  });

  it.each([
    ['a file: trimmed of whitespace', 'pw.txt', '  p w\t\r\n\n', false, 'p w'],
    ['a script: stdout without the final line ends, spaces kept', 'pw.sh', "#!/bin/sh\nprintf ' p w \\r\\n'\n", true, ' p w '],
    ['a NAME-client script: asked for the id', 'vault-client.sh', '#!/bin/sh\necho "for-$2"\n', true, 'for-prod'],
  ])('%s', (_, name, content, executable, password) => {
    const file = join(mkdtempSync(join(tmpdir(), 'provision-vault-pw-')), name);
    writeFileSync(file, content);
    if (executable) chmodSync(file, 0o755);
    expect(readPasswordSource(file, 'prod').toString()).toBe(password);
  });

  it('Ansible order: --vault-id, --vault-password-file, $ANSIBLE_VAULT_PASSWORD_FILE, --ask-vault-pass', () => {
    expect(vaultSources({ vaultId: ['x@f1'], vaultPasswordFile: ['f2'], askVaultPass: true }, { ANSIBLE_VAULT_PASSWORD_FILE: 'f3' })).toEqual([
      { id: 'x', source: 'f1' },
      { id: 'default', source: 'f2' },
      { id: 'default', source: 'f3' },
      { id: 'default', source: 'prompt' },
    ]);
    expect(vaultSources({}, {})).toEqual([]);
  });
});

describe('!vault in YAML', () => {
  const yaml = `pw: !vault |\n${MADE_BY_ANSIBLE_11.trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}\nplain: x\n`;

  it('decrypts into a Secret with the run\'s passwords', () => {
    setVaultSecrets([secret('default')]);
    try {
      const data = YamlSource.fromText(yaml, 'vars.yml').data as Record<string, unknown>;
      expect(isSecret(data.pw)).toBe(true);
      expect((data.pw as { reveal(): string }).reveal()).toBe('known plaintext\n');
      expect(data.plain).toBe('x');
    } finally {
      setVaultSecrets([]);
    }
  });

  it('without a password: an error at the value\'s line', () => {
    expect(() => YamlSource.fromText(yaml, 'vars.yml')).toThrow(/^vars\.yml:1:5: !vault value: .*no vault password/);
  });

  it('a whole encrypted file is refused where provision does not read one (a playbook)', () => {
    expect(() => YamlSource.fromText(MADE_BY_ANSIBLE_11, 'site.yaml')).toThrow(/^site\.yaml:1: this file is encrypted with ansible-vault/);
  });
});
