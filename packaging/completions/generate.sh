#!/bin/sh
# Writes shell completions for baton from the built binary's --help, so they
# follow the CLI without hand edits: OUTDIR/baton.bash, OUTDIR/_baton (zsh) and
# OUTDIR/baton.fish. Run at build time by packaging/Packaging.cmake:
#   generate.sh path/to/baton OUTDIR
# The options and subcommands come from `baton --help` and `baton CMD --help`
# (CLI11's layout: "  -s,--long TYPE ...   description"). What --help cannot
# say (which arguments are jobs, files or fixed words) is in value_kind below.
set -eu
BATON=$1
OUT=$2
mkdir -p "$OUT"
# Fields are separated by the ASCII unit separator: unlike a tab, it is not
# IFS white space, so `read` keeps empty fields (an option without a short name).
US=$(printf '\037')

# options CMD: one line per option: SHORT US LONG US ARG(0|1) US DESCRIPTION.
# CMD "" is the global options.
options() {
  # shellcheck disable=SC2086
  "$BATON" $1 --help | awk '
    /^Options:/ { on = 1; next }
    on && /^[^ ]/ { on = 0 }
    on && /^  -/ {
      line = $0; sub(/^ +/, "", line)
      names = line; sub(/ .*/, "", names)
      rest = substr(line, length(names) + 1)
      arg = 0
      if (rest ~ /^ [A-Z]+/) { arg = 1; sub(/^ [A-Z]+/, "", rest) }
      sub(/^ \.\.\./, "", rest); sub(/^ REQUIRED/, "", rest); sub(/^ +/, "", rest)
      n = split(names, parts, ",")
      s = ""; l = ""
      for (i = 1; i <= n; i++) {
        if (parts[i] ~ /^--/) l = substr(parts[i], 3)
        else if (parts[i] ~ /^-/) s = substr(parts[i], 2)
      }
      printf "%s\037%s\037%s\037%s\n", s, l, arg, rest
    }'
}

# commands: NAME US ALIAS US DESCRIPTION, from the Subcommands: section.
commands() {
  "$BATON" --help | awk '
    /^Subcommands:/ { on = 1; next }
    on && /^$/ { exit }
    on && /^  [a-z]/ {
      line = $0; sub(/^ +/, "", line)
      names = line; sub(/  .*/, "", names)
      desc = substr(line, length(names) + 1); sub(/^ +/, "", desc)
      alias = ""
      if (names ~ /, /) { alias = names; sub(/.*, /, "", alias); sub(/, .*/, "", names) }
      printf "%s\037%s\037%s\n", names, alias, desc
    }'
}

# value_kind CMD LONG: what an option's value is: file, dir, job, signal,
# setting, or a list of fixed words after "words:". Empty: anything.
value_kind() {
  case "$1:$2" in
    :config|*:journal|*:output|*:error) echo file ;;
    *:chdir) echo dir ;;
    :set) echo setting ;;
    cancel:signal) echo signal ;;
    submit:open-mode) echo "words:append truncate" ;;
    submit:kill-on-invalid-dep) echo "words:yes no" ;;
    submit:export) echo "words:ALL NONE" ;;
    submit:signal) echo "words:USR1@60 USR2@60 TERM@60" ;;
    submit:time) echo "words:UNLIMITED" ;;
    submit:begin) echo "words:now+1h tomorrow" ;;
    worker:gpus) echo "words:auto none" ;;
    *) echo "" ;;
  esac
}

# positional_kind CMD: what a command's positional arguments are.
positional_kind() {
  case "$1" in
    status|queue|cancel|hold|release|update|wait|logs|explain) echo job ;;
    submit) echo command ;;
    workers) echo "words:drain resume" ;;
    journal) echo "words:check backup" ;;
    cron) echo "words:add list show pause resume remove run update" ;;
    crontab) echo file ;;
    *) echo none ;;
  esac
}

CMDS=$(commands)
NAMES=$(printf '%s\n' "$CMDS" | awk -F "$US" '{ print $1; if ($2 != "") print $2 }')

# ---------------------------------------------------------------- bash
{
  cat <<'HEAD'
# bash completion for baton. Generated from `baton --help` by
# packaging/completions/generate.sh; do not edit.

# Job ids of active jobs, and worker names; a broker that does not answer
# quickly yields nothing.
_baton_jobs() { baton --set client.timeout=500ms status 2>/dev/null | awk 'NR > 1 { print $1 }'; }
_baton_workers() { baton --set client.timeout=500ms workers 2>/dev/null | awk 'NR > 1 { print $1 }'; }
_baton_settings() { baton config 2>/dev/null | awk '/^\[/ { s = substr($1, 2, length($1) - 2) } /=/ && !/^#/ { print s "." $1 "=" }'; }

_baton_value() { # KIND CUR: completions for an option's value
  case $1 in
    file) COMPREPLY=($(compgen -f -- "$2")) ;;
    dir) COMPREPLY=($(compgen -d -- "$2")) ;;
    job) COMPREPLY=($(compgen -W "$(_baton_jobs)" -- "$2")) ;;
    signal) COMPREPLY=($(compgen -W "HUP INT QUIT KILL USR1 USR2 TERM CONT STOP" -- "$2")) ;;
    setting) compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W "$(_baton_settings)" -- "$2")) ;;
    words:*) COMPREPLY=($(compgen -W "${1#words:}" -- "$2")) ;;
    *) COMPREPLY=() ;;
  esac
}

