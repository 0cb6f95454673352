#!/usr/bin/env bats
# `baton logs`: a task's output, read on the worker that ran it and relayed
# by the broker, so the client needs no shared file system. Exact bytes,
# --stderr, --tail, -f while the task runs, a worker that is gone, and an
# array named without an index.

load helpers

setup() {
  setup_common
  start_broker
  start_worker w1 4
}

teardown() {
  teardown_common
}

worker_lost() {
  "$BATON" workers | awk -v n="$1" '$1 == n && $2 == "lost" { found = 1 } END { exit !found }'
}

# submit_wait ARGS...: submits, waits (bounded) for the job to end; prints its id.
submit_wait() {
  local id
  id=$("$BATON" submit --parsable "$@") || return 1
  timeout 20 "$BATON" wait "$id" >/dev/null || return 1
  echo "$id"
}

@test "logs prints a finished job's stdout byte for byte, and --stderr its -e file" {
  id=$(submit_wait -o out.txt -e err.txt -- sh -c 'printf "hello\nworld\n\000bin\nno newline"; echo oops >&2')
  printf 'hello\nworld\n\000bin\nno newline' > expected
  "$BATON" logs "$id" > got
  cmp got expected
  run "$BATON" logs --stderr "$id"
  [ "$status" -eq 0 ]
  [ "$output" = oops ]
}

@test "--stderr of a job without -e says stderr goes to the stdout file, and shows that file" {
  id=$(submit_wait -o both.txt -- sh -c 'echo to-out; echo to-err >&2')
  "$BATON" logs --stderr "$id" > got 2> note
  [ "$(cat got)" = "$(printf 'to-out\nto-err')" ]
  grep -q "no separate stderr file" note
  grep -q "both.txt" note
}

@test "output larger than one chunk arrives whole" {
  id=$(submit_wait -o big.txt -- seq 1 100000)
  "$BATON" logs "$id" > got
  seq 1 100000 > expected
  cmp got expected
}

@test "--tail 2 prints the last two lines of five" {
  id=$(submit_wait -o five.txt -- sh -c 'for i in 1 2 3 4 5; do echo "line $i"; done')
  run "$BATON" logs --tail 2 "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'line 4\nline 5')" ]
}

@test "logs -f prints lines while the task runs and exits 0 soon after it ends" {
  id=$("$BATON" submit --parsable -o slow.txt -- sh -c 'for i in 1 2 3 4; do echo "tick $i"; sleep 1; done')
  timeout 30 "$BATON" logs -f "$id" > follow.out 2> follow.err &
  fpid=$!
  STARTED_PIDS+=("$fpid")
  wait_until 10 grep -q "tick 1" follow.out
  # The first line came while the task still runs, before its last line.
  run grep -c "tick 4" follow.out
  [ "$output" = 0 ]
  [ "$(job_state "$id")" = RUNNING ]
  wait_gone "$fpid" 15
  wait "$fpid"
  rc=$?
  forget_pid "$fpid"
  [ "$rc" -eq 0 ]
  [ "$(cat follow.out)" = "$(printf 'tick 1\ntick 2\ntick 3\ntick 4')" ]
  [ "$(job_state "$id")" = COMPLETED ]
}

@test "--tail with -f starts at the last lines and follows on" {
  id=$("$BATON" submit --parsable -o tf.txt -- sh -c 'seq 1 10; sleep 1; echo more')
  wait_until 10 grep -q 10 tf.txt
  run timeout 20 "$BATON" logs --tail 3 -f "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '8\n9\n10\nmore')" ]
}

@test "a task that has not started: without -f it says so; with -f it waits and follows" {
  id=$("$BATON" submit --parsable --hold -o held.txt -- echo finally)
  run "$BATON" logs "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"task $id has not started yet (pending: Held)"* ]]
  timeout 20 "$BATON" logs -f "$id" > follow.out &
  fpid=$!
  STARTED_PIDS+=("$fpid")
  sleep 0.5
  "$BATON" release "$id"
  wait_gone "$fpid" 15
  wait "$fpid"
  rc=$?
  forget_pid "$fpid"
  [ "$rc" -eq 0 ]
  [ "$(cat follow.out)" = finally ]
}

@test "the file is read on the worker: a client that cannot see it still gets it" {
  command -v unshare >/dev/null && unshare -m true 2>/dev/null || skip "needs unshare -m (mount namespaces)"
  # The task's directory, and a relative -o inside it: only the worker opens it.
  mkdir -p only-worker/sub
  id=$(submit_wait -D only-worker -o "sub/%x-%j.out" -J hidden -- echo "seen through the worker")
  [ -f "only-worker/sub/hidden-$id.out" ]
  # The client runs from another directory, in a mount namespace where an
  # empty tmpfs covers the task's directory: were it to open the file, it would fail.
  cd /
  run unshare -m sh -c 'mount -t tmpfs none "$1" && [ ! -e "$1/sub" ] && exec "$2" logs "$3"' sh \
    "$TEST_DIR/only-worker" "$BATON" "$id"
  cd "$TEST_DIR"
  [ "$status" -eq 0 ]
  [ "$output" = "seen through the worker" ]
}

@test "a task whose worker is gone says which worker and where its file was" {
  id=$(submit_wait -o gone.txt -- echo bye)
  kill -9 "${WORKER_PIDS[w1]}"
  wait_gone "${WORKER_PIDS[w1]}" 5
  forget_pid "${WORKER_PIDS[w1]}"
  wait_until 10 worker_lost w1
  run "$BATON" logs "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"task $id ran on worker w1, which is no longer connected; its output file was $TEST_DIR/gone.txt on that host"* ]]
}

@test "an array named without an index is a usage error naming a task; an unknown job is refused" {
  id=$("$BATON" submit --parsable -a 3-5 -o /dev/null -- true)
  run "$BATON" logs "$id"
  [ "$status" -eq 2 ]
  [[ "$output" == *"job $id is an array: name one task, e.g. ${id}_3"* ]]
  run "$BATON" logs 987654
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown job 987654"* ]]
}

@test "a reader that goes away (| head) ends logs quietly with status 0" {
  id=$(submit_wait -o many.txt -- seq 1 200000)
  run bash -c 'set -o pipefail; "$1" logs "$2" | head -n 1' sh "$BATON" "$id"
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
}
