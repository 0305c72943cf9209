/**
 * The ansible.cfg settings provision reads, as ansible-core 2.14 defines
 * them (config/base.yml; host_key_checking from the ssh connection plugin,
 * which is the one that decides for ssh connections): where each is read
 * (later entries win, as in Ansible's _loop_entries) and how it is typed.
 */
export type SettingType = 'string' | 'integer' | 'boolean' | 'path' | 'pathlist' | 'pathspec' | 'list';

export interface SettingDefinition {
  /** Ansible's name, as `ansible-config dump` prints it. */
  ansible: string;
  type: SettingType;
  env: string[];
  ini: { section: string; key: string }[];
}

export const SETTINGS = {
  inventory: { ansible: 'DEFAULT_HOST_LIST', type: 'pathlist', env: ['ANSIBLE_INVENTORY'], ini: [{ section: 'defaults', key: 'inventory' }] },
  // Ansible's home (2.14): the base of its default paths; of those provision uses only roles_path's.
  home: { ansible: 'ANSIBLE_HOME', type: 'path', env: ['ANSIBLE_HOME'], ini: [{ section: 'defaults', key: 'home' }] },
  rolesPath: { ansible: 'DEFAULT_ROLES_PATH', type: 'pathspec', env: ['ANSIBLE_ROLES_PATH'], ini: [{ section: 'defaults', key: 'roles_path' }] },
  vaultPasswordFile: { ansible: 'DEFAULT_VAULT_PASSWORD_FILE', type: 'path', env: ['ANSIBLE_VAULT_PASSWORD_FILE'], ini: [{ section: 'defaults', key: 'vault_password_file' }] },
  vaultIdentityList: { ansible: 'DEFAULT_VAULT_IDENTITY_LIST', type: 'list', env: ['ANSIBLE_VAULT_IDENTITY_LIST'], ini: [{ section: 'defaults', key: 'vault_identity_list' }] },
  forks: { ansible: 'DEFAULT_FORKS', type: 'integer', env: ['ANSIBLE_FORKS'], ini: [{ section: 'defaults', key: 'forks' }] },
  remoteUser: { ansible: 'DEFAULT_REMOTE_USER', type: 'string', env: ['ANSIBLE_REMOTE_USER'], ini: [{ section: 'defaults', key: 'remote_user' }] },
  privateKeyFile: { ansible: 'DEFAULT_PRIVATE_KEY_FILE', type: 'path', env: ['ANSIBLE_PRIVATE_KEY_FILE'], ini: [{ section: 'defaults', key: 'private_key_file' }] },
  hostKeyChecking: {
    ansible: 'host_key_checking',
    type: 'boolean',
    env: ['ANSIBLE_HOST_KEY_CHECKING', 'ANSIBLE_SSH_HOST_KEY_CHECKING'],
    ini: [
      { section: 'defaults', key: 'host_key_checking' },
      { section: 'ssh_connection', key: 'host_key_checking' },
    ],
  },
  timeout: { ansible: 'DEFAULT_TIMEOUT', type: 'integer', env: ['ANSIBLE_TIMEOUT'], ini: [{ section: 'defaults', key: 'timeout' }] },
  become: { ansible: 'DEFAULT_BECOME', type: 'boolean', env: ['ANSIBLE_BECOME'], ini: [{ section: 'privilege_escalation', key: 'become' }] },
  becomeUser: { ansible: 'DEFAULT_BECOME_USER', type: 'string', env: ['ANSIBLE_BECOME_USER'], ini: [{ section: 'privilege_escalation', key: 'become_user' }] },
} as const satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof SETTINGS;

/**
 * Settings provision does not carry out. `refuse`: provision would do
 * something else than Ansible with the user's file (another login method,
 * privilege tool, transport, port, variable merging): an error, exit 4.
 * `warn`: usually harmless, but a user may rely on it: one warning a run.
 * `allowed` lists values that are what provision does anyway (no message).
 */
export interface UnreadSetting {
  ini: { section: string; key: string }[];
  env: string[];
  treatment: 'refuse' | 'warn';
  /** Values (lowercased) that match what provision does: nothing to say. */
  allowed?: string[];
  why: string;
}

const SSH = 'ssh_connection';
const PE = 'privilege_escalation';

