#!/usr/bin/env bats
# The README's tour, run as written: every ```sh block between
# <!-- tour:NAME --> and <!-- /tour --> runs in order in one bash -e shell,
# in a fresh HOME with no configuration. The cluster part's ports (7420,
# 7421) are replaced by free ones, so the test never collides with a real
# broker. If the README changes, this runs the new text.

load helpers

README="$BATS_TEST_DIRNAME/../../README.md"

setup() {
  setup_common
  setup_personal
  BIN_DIR=$(cd "$(dirname "$(command -v "$BATON")")" && pwd)
  TOUR_PGID=""
}

teardown() {
  [ -n "$TOUR_PGID" ] && kill -KILL -- "-$TOUR_PGID" 2>/dev/null
  stop_personal
  teardown_common
}

# tour NAME: the commands of that tour, one script.
tour() {
  awk -v name="$1" '
    $0 == "<!-- tour:" name " -->" { on = 1; next }
    on && $0 == "<!-- /tour -->" { exit }
    on && /^```/ { next }
    on { print }' "$README"
}

# run_tour FILE: runs it with `baton` on PATH, in its own process group (for
# clean-up), bounded; output in $output, exit status in $status.
run_tour() {
  run timeout 120 setsid bash -c 'echo $$ >"$1.pgid"; PATH="$2:$PATH"; set -e; cd "$HOME"; source "$1"' _ "$1" "$BIN_DIR"
  TOUR_PGID=$(cat "$1.pgid")
}

@test "the README's two-minute laptop tour runs as written" {
  tour laptop >"$TEST_DIR/laptop.sh"
  [ "$(grep -c '^baton ' "$TEST_DIR/laptop.sh")" -ge 10 ]
  run_tour "$TEST_DIR/laptop.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q "started\|baton is up" <<<"$output"
  grep -q "Submitted job 3" <<<"$output"
  [ "$(grep -c '^tick [123]$' <<<"$output")" -eq 3 ]
  grep -qx "49" <<<"$output"
  grep -qx "hello" <<<"$output"
  grep -q "baton is down" <<<"$output"
}

@test "the README's ten-minute cluster tour (a broker and two workers over TCP) runs as written" {
  local cport wport
  cport=$(free_port)
  wport=$(free_port)
  [ "$cport" != "$wport" ]
  tour cluster | sed -e "s/7420/$cport/g" -e "s/7421/$wport/g" >"$TEST_DIR/cluster.sh"
  grep -q "baton broker" "$TEST_DIR/cluster.sh"
  run_tour "$TEST_DIR/cluster.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -Eq "^node1 " <<<"$output"
  grep -Eq "^node2 " <<<"$output"
  # The history lists tasks on both workers.
  grep -Eq "^1_[0-9]+ .* node1 " <<<"$output"
  grep -Eq "^1_[0-9]+ .* node2 " <<<"$output"
  grep -Eq "^task 8 on node[12]$" <<<"$output"
  # `kill %1 %2 %3` stopped the broker and both workers.
  local p
  for p in $(pgrep -g "$TOUR_PGID"); do wait_gone "$p" 20; done
  [ -z "$(pgrep -g "$TOUR_PGID")" ]
}

@test "the README's high-availability walk-through (three brokers, the leader killed) runs as written" {
  local script="$TEST_DIR/ha.sh" port p
  tour ha >"$script"
  grep -q "ha.node_id" "$script"
  # Nine ports (751x clients, 752x workers, 753x Raft), each replaced by a free one.
  for p in 7511 7512 7513 7521 7522 7523 7531 7532 7533; do
    port=$(free_port)
    while grep -q ":$port\b" "$script"; do port=$(free_port); done
    sed -i "s/$p/$port/g" "$script"
  done
  run_tour "$script"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -Eq "^leader: node [123] at " <<<"$output"
  grep -Eq "^1 +before .*COMPLETED" <<<"$output"
  grep -Eq "^2 +after .*COMPLETED" <<<"$output"
}
