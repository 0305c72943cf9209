/**
 * What `ansible-vault encrypt_string` prints: `NAME: !vault |` (or a bare
 * `!vault |`) and the vault text indented 10 spaces, ready to paste into YAML.
 */
export function formatVaultYaml(vaultText: string, name?: string): string {
  const lines = vaultText.split('\n').filter((line) => line !== '');
  return [`${name ? `${name}: ` : ''}!vault |`, ...lines.map((line) => `          ${line}`)].join('\n');
}
