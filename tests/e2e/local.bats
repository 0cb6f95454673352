#!/usr/bin/env bats
# Zero-config local mode: client commands start the personal broker and
# worker (`baton up`) when no broker is configured; `up`, `down`, progress.

load helpers

setup() {
  setup_common
  setup_personal
  RUN="$XDG_RUNTIME_DIR/baton"
}

teardown() {
  stop_personal
  teardown_common
}

# The pids of baton brokers running with this test's runtime directory.
our_brokers() {
  local p
  for p in $(pgrep -x baton); do
    tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qx broker || continue
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" && echo "$p"
  done
}

@test "the first submit in a fresh HOME starts a broker and worker, says so once, and runs the job" {
  run timeout 30 "$BATON" submit --wait -- echo hi
  [ "$status" -eq 0 ]
  [ "$(grep -c 'started a local broker' <<<"$output")" -eq 1 ]
  grep -q "Submitted job 1" <<<"$output"
  run timeout 10 "$BATON" logs 1
  [ "$status" -eq 0 ]
  [ "$output" = "hi" ]
  [ -f "$XDG_STATE_HOME/baton/journal.db" ]
  [ "$(our_brokers | wc -l)" -eq 1 ]
  # Now it is running: no second start, no message.
  run timeout 10 "$BATON" status
  [ "$status" -eq 0 ]
  ! grep -q "started" <<<"$output" || false
}

@test "two concurrent first submits leave exactly one broker, and both jobs run" {
  timeout 30 "$BATON" submit --parsable -- echo one >"$TEST_DIR/a.out" 2>"$TEST_DIR/a.err" &
  local a=$!
  timeout 30 "$BATON" submit --parsable -- echo two >"$TEST_DIR/b.out" 2>"$TEST_DIR/b.err" &
  local b=$!
  wait "$a"
  wait "$b"
  [ "$(cat "$TEST_DIR/a.err" "$TEST_DIR/b.err" | grep -c 'started a local broker')" -eq 1 ]
  [ "$(sort -n "$TEST_DIR/a.out" "$TEST_DIR/b.out" | tr '\n' ' ')" = "1 2 " ]
  [ "$(our_brokers | wc -l)" -eq 1 ]
  run timeout 30 "$BATON" wait 1 2
  [ "$status" -eq 0 ]
}

@test "autostart = false and a configured broker never start one" {
  run timeout 20 "$BATON" --set client.autostart=false --set client.timeout=1s status
  [ "$status" -eq 3 ]
  [ -z "$(our_brokers)" ]
  BATON_AUTOSTART=false run timeout 20 "$BATON" --set client.timeout=1s status
  [ "$status" -eq 3 ]
  [ -z "$(our_brokers)" ]
  run timeout 20 "$BATON" --broker tcp://127.0.0.1:9 --set client.timeout=1s submit -- true
  [ "$status" -eq 3 ]
  grep -q "cannot reach the broker at tcp://127.0.0.1:9" <<<"$output"
  [ -z "$(our_brokers)" ]
  [ ! -e "$RUN/broker.pid" ]
}

@test "up --cpus N offers N cpus; up again says so; down stops both and keeps the queue" {
  run timeout 30 "$BATON" up --cpus 3
  [ "$status" -eq 0 ]
  grep -q "baton is up: broker pid [0-9]*, worker pid [0-9]* (3 cpus)" <<<"$output"
  local broker worker
  broker=$(cat "$RUN/broker.pid")
  worker=$(cat "$RUN/worker.pid")
  run "$BATON" workers
  grep -Eq " 0/3 " <<<"$output"
  run timeout 30 "$BATON" up
  [ "$status" -eq 0 ]
  grep -q "already up" <<<"$output"
  [ "$(cat "$RUN/broker.pid")" = "$broker" ]
  "$BATON" submit --hold -J kept -- true
  run timeout 40 "$BATON" down
  [ "$status" -eq 0 ]
  ! kill -0 "$broker" 2>/dev/null || false
  ! kill -0 "$worker" 2>/dev/null || false
  # The held job is still there after the next (automatic) start.
  run timeout 30 "$BATON" status 1
  [ "$status" -eq 0 ]
  grep -q "kept.*PENDING" <<<"$output"
}

