import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decimalModeErrors } from '../../src/mode-literals.js';
import { fileMode } from '../../src/schemas.js';
import { ANSIBLE_YAML, YamlSource } from '../../src/yaml-source.js';
import { runCli, writeProject } from '../support/provision.js';

describe('fileMode: a string is octal digits, a number the mode itself (as Ansible takes them)', () => {
  it.each([
    ['"0640"', '0640', '0640'],
    ['"640"', '640', '0640'],
    ['"2750"', '2750', '2750'],
    ['"0o640" (YAML 1.1 reads 0o640 as this string)', '0o640', '0640'],
    ['0640 read by YAML 1.1 (416)', 0o640, '0640'],
    ['493', 493, '0755'],
    ['02750', 0o2750, '2750'],
    ['0', 0, '0000'],
    ['07777', 0o7777, '7777'],
    ['01777 (1023: four digits)', 0o1777, '1777'],
    ['01644 (932: a digit 9)', 0o1644, '1644'],
    ['511, the last value without special bits', 511, '0777'],
    ['778 (a digit 8: no decimal-written mode)', 778, '1412'],
  ] as const)('%s', (_name, given, mode) => {
    expect(fileMode.parse(given)).toBe(mode);
  });

  it.each([
    ['a number with bits above 07777', 0o10000],
    ['a negative number', -1],
    ['a fraction', 6.44],
    ['a string with 8', '0648'],
    ['a symbolic mode', 'u=rw,g=r'],
    ['five digits', '07777'.padStart(6, '0')],
    // From a variable (-e m=644 is the number 644 in provision, the string "644" in Ansible): as values these are sticky modes.
    ['644 as a number', 644],
    ['755 as a number', 755],
    ['600 as a number', 600],
    ['777 as a number', 777],
    ['512 as a number', 512],
  ] as const)('refuses %s', (_name, given) => {
    expect(fileMode.safeParse(given).success).toBe(false);
  });
});

describe('decimalModeErrors: a mode written as a decimal number is refused at its line', () => {
  const errors = (text: string) => {
    const source = YamlSource.fromText(text, 'site.yaml', ANSIBLE_YAML);
    return decimalModeErrors(source, source.data).map((e) => e.message);
  };
  it.each([
    ['nothing to do: no mode', '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n', []],
    ['octal literal', '- file: { path: /x, mode: 0644 }\n', []],
    ['quoted', '- file: { path: /x, mode: "644" }\n', []],
    ['from a variable', '- file: { path: /x, mode: "{{ m }}" }\n', []],
    ['hex, the value meant', '- file: { path: /x, mode: 0x1a4 }\n', []],
    ['zero', '- file: { path: /x, mode: 0 }\n', []],
    ['decimal in a task', '- file: { path: /x, mode: 644 }\n', ['site.yaml:1:27: file.mode: mode 644 is a decimal number, read as the mode\'s numeric value (Ansible would set 01204): write 0644 or "0644" for octal']],
    ['decimal directory_mode, block style', '- copy:\n    src: d/\n    dest: /x\n    directory_mode: 755\n', ['site.yaml:4:21: copy.directory_mode: mode 755 is a decimal number, read as the mode\'s numeric value (Ansible would set 01363): write 0755 or "0755" for octal']],
    ['in a play\'s tasks and vars', '- hosts: all\n  vars: { mode: 600 }\n  tasks:\n    - file: { path: /x, mode: 750 }\n', ['site.yaml:2:17: vars.mode: mode 600 is a decimal number, read as the mode\'s numeric value (Ansible would set 01130): write 0600 or "0600" for octal', 'site.yaml:4:31: tasks[0].file.mode: mode 750 is a decimal number, read as the mode\'s numeric value (Ansible would set 01356): write 0750 or "0750" for octal']],
  ])('%s', (_name, text, expected) => {
    expect(errors(text)).toEqual(expected);
  });

  it('the CLI stops with exit 4 before any host is touched, naming the file, line, column and field', async () => {
    const dir = writeProject({
      'site.yaml': '- hosts: all\n  tasks:\n    - import_tasks: files.yaml\n',
      'files.yaml': '- name: config\n  copy: { dest: /etc/app.conf, content: "x", mode: 640 }\n',
      'hosts.yaml': 'all:\n  hosts:\n    h1: { ansible_host: 192.0.2.1 }\n',
    });
    const r = await runCli(['validate', join(dir, 'site.yaml'), '-i', join(dir, 'hosts.yaml')]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/files\.yaml:2:52: copy\.mode: mode 640 is a decimal number.*write 0640 or "0640"/);
  });
});
