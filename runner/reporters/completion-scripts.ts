// The shell completion scripts `dag completion bash|zsh` prints: each asks `dag __complete` for the candidates, files where it offers none.

/** Bash: `eval "$(dag completion bash)"` in ~/.bashrc. */
export const BASH_COMPLETION = `# dag completion for bash: eval "$(dag completion bash)" (e.g. in ~/.bashrc)
_dag_complete() {
  local IFS=$'\\n'
  local candidates
  candidates=$(dag __complete "\${COMP_CWORD}" "\${COMP_WORDS[@]}" 2>/dev/null)
  COMPREPLY=( $(compgen -W "\${candidates}" -- "\${COMP_WORDS[COMP_CWORD]}") )
}
complete -o default -o nospace -F _dag_complete dag
`;

/** Zsh: `eval "$(dag completion zsh)"` in ~/.zshrc (after compinit). */
export const ZSH_COMPLETION = `# dag completion for zsh: eval "$(dag completion zsh)" (e.g. in ~/.zshrc, after compinit)
_dag_complete() {
  local -a candidates
  candidates=("\${(@f)$(dag __complete $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -Q -S '' -a candidates
  else
    _files
  fi
}
compdef _dag_complete dag
`;
