#!/usr/bin/env bats
# The man pages agree with the program: each renders without a groff warning,
# every command `baton --help` lists has a page, every long option a command's
# --help shows is in that command's page, and every setting `baton config`
# prints is in baton.toml(5) and in the packaged packaging/baton.toml.
#
# Where the pages are: the build renders them into a man tree in the build
# directory, next to the binary's own directory (man/CMakeLists.txt):
#   BATON_BIN = BUILD/cmd/baton  ->  pages in BUILD/man/man1, BUILD/man/man5.
# BATON_MAN_DIR overrides that, e.g. BATON_MAN_DIR=/usr/share/man for an
# installed package (pages may then be gzipped).

load helpers

setup() {
  # setup_common changes directory: make a relative BATON_BIN absolute first.
  case $BATON in /*) ;; */*) BATON=$PWD/$BATON ;; esac
  setup_common
  MAN_DIR=${BATON_MAN_DIR:-$(cd "$(dirname "$(command -v "$BATON")")/../man" 2>/dev/null && pwd)}
  [ -n "$MAN_DIR" ] && [ -d "$MAN_DIR/man1" ] || {
    echo "no man pages next to $BATON (expected $(dirname "$BATON")/../man/man1; build the 'man' target)" >&2
    return 1
  }
  # No configuration file may leak in: `baton config` must show the defaults.
  : > "$TEST_DIR/empty.toml"
  export BATON_CONFIG="$TEST_DIR/empty.toml"
}

teardown() {
  teardown_common
}

# page NAME SECTION: the page's file (plain or gzipped), relative to MAN_DIR.
page() {
  local f
  for f in "man$2/$1.$2" "man$2/$1.$2.gz"; do
    [ -f "$MAN_DIR/$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

# roff FILE: the page's roff source, gunzipped if need be.
roff() {
  case $1 in *.gz) gzip -dc "$MAN_DIR/$1" ;; *) cat "$MAN_DIR/$1" ;; esac
}

# text NAME SECTION: the page as a reader sees it, on lines long enough that
# nothing is broken or hyphenated, with typographic hyphens and minus signs
# turned back into "-".
text() {
  local f
  f=$(page "$1" "$2") || { echo "no page $1($2)" >&2; return 1; }
  (cd "$MAN_DIR" && roff "$f" | groff -man -Tutf8 -rLL=1000n -rHY=0 -P-cbou) |
    sed 's/\xe2\x80\x90/-/g; s/\xe2\x80\x91/-/g; s/\xe2\x88\x92/-/g'
}

# commands: the commands `baton --help` lists, one per line, "name alias".
commands() {
  "$BATON" --help | awk '
    /^Subcommands:/ { on = 1; next }
    on && /^$/ { exit }
    on && /^  [a-z]/ { line = $0; sub(/^ +/, "", line); sub(/  .*/, "", line); sub(/,/, "", line); print line }'
}

# long_options [CMD]: the long options `baton [CMD] --help` shows, one per line.
long_options() {
  "$BATON" "$@" --help | awk '
    /^Options:/ { on = 1; next }
    on && /^[^ ]/ { on = 0 }
    on && /^  -/ {
      n = split($1, names, ",")
      for (i = 1; i <= n; i++) if (names[i] ~ /^--/) print names[i]
    }'
}

# settings: every "section.key" that `baton config` prints.
settings() {
  "$BATON" config | awk '
    /^\[/ { section = substr($1, 2, length($1) - 2); next }
    /^[a-z_]+ = / { print section "." $1 }'
}

@test "every man page renders without a groff warning" {
  local f out n=0 failed=0
  cd "$MAN_DIR"
  for f in man1/* man5/*; do
    n=$((n + 1))
    out=$(roff "$f" | groff -man -ww -Tutf8 -z 2>&1)
    if [ -n "$out" ]; then
      echo "$f: $out" >&2
      failed=1
    fi
  done
  [ "$n" -ge 18 ] || { echo "only $n pages in $MAN_DIR" >&2; return 1; }
  [ "$failed" = 0 ]
}

@test "every command in baton --help has a page, which names its alias" {
  local name alias missing=""
  while read -r name alias; do
    page "baton-$name" 1 >/dev/null || { missing="$missing baton-$name(1)"; continue; }
    if [ -n "$alias" ]; then
      text "baton-$name" 1 | grep -qw -- "$alias" || missing="$missing $alias-in-baton-$name(1)"
      page "baton-$alias" 1 >/dev/null || missing="$missing baton-$alias(1)"
    fi
    text baton 1 | grep -q -- "baton-$name(1)" || missing="$missing baton-$name-in-baton(1)"
  done < <(commands)
  [ "$(commands | wc -l)" -ge 16 ]
  page baton 1 >/dev/null || missing="$missing baton(1)"
  page baton.toml 5 >/dev/null || missing="$missing baton.toml(5)"
  [ -z "$missing" ] || { echo "missing:$missing" >&2; return 1; }
}

@test "every long option of each command's --help is in its page" {
  local name alias opt page_text missing=""
  [ "$(commands | wc -l)" -ge 16 ]
  while read -r name alias; do
    page_text=$(text "baton-$name" 1) || { missing="$missing baton-$name(1)"; continue; }
    for opt in $(long_options "$name"); do
      grep -qe "$opt\\b" <<<"$page_text" || missing="$missing $name:$opt"
    done
  done < <(commands)
  [ -z "$missing" ] || { echo "not in the command's page:$missing" >&2; return 1; }
}

@test "every global option of baton --help is in baton(1)" {
  local opt page_text missing=""
  page_text=$(text baton 1)
  for opt in $(long_options); do
    grep -qe "$opt\\b" <<<"$page_text" || missing="$missing $opt"
  done
  [ "$(long_options | wc -l)" -ge 5 ]
  [ -z "$missing" ] || { echo "not in baton(1):$missing" >&2; return 1; }
}

@test "baton(1), baton-submit(1) and baton-wait(1) state the exit status contract" {
  local p t
  for p in baton baton-submit baton-wait; do
    t=$(text "$p" 1 | sed -n '/^EXIT STATUS/,/^[A-Z]/p')
    for word in 124 125 '128+N' 3; do
      grep -qF -- "$word" <<<"$t" || { echo "$p(1) EXIT STATUS lacks $word" >&2; return 1; }
    done
  done
}

@test "every setting baton config prints is in baton.toml(5)" {
  local key page_text missing=""
  page_text=$(text baton.toml 5)
  for key in $(settings); do
    grep -qF -- "$key" <<<"$page_text" || missing="$missing $key"
  done
  [ "$(settings | wc -l)" -ge 30 ]
  [ -z "$missing" ] || { echo "not in baton.toml(5):$missing" >&2; return 1; }
}

@test "packaging/baton.toml is a valid configuration that lists every setting" {
  local conf="$BATS_TEST_DIRNAME/../../packaging/baton.toml" key missing=""
  run "$BATON" --config "$conf" config
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
  # Keys appear as "key = value" or "#key = value" under their [section].
  local listed
  listed=$(awk '
    /^#? *\[[a-z]+\]/ { s = $0; sub(/^#? *\[/, "", s); sub(/\].*/, "", s); next }
    /^#?[a-z_]+ *=/ { k = $0; sub(/^#/, "", k); sub(/ *=.*/, "", k); print s "." k }' "$conf")
  for key in $(settings); do
    grep -qxF -- "$key" <<<"$listed" || missing="$missing $key"
  done
  [ -z "$missing" ] || { echo "not in packaging/baton.toml:$missing" >&2; return 1; }
}