_baton() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" i w
HEAD
  # Global options that take a value, so the scan for the command skips it.
  gl=$(options "" | awk -F "$US" '$3 == 1 { if ($1 != "") printf "-%s|", $1; printf "--%s|", $2 }')
  printf '  for ((i = 1; i < COMP_CWORD; i++)); do\n'
  printf '    w=${COMP_WORDS[i]}\n'
  printf '    case $w in\n'
  printf '      %s__none__) ((i++)) ;;\n' "$gl"
  printf '      -*) ;;\n'
  printf '      *) cmd=$w; break ;;\n'
  printf '    esac\n'
  printf '  done\n'
  printf '  case $cmd in\n'
  for c in "" $NAMES; do
    real=$c
    [ "$c" = queue ] && real=status
    opts=$(options "$real" | awk -F "$US" '{ if ($1 != "") printf "-%s ", $1; printf "--%s ", $2 }')
    printf '    %s)\n' "${c:-\"\"}"
    printf '      case $prev in\n'
    options "$real" | while IFS="$US" read -r s l a d; do
      [ "$a" = 1 ] || continue
      pat="--$l"; [ -n "$s" ] && pat="-$s|$pat"
      printf '        %s) _baton_value "%s" "$cur"; return ;;\n' "$pat" "$(value_kind "$real" "$l")"
    done
    printf '      esac\n'
    if [ -z "$c" ]; then
      printf '      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "%s" -- "$cur"))\n' "$opts"
      printf '      else COMPREPLY=($(compgen -W "%s" -- "$cur")); fi ;;\n' "$(echo $NAMES)"
      continue
    fi
    kind=$(positional_kind "$real")
    printf '      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "%s" -- "$cur")); return; fi\n' "$opts"
    case $kind in
      command) printf '      COMPREPLY=($(compgen -c -f -- "$cur")) ;;\n' ;;
      none) printf '      COMPREPLY=() ;;\n' ;;
      words:*)
        if [ "$real" = workers ]; then
          printf '      case $prev in drain|resume) COMPREPLY=($(compgen -W "$(_baton_workers)" -- "$cur")); return ;; esac\n'
        fi
        if [ "$real" = journal ]; then
          printf '      case $prev in backup) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac\n'
        fi
        printf '      _baton_value "%s" "$cur" ;;\n' "$kind" ;;
      *) printf '      _baton_value "%s" "$cur" ;;\n' "$kind" ;;
    esac
  done
  printf '  esac\n}\ncomplete -F _baton baton\n'
} > "$OUT/baton.bash"

# ---------------------------------------------------------------- zsh
# zsh_spec CMD: _arguments specs, one per line.
zsh_spec() {
  options "$1" | while IFS="$US" read -r s l a d; do
    d=$(printf '%s' "$d" | sed "s/[][]//g; s/'/'\\\\''/g; s/:/ /g")
    kind=$(value_kind "$1" "$l")
    act=""
    if [ "$a" = 1 ]; then
      case $kind in
        file) act=":file:_files" ;;
        dir) act=":directory:_files -/" ;;
        setting) act=":setting:_baton_settings" ;;
        signal) act=":signal:_signals" ;;
        words:*) act=":value:(${kind#words:})" ;;
        *) act=":value: " ;;
      esac
    fi
    rep=""
    case $d in *repeatable*) rep="*" ;; esac
    if [ -n "$s" ]; then
      printf "    '%s(-%s --%s)'{-%s,--%s}'[%s]%s' \\\\\n" "$rep" "$s" "$l" "$s" "$l" "$d" "$act"
    else
      printf "    '%s--%s[%s]%s' \\\\\n" "$rep" "$l" "$d" "$act"
    fi
  done
}
{
  cat <<'HEAD'
#compdef baton
# zsh completion for baton. Generated from `baton --help` by
# packaging/completions/generate.sh; do not edit.

_baton_jobs() {
  local -a jobs
  jobs=(${(f)"$(baton --set client.timeout=500ms status 2>/dev/null | awk 'NR > 1 { print $1 }')"})
  _describe -t jobs 'job' jobs
}
_baton_workers() {
  local -a w
  w=(${(f)"$(baton --set client.timeout=500ms workers 2>/dev/null | awk 'NR > 1 { print $1 }')"})
  _describe -t workers 'worker' w
}
_baton_settings() {
  local -a keys
  keys=(${(f)"$(baton config 2>/dev/null | awk '/^\[/ { s = substr($1, 2, length($1) - 2) } /=/ && !/^#/ { print s "." $1 }')"})
  compset -P '*=' && return
  _describe -t settings 'setting' keys -S =
}

_baton() {
  local curcontext=$curcontext state line ret=1
  typeset -A opt_args
  _arguments -C \
HEAD
  zsh_spec ""
  printf "    '1:command:->command' \\\\\n    '*::argument:->argument' && ret=0\n"
  printf '  case $state in\n    command)\n      local -a cmds\n      cmds=(\n'
  printf '%s\n' "$CMDS" | while IFS="$US" read -r n al d; do
    d=$(printf '%s' "$d" | sed "s/:/ /g; s/'/'\\\\''/g")
    printf "        '%s:%s'\n" "$n" "$d"
    if [ -n "$al" ]; then printf "        '%s:%s'\n" "$al" "$d"; fi
  done
  printf '      )\n      _describe -t commands command cmds && ret=0 ;;\n'
  printf '    argument)\n      curcontext=${curcontext%%:*}-$line[1]:\n      case $line[1] in\n'
  for c in $NAMES; do
    real=$c
    [ "$c" = queue ] && real=status
    printf '        %s)\n          _arguments \\\n' "$c"
    zsh_spec "$real"
    case $(positional_kind "$real") in
      job) printf "            '*:job:_baton_jobs' && ret=0 ;;\n" ;;
      command) printf "            '*::command:_normal' && ret=0 ;;\n" ;;
      none) printf "            && ret=0 ;;\n" ;;
      file) printf "            '1:crontab:_files' && ret=0 ;;\n" ;;
      *)
        if [ "$real" = workers ]; then
          printf "            '1:action:(drain resume)' '2:worker:_baton_workers' && ret=0 ;;\n"
        elif [ "$real" = cron ]; then
          printf "            '1:action:(add list show pause resume remove run update)' && ret=0 ;;\n"
        else
          printf "            '1:action:(check backup)' '2:destination:_files' && ret=0 ;;\n"
        fi ;;
    esac
  done
  printf '      esac ;;\n  esac\n  return ret\n}\n\n_baton "$@"\n'
} > "$OUT/_baton"