@test "-v says where a job's output will be" {
  timeout 30 "$BATON" up >/dev/null
  run timeout 30 "$BATON" -v submit -D "$TEST_DIR" -e 'err-%j.txt' -- true
  [ "$status" -eq 0 ]
  grep -q "job 1: queue default, in $TEST_DIR; output $TEST_DIR/baton-1.out, errors $TEST_DIR/err-1.txt" <<<"$output"
  run timeout 30 "$BATON" submit -- true
  ! grep -q "queue default" <<<"$output" || false
}

@test "-q silences the start message and the job id; --parsable still prints it" {
  run timeout 30 "$BATON" -q submit -- true
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run timeout 30 "$BATON" -q submit --parsable -- true
  [ "$status" -eq 0 ]
  [ "$output" = "2" ]
}

@test "wait --progress draws a bar on a terminal and nothing when piped" {
  command -v script >/dev/null || skip "script(1) is not installed"
  timeout 30 "$BATON" up >/dev/null
  run timeout 30 "$BATON" submit --parsable -a 1-12 -- sleep 0.3
  [ "$status" -eq 0 ]
  local job=$output
  # Piped: stderr has nothing but the exit.
  run timeout 60 "$BATON" wait --progress "$job"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # On a terminal (script(1) gives the command a pty).
  run timeout 60 "$BATON" submit --parsable -a 1-12 -- sleep 0.3
  job=$output
  run timeout 60 script -qec "$BATON wait --progress $job; echo rc=\$?" /dev/null
  [ "$status" -eq 0 ]
  grep -Eq '\[[#.]+\] [0-9]+/12 ' <<<"$output"
  grep -q "pending, .* running, .* done, 0 failed" <<<"$output"
  grep -q "12 tasks: 12 completed in" <<<"$output"
  grep -q "rc=0" <<<"$output"
  # -q: no bar even on a terminal.
  run timeout 60 script -qec "$BATON -q wait --progress $job" /dev/null
  ! grep -q "tasks:" <<<"$output" || false
}

@test "a personal broker and worker whose runtime directory is removed stop; the next submit starts one broker" {
  run timeout 30 "$BATON" up --cpus 1
  [ "$status" -eq 0 ]
  local broker worker
  broker=$(cat "$RUN/broker.pid")
  worker=$(cat "$RUN/worker.pid")
  rm -rf "$RUN"
  # The next command starts a new pair at once: it waits for the old broker
  # to let go of the journal instead of failing.
  run timeout 30 "$BATON" submit --wait -- true
  [ "$status" -eq 0 ]
  wait_gone "$broker" 10
  wait_gone "$worker" 20
  [ "$(our_brokers | wc -l)" -eq 1 ]
  [ "$(our_brokers)" = "$(cat "$RUN/broker.pid")" ]
  run timeout 30 "$BATON" submit --wait -- true
  [ "$status" -eq 0 ]
}

@test "a start that finds the journal held by a broker that does not answer names its pid" {
  # A broker on other sockets, with the personal journal.
  "$BATON" broker --clients "ipc://$TEST_DIR/other-c.sock" --workers "ipc://$TEST_DIR/other-w.sock" \
    >"$TEST_DIR/other.log" 2>&1 &
  local other=$!
  STARTED_PIDS+=("$other")
  wait_until 10 grep -q "up: clients" "$TEST_DIR/other.log"
  run timeout 30 "$BATON" --set client.timeout=1s status
  [ "$status" -eq 3 ]
  [[ "$output" == *"held by a broker (pid $other)"* ]]
  kill -0 "$other"
}
