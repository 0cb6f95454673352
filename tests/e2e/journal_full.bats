#!/usr/bin/env bats
# A journal on a full file system: the broker stays up, refuses changes with a
# clear error (exit 1) while still answering status, and once space returns it
# accepts work again with nothing lost. Needs root to mount a small tmpfs; it
# is skipped elsewhere.

load helpers

setup() {
  setup_common
  [ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
  mkdir "$TEST_DIR/fs"
  mount -t tmpfs -o size=3m tmpfs "$TEST_DIR/fs" 2>/dev/null || skip "cannot mount a tmpfs here"
  MOUNTED=1
}

teardown() {
  teardown_common_keep_dir
  if [ -n "${MOUNTED:-}" ]; then umount "$TEST_DIR/fs" 2>/dev/null || umount -l "$TEST_DIR/fs"; fi
  cleanup_dir
}

teardown_common_keep_dir() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${STARTED_PIDS[@]}"; do wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null; done
  cd /
}

cleanup_dir() {
  if [ -n "${BATS_TEST_COMPLETED:-}" ]; then rm -rf "$TEST_DIR"; else echo "# kept $TEST_DIR" >&3; fi
}

# A script of about 400 KB (a comment): its snapshot makes a large journal row.
big_script() {
  { echo '#!/bin/sh'; echo 'true'; head -c 400000 /dev/zero | tr '\0' 'x' | fold -w 100 | sed 's/^/# /'; } >"$1"
}

@test "a full journal file system: refused with a clear error, status still served, nothing lost when space returns" {
  JOURNAL=$TEST_DIR/fs/journal.db start_broker
  start_worker w1 2
  local acked=() id
  for i in 1 2 3 4 5; do
    id=$("$BATON" submit --parsable -- true)
    acked+=("$id")
  done
  run "$BATON" wait "${acked[@]}"
  [ "$status" -eq 0 ]

  # Fill the file system, then submit large jobs until one is refused.
  dd if=/dev/zero of="$TEST_DIR/fs/filler" bs=64k 2>/dev/null || true
  big_script "$TEST_DIR/big.sh"
  local refused=""
  for i in $(seq 1 20); do
    run "$BATON" submit --parsable "$TEST_DIR/big.sh"
    if [ "$status" -eq 0 ]; then acked+=("$output"); continue; fi
    refused=$output
    break
  done
  echo "refusal: $refused (exit $status)"
  [ "$status" -eq 1 ]
  [[ "$refused" == *"cannot write its journal"* ]]
  [[ "$refused" == *"full"* ]]
  kill -0 "$BROKER_PID"

  # Read-only: status answers, other changes are refused too.
  run "$BATON" status -a
  [ "$status" -eq 0 ]
  [[ "$output" == *"${acked[0]}"* ]]
  run "$BATON" hold "${acked[0]}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot write its journal"* ]]
  grep -q "read-only until it can write again" "$TEST_DIR/broker.log.cur"

  # Space returns: the broker resumes on its own, and runs new work.
  rm -f "$TEST_DIR/fs/filler"
  wait_until 15 "$BATON" submit --parsable -- true
  id=$("$BATON" submit --parsable -- sh -c 'exit 3') || true
  run "$BATON" wait --timeout 20s "$id"
  [ "$status" -eq 3 ]
  grep -q "writable again" "$TEST_DIR/broker.log.cur"
  kill -0 "$BROKER_PID"

  # Nothing acknowledged was lost: every acked job is known and completed.
  for id in "${acked[@]}"; do
    run "$BATON" wait --timeout 20s "$id"
    [ "$status" -eq 0 ]
  done
}
