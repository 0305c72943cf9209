/**
 * The completion scripts `provision completion SHELL` prints. Each asks the
 * hidden `provision __complete WORDS...` for candidates (subcommands, flags,
 * playbook files, inventory hosts and groups, tags): one place holds the rules,
 * and no host is touched.
 */
const bash = `# provision completion for bash: eval "$(provision completion bash)"
_provision_complete() {
  local IFS=$'\\n'
  COMPREPLY=( $(provision __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
  # A directory is a step on the way, not an answer: no space after it.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]]; then compopt -o nospace 2>/dev/null; fi
}
complete -F _provision_complete provision
`;

// zsh runs the bash function through its bash compatibility layer: one set of rules.
const zsh = `# provision completion for zsh: eval "$(provision completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash}`;

const fish = `# provision completion for fish: provision completion fish | source
complete -c provision -f -a '(provision __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;

export const COMPLETION_SCRIPTS = { bash, zsh, fish } as const;
export type CompletionShell = keyof typeof COMPLETION_SCRIPTS;