export const UNREAD_SETTINGS: UnreadSetting[] = [
  { ini: [{ section: PE, key: 'become_method' }], env: ['ANSIBLE_BECOME_METHOD'], treatment: 'refuse', allowed: ['sudo'], why: 'provision becomes root with sudo only' },
  { ini: [{ section: PE, key: 'become_exe' }], env: ['ANSIBLE_BECOME_EXE'], treatment: 'refuse', allowed: ['sudo'], why: 'provision runs sudo itself' },
  { ini: [{ section: PE, key: 'become_flags' }], env: ['ANSIBLE_BECOME_FLAGS'], treatment: 'refuse', allowed: ['-h -s -n', ''], why: 'provision runs sudo with its own flags (Ansible\'s default -H -S -n)' },
  { ini: [{ section: PE, key: 'become_ask_pass' }], env: ['ANSIBLE_BECOME_ASK_PASS'], treatment: 'warn', allowed: ['false', 'no', 'off', '0', 'n', 'f'], why: 'provision asks for the sudo password only with -K (--ask-become-pass)' },
  { ini: [{ section: 'defaults', key: 'ask_pass' }], env: ['ANSIBLE_ASK_PASS'], treatment: 'refuse', allowed: ['false', 'no', 'off', '0', 'n', 'f'], why: 'provision logs in with keys only (ssh-agent or a key file), never a password' },
  { ini: [{ section: 'defaults', key: 'ask_vault_pass' }], env: ['ANSIBLE_ASK_VAULT_PASS'], treatment: 'warn', allowed: ['false', 'no', 'off', '0', 'n', 'f'], why: 'provision asks for the vault password only with -J (--ask-vault-pass)' },
  { ini: [{ section: 'defaults', key: 'transport' }], env: ['ANSIBLE_TRANSPORT'], treatment: 'refuse', allowed: ['ssh', 'smart'], why: 'provision connects over SSH only' },
  { ini: [{ section: 'defaults', key: 'remote_port' }], env: ['ANSIBLE_REMOTE_PORT'], treatment: 'refuse', why: 'provision does not read a port from ansible.cfg: set ansible_port in the inventory (or Port in ~/.ssh/config)' },
  { ini: [{ section: 'defaults', key: 'hash_behaviour' }], env: ['ANSIBLE_HASH_BEHAVIOUR'], treatment: 'refuse', allowed: ['replace'], why: 'provision replaces whole values (Ansible\'s default); merge is not supported' },
  { ini: [{ section: 'defaults', key: 'su' }], env: ['ANSIBLE_SU'], treatment: 'refuse', allowed: ['false', 'no', 'off', '0', 'n', 'f'], why: 'provision becomes root with sudo only' },
  { ini: [{ section: 'defaults', key: 'vault_id_match' }], env: ['ANSIBLE_VAULT_ID_MATCH'], treatment: 'warn', allowed: ['false', 'no', 'off', '0', 'n', 'f'], why: 'provision tries the passwords of the vault id first, then all the others' },
  { ini: [{ section: 'defaults', key: 'gathering' }], env: ['ANSIBLE_GATHERING'], treatment: 'warn', allowed: ['implicit'], why: 'provision reads the host facts a playbook uses when its play has gather_facts (default true)' },
  { ini: [{ section: 'defaults', key: 'strategy' }], env: ['ANSIBLE_STRATEGY'], treatment: 'warn', allowed: ['free'], why: 'provision runs each host through the play on its own (as the free strategy)' },
  {
    ini: [
      { section: 'defaults', key: 'pipelining' },
      { section: 'connection', key: 'pipelining' },
      { section: SSH, key: 'pipelining' },
    ],
    env: ['ANSIBLE_PIPELINING', 'ANSIBLE_SSH_PIPELINING'],
    treatment: 'warn',
    why: 'provision always sends its scripts on stdin over one connection',
  },
  { ini: [{ section: SSH, key: 'ssh_args' }], env: ['ANSIBLE_SSH_ARGS'], treatment: 'warn', why: 'provision does not run ssh: put the options in ~/.ssh/config (read as ssh reads it)' },
  { ini: [{ section: SSH, key: 'ssh_common_args' }], env: ['ANSIBLE_SSH_COMMON_ARGS'], treatment: 'warn', why: 'provision does not run ssh: set ansible_ssh_common_args in the inventory, or put the options in ~/.ssh/config' },
  { ini: [{ section: SSH, key: 'ssh_extra_args' }], env: ['ANSIBLE_SSH_EXTRA_ARGS'], treatment: 'warn', why: 'provision does not run ssh: set ansible_ssh_extra_args in the inventory, or put the options in ~/.ssh/config' },
  { ini: [{ section: SSH, key: 'ssh_executable' }], env: ['ANSIBLE_SSH_EXECUTABLE'], treatment: 'warn', allowed: ['ssh'], why: 'provision does not run ssh: it speaks SSH itself' },
  { ini: [{ section: SSH, key: 'control_path' }, { section: SSH, key: 'control_path_dir' }], env: ['ANSIBLE_SSH_CONTROL_PATH', 'ANSIBLE_SSH_CONTROL_PATH_DIR'], treatment: 'warn', why: 'provision keeps one connection per host for the run, without ssh multiplexing' },
  { ini: [{ section: SSH, key: 'retries' }, { section: 'connection', key: 'retries' }], env: ['ANSIBLE_SSH_RETRIES'], treatment: 'warn', allowed: ['0'], why: 'provision does not retry a connection: an unreachable host is reported' },
  { ini: [{ section: SSH, key: 'transfer_method' }, { section: SSH, key: 'scp_if_ssh' }], env: ['ANSIBLE_SSH_TRANSFER_METHOD', 'ANSIBLE_SCP_IF_SSH'], treatment: 'warn', why: 'provision sends files over its own connection (stdin, or SFTP for large files)' },
];
