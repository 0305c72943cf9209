import { describe, expect, it } from 'vitest';
import { becomeFor, connectionTarget, proxyCommandAsJump, TREATMENT } from '../../src/connection-vars.js';
import { ConfigErrors } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';

const origin = { file: 'inventory/hosts.yaml' };
const target = (vars: Record<string, unknown>) => connectionTarget('web1', vars, origin);
const problems = (vars: Record<string, unknown>): string[] => {
  try {
    target(vars);
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  return [];
};

describe('connectionTarget', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['nothing set: the inventory name, and ssh config/ssh defaults for the rest', {}, { name: 'web1', address: 'web1' }],
    ['ansible_host, ansible_port, ansible_user', { ansible_host: '10.0.0.5', ansible_port: 2222, ansible_user: 'deploy' }, { address: '10.0.0.5', port: 2222, user: 'deploy' }],
    ['a port given as a string (INI, -e)', { ansible_port: '2200' }, { port: 2200 }],
    // Python's int(text), as Ansible's int option type reads it.
    ['a port string with spaces and a sign', { ansible_port: ' +2200 ' }, { port: 2200 }],
    ['a port string with _ between digits', { ansible_port: '2_200' }, { port: 2200 }],
    ['a float port that is whole (YAML 22.0)', { ansible_port: 22.0 }, { port: 22 }],
    ['ansible_ssh_* aliases win over the plain names, as in Ansible', { ansible_host: 'a', ansible_ssh_host: 'b', ansible_port: 1, ansible_ssh_port: 2, ansible_user: 'x', ansible_ssh_user: 'y' }, { address: 'b', port: 2, user: 'y' }],
    ['both key file names; the ssh one first', { ansible_private_key_file: '/k/plain', ansible_ssh_private_key_file: '/k/ssh' }, { privateKey: '/k/ssh' }],
    ['provision_known_hosts and provision_proxy_jump', { provision_known_hosts: '/kh', provision_proxy_jump: 'ops@bastion:2222' }, { knownHosts: '/kh', proxyJump: 'ops@bastion:2222' }],
    ['ansible_timeout', { ansible_timeout: 30 }, { connectTimeoutSeconds: 30 }],
    ['an absolute provision_lock_file', { provision_lock_file: '/run/lock/x' }, { lockFile: '/run/lock/x' }],
    ['-J in ansible_ssh_common_args', { ansible_ssh_common_args: '-J ops@bastion' }, { proxyJump: 'ops@bastion' }],
    ['-o ProxyJump= with options without effect', { ansible_ssh_common_args: '-o ControlMaster=auto -o ControlPersist=60s -o ProxyJump=gw' }, { proxyJump: 'gw' }],
    ['the bastion ProxyCommand idiom becomes a jump', { ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q ops@bastion.example.com"` }, { proxyJump: 'ops@bastion.example.com' }],
    ['IdentitiesOnly and a known_hosts file in ansible_ssh_extra_args', { ansible_ssh_extra_args: '-o IdentitiesOnly=yes -o UserKnownHostsFile=/etc/kh' }, { identitiesOnly: true, knownHosts: '/etc/kh' }],
    ['settings provision already does the same way', { ansible_connection: 'ssh', ansible_become_method: 'sudo', ansible_become_user: 'root', ansible_become_exe: 'sudo', ansible_become_flags: '-H  -S -n', ansible_shell_type: 'sh', ansible_shell_executable: '/bin/sh' }, { address: 'web1' }],
    ['variables without effect are accepted', { ansible_python_interpreter: '/usr/bin/python3', ansible_pipelining: true }, { address: 'web1' }],
  ])('%s', (_, vars, want) => {
    expect(target(vars)).toMatchObject(want);
  });

  it('nothing set leaves port and user to ssh config and ssh (never a guessed root)', () => {
    const t = target({});
    expect(t.port).toBeUndefined();
    expect(t.user).toBeUndefined();
  });

  it('the sudo password: Ansible names first, then provision own; always a Secret', () => {
    expect(target({ become_password: 'p1' }).becomePassword?.reveal()).toBe('p1');
    expect(target({ become_password: 'p1', ansible_become_pass: 'p2' }).becomePassword?.reveal()).toBe('p2');
    expect(target({ ansible_become_pass: 'p2', ansible_become_password: 'p3' }).becomePassword?.reveal()).toBe('p3');
    const s = new Secret(`q'"$\`@:/# x`);
    expect(target({ ansible_become_password: s }).becomePassword).toBe(s);
    expect(String(target({ become_password: 'plain' }).becomePassword)).toBe('********');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a password login', { ansible_password: 'x' }, /ansible_password.*keys only/],
    ['ansible_ssh_pass', { ansible_ssh_pass: 'x' }, /ansible_ssh_pass.*keys only/],
    ['host key checking off', { ansible_host_key_checking: false }, /ansible_host_key_checking.*always checks host keys/],
    ['another connection plugin', { ansible_connection: 'local' }, /ansible_connection.*"local" is not supported/],
    ['become through su', { ansible_become_method: 'su' }, /ansible_become_method.*"su"/],
    ['become another user', { ansible_become_user: 'postgres' }, /ansible_become_user.*"postgres"/],
    ['sudo flags of its own', { ansible_become_flags: '-E' }, /ansible_become_flags/],
    ['a port out of range', { ansible_port: 70000 }, /ansible_port.*must be a port number/],
    // JavaScript's Number() reads these; Python's int() does not: Ansible stops.
    ['a hexadecimal port string', { ansible_port: '0x16' }, /ansible_port.*must be a port number/],
    ['a port string with an exponent', { ansible_port: '1e1' }, /ansible_port.*must be a port number/],
    ['a port string with a fraction', { ansible_port: '22.0' }, /ansible_port.*must be a port number/],
    ['an empty port string', { ansible_port: '' }, /ansible_port.*must be a port number/],
    ['a timeout string in hexadecimal', { ansible_timeout: '0x10' }, /ansible_timeout.*whole number of seconds/],
    ['a port that is no number', { ansible_ssh_port: 'ssh' }, /ansible_ssh_port.*must be a port number/],
    ['a ProxyCommand that is not ssh -W', { ansible_ssh_common_args: '-o ProxyCommand="nc %h %p"' }, /ProxyCommand.*only "ssh -W/],
    ['host key checking off through ssh args', { ansible_ssh_common_args: '-o StrictHostKeyChecking=no' }, /StrictHostKeyChecking=no is not supported/],
    ['known hosts thrown away through ssh args', { ansible_ssh_extra_args: '-o UserKnownHostsFile=/dev/null' }, /never \/dev\/null/],
    ['an ssh option provision does not know', { ansible_ssh_extra_args: '-o ForwardAgent=yes' }, /-o ForwardAgent=yes is not supported/],
    ['an ssh flag provision does not know', { ansible_ssh_extra_args: '-A' }, /ssh argument "-A" is not supported/],
    ['ssh args that do not split', { ansible_ssh_common_args: '-o "ProxyJump=gw' }, /cannot be split into words: No closing quotation/],
    ['a shell other than sh', { ansible_shell_executable: '/bin/bash' }, /ansible_shell_executable/],
  ])('refuses %s, naming the file, the host and the variable', (_, vars, message) => {
    const p = problems(vars);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(message);
    expect(p[0]).toContain('inventory/hosts.yaml');
    expect(p[0]).toContain('web1');
  });

  it('a refused variable never shows its value (it may be a password)', () => {
    const p = problems({ ansible_password: 'hunter2-secret-value' });
    expect(p.join('\n')).not.toContain('hunter2-secret-value');
  });

  it('every problem at once, not the first only', () => {
    expect(problems({ ansible_password: 'x', ansible_become_method: 'doas', ansible_port: 'no' })).toHaveLength(3);
  });

  it('an empty refused variable is no request (a group that blanks it out)', () => {
    expect(problems({ ansible_password: '' })).toEqual([]);
  });

  it('every variable of Ansible\'s MAGIC_VARIABLE_MAPPING has a treatment', () => {
    // ansible-core 2.14 constants.py, the connection and become entries.
    const magic = ['ansible_connection', 'ansible_shell_type', 'ansible_shell_executable', 'ansible_ssh_host', 'ansible_host', 'ansible_ssh_user', 'ansible_user', 'ansible_ssh_pass', 'ansible_password', 'ansible_ssh_port', 'ansible_port', 'ansible_ssh_pipelining', 'ansible_pipelining', 'ansible_ssh_timeout', 'ansible_timeout', 'ansible_ssh_private_key_file', 'ansible_private_key_file', 'ansible_network_os', 'ansible_connection_user', 'ansible_ssh_executable', 'ansible_ssh_common_args', 'ansible_sftp_extra_args', 'ansible_scp_extra_args', 'ansible_ssh_extra_args', 'ansible_ssh_transfer_method', 'ansible_docker_extra_args', 'ansible_become', 'ansible_become_method', 'ansible_become_user', 'ansible_become_password', 'ansible_become_pass', 'ansible_become_exe', 'ansible_become_flags', 'ansible_module_compression'];
    expect(magic.filter((v) => !(v in TREATMENT))).toEqual([]);
  });
});

describe('becomeFor', () => {
  it.each<[string, Record<string, unknown>, boolean | undefined, boolean | undefined, boolean]>([
    ['nothing: no sudo', {}, undefined, undefined, false],
    ['the play keyword', {}, undefined, true, true],
    ['the task keyword over the play', {}, false, true, false],
    ['ansible_become false over play become true', { ansible_become: false }, undefined, true, false],
    ['ansible_become false over task become true', { ansible_become: false }, true, true, false],
    ['ansible_become true with no keyword', { ansible_become: true }, undefined, undefined, true],
    ['ansible_become "yes" (INI, -e) is Ansible true', { ansible_become: 'yes' }, undefined, false, true],
    ['ansible_become "no"', { ansible_become: 'no' }, true, true, false],
    ['ansible_become " Off " (any case, spaces)', { ansible_become: ' Off ' }, true, true, false],
    ['ansible_become 1', { ansible_become: 1 }, undefined, false, true],
    ['ansible_become 0', { ansible_become: 0 }, true, true, false],
  ])('%s', (_, vars, task, play, want) => {
    expect(becomeFor(vars, task, play)).toBe(want);
  });

  // Ansible stops: "the field 'become' has an invalid value (maybe) ... is not a valid boolean" (ansible 2.14).
  it.each<[string, unknown]>([
    ['a word that is no boolean', 'maybe'],
    ['a number other than 0 and 1', 2],
    ['an empty string', ''],
    ['a list', ['yes']],
  ])('ansible_become as %s is an error, not false', (_, value) => {
    expect(() => becomeFor({ ansible_become: value }, true, true)).toThrow(/ansible_become: .* is not a boolean/);
  });
});

describe('proxyCommandAsJump', () => {
  it.each<[string, string | undefined]>([
    ['ssh -W %h:%p bastion', 'bastion'],
    ['ssh -q -W %h:%p -p 2222 -l ops bastion', 'ops@bastion:2222'],
    ['ssh -W %h:%p ops@bastion', 'ops@bastion'],
    ['ssh -W %h:%p', undefined],
    ['nc %h %p', undefined],
    ['ssh -W other:22 bastion', undefined],
    ['ssh -i key -W %h:%p bastion', undefined],
    ['ssh -W %h:%p -l ops ops@bastion', undefined],
  ])('%s', (command, jump) => {
    expect(proxyCommandAsJump(command)).toBe(jump);
  });
});

describe('the README', () => {
  it('names every connection variable of the treatment table', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('**Connection variables.**'), readme.indexOf('**`provision inventory`**'));
    expect(Object.keys(TREATMENT).filter((v) => !section.includes(`\`${v}\``))).toEqual([]);
  });
});