# ---------------------------------------------------------------- fish
fish_quote() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }
{
  cat <<'HEAD'
# fish completion for baton. Generated from `baton --help` by
# packaging/completions/generate.sh; do not edit.

function __baton_jobs
    baton --set client.timeout=500ms status 2>/dev/null | awk 'NR > 1 { print $1 }'
end
function __baton_workers
    baton --set client.timeout=500ms workers 2>/dev/null | awk 'NR > 1 { print $1 }'
end
function __baton_settings
    baton config 2>/dev/null | awk '/^\[/ { s = substr($1, 2, length($1) - 2) } /=/ && !/^#/ { print s "." $1 "=" }'
end

complete -c baton -f
HEAD
  all=$(echo $NAMES)
  fish_opts() { # CMD CONDITION
    options "$1" | while IFS="$US" read -r s l a d; do
      line="complete -c baton -n '$2'"
      [ -n "$s" ] && line="$line -s $s"
      line="$line -l $l"
      if [ "$a" = 1 ]; then
        case $(value_kind "$1" "$l") in
          file|dir) line="$line -r -F" ;;
          setting) line="$line -x -a '(__baton_settings)'" ;;
          signal) line="$line -x -a 'HUP INT QUIT KILL USR1 USR2 TERM CONT STOP'" ;;
          words:*) k=$(value_kind "$1" "$l"); line="$line -x -a '${k#words:}'" ;;
          *) line="$line -x" ;;
        esac
      fi
      printf "%s -d '%s'\n" "$line" "$(fish_quote "$d")"
    done
  }
  fish_opts "" "__fish_use_subcommand"
  printf '%s\n' "$CMDS" | while IFS="$US" read -r n al d; do
    printf "complete -c baton -n '__fish_use_subcommand' -a %s -d '%s'\n" "$n" "$(fish_quote "$d")"
    if [ -n "$al" ]; then printf "complete -c baton -n '__fish_use_subcommand' -a %s -d '%s'\n" "$al" "$(fish_quote "$d")"; fi
  done
  for c in $NAMES; do
    real=$c
    [ "$c" = queue ] && real=status
    cond="__fish_seen_subcommand_from $c"
    fish_opts "$real" "$cond"
    case $(positional_kind "$real") in
      job) printf "complete -c baton -n '%s' -a '(__baton_jobs)'\n" "$cond" ;;
      command) printf "complete -c baton -n '%s' -F -a '(__fish_complete_subcommand --fcs-skip=2)'\n" "$cond" ;;
      file) printf "complete -c baton -n '%s' -F\n" "$cond" ;;
      words:*)
        k=$(positional_kind "$real")
        printf "complete -c baton -n '%s; and not __fish_seen_subcommand_from %s' -a '%s'\n" "$cond" "${k#words:}" "${k#words:}"
        if [ "$real" = workers ]; then
          printf "complete -c baton -n '%s; and __fish_seen_subcommand_from drain resume' -a '(__baton_workers)'\n" "$cond"
        elif [ "$real" = journal ]; then
          printf "complete -c baton -n '%s; and __fish_seen_subcommand_from backup' -F\n" "$cond"
        fi ;;
    esac
  done
} > "$OUT/baton.fish"
