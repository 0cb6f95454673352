#!/usr/bin/env bats
# `baton top` driven in tmux as a person would: it shows the queue, the
# workers with load bars and the running tasks; keys sort, filter and quit.
# Piped, it prints the view once as plain text. NO_COLOR turns colour off.

load helpers

setup() {
  setup_common
  command -v tmux >/dev/null || skip "tmux is not installed"
  TMUX_SOCK="baton-top-$$"
}

teardown() {
  tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
  teardown_common
}

# top_in_tmux [ENV=VALUE...]: runs baton top in a detached 120x40 tmux session.
top_in_tmux() {
  tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s top -x 120 -y 40 \
    env "BATON_BROKER=$BATON_BROKER" "HOME=$HOME" "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" TERM=screen "$@" "$BATON" top
}

screen_text() { tmux -L "$TMUX_SOCK" capture-pane -p -t top; }
screen_has() { screen_text | grep -Eq -- "$1"; }
keys() { tmux -L "$TMUX_SOCK" send-keys -t top "$@"; }

@test "top shows the queue, workers and running tasks; s sorts, u filters, c clears, q quits" {
  start_broker
  start_worker w1 2
  "$BATON" submit -J quick -a 1-6 -- true >/dev/null
  "$BATON" wait 1
  "$BATON" submit -J sleeper -a 1-4 -- sleep 30 >/dev/null
  top_in_tmux
  wait_until 10 screen_has 'TASKS +pending 2 +running 2 +completed 6'
  screen_has 'w1 +busy +\[#{20}\] +2/2'
  screen_has '^2_[12] +[a-z0-9_-]+ +w1 +0:[0-9]{2} +sleeper'
  screen_has 'THROUGHPUT'
  screen_has 'sort \(elapsed\)'

  keys s
  wait_until 5 screen_has 'sort \(job\)'

  keys u
  wait_until 5 screen_has 'user \(empty: everyone\)'
  keys nobody Enter
  wait_until 5 screen_has 'user=nobody'
  wait_until 5 screen_has 'TASKS +pending 0 +running 0 +completed 0'
  ! screen_has 'sleeper' || false

  keys c
  wait_until 5 screen_has 'TASKS +pending 2 +running 2'

  keys f
  keys gpu Enter
  wait_until 5 screen_has 'queue=gpu'
  ! screen_has '^w1 ' || false

  keys q
  wait_until 5 bash -c "! tmux -L '$TMUX_SOCK' has-session -t top 2>/dev/null"
}

@test "top colours worker states on a terminal, and not with NO_COLOR" {
  start_broker
  start_worker w1 1
  top_in_tmux
  wait_until 10 screen_has 'w1 +idle'
  # A foreground colour, 30-38 (39 is the default colour, which ncurses
  # writes with colour off too).
  tmux -L "$TMUX_SOCK" capture-pane -e -p -t top | grep -q $'\e\\[3[0-8]m'
  keys q
  wait_until 5 bash -c "! tmux -L '$TMUX_SOCK' has-session -t top 2>/dev/null"

  top_in_tmux NO_COLOR=1
  wait_until 10 screen_has 'w1 +idle'
  ! tmux -L "$TMUX_SOCK" capture-pane -e -p -t top | grep -q $'\e\\[3[0-8]m' || false
  keys q
}

@test "piped, top prints the view once as plain text" {
  start_broker
  start_worker w1 2
  "$BATON" submit -J sleeper -a 1-3 -- sleep 30 >/dev/null
  wait_until 10 status_has 'RUNNING'
  wait_until 10 bash -c "'$BATON' top | grep -q 'running 2'"
  run bash -c "'$BATON' top | cat"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"TASKS pending 1 running 2 completed 0"* ]]
  [[ "$output" == *"w1 busy [##########] 2/2 2"* ]]
  [[ "$output" == *"1_1 "*" w1 "* ]]
  [[ "$output" != *$'\e'* ]]
}
