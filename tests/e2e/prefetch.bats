#!/usr/bin/env bats
# Prefetch with real processes: a full worker holds queued tasks of a
# short-task array and starts each when a slot frees, never running more than
# its cpus at once; cancel and a stopping worker leave nothing behind.

load helpers

setup() {
  setup_common
  start_broker
  export EVENTS="$TEST_DIR/events"
}

teardown() {
  teardown_common
}

# Appends "S <ns> <index>" at the start and "E <ns> <index>" at the end.
TASK='echo "S $(date +%s%N) $BATON_ARRAY_TASK_ID" >>"$EVENTS"; sleep "$0"; echo "E $(date +%s%N) $BATON_ARRAY_TASK_ID" >>"$EVENTS"'

# running_now JOB: how many of JOB's tasks the broker lists as RUNNING.
running_now() {
  "$BATON" status --json "$1" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for j in d["jobs"] for t in j.get("tasks", []) if t.get("state") == "RUNNING"))'
}

# json_state JOB: the job's state, a summary of its tasks.
json_state() {
  "$BATON" status --json "$1" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["jobs"][0]["state"])'
}
state_is() { [ "$(json_state "$1")" = "$2" ]; }

running_at_least() { [ "$(running_now "$1")" -ge "$2" ]; }
ended_at_least() { [ "$(awk '$1 == "E"' "$EVENTS" 2>/dev/null | wc -l)" -ge "$1" ]; }

# starts_once: every index in $EVENTS started exactly once.
starts_once() {
  awk '$1 == "S" { n[$3]++ } END { for (i in n) if (n[i] != 1) { print "index " i " started " n[i] " times"; bad = 1 } exit bad }' "$EVENTS"
}

@test "a one-cpu worker gets queued tasks yet runs one at a time, every task once" {
  start_worker w1 1
  id=$("$BATON" submit --parsable -a 0-79 -o /dev/null -- sh -c "$TASK" 0.03)
  # While it runs the broker lists a running task and a queued one.
  seen=0
  for _ in $(seq 60); do
    n=$(running_now "$id")
    [ "${n:-0}" -ge 2 ] && { seen=1; break; }
    sleep 0.05
  done
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$seen" -eq 1 ]
  [ "$(max_overlap "$EVENTS")" -eq 1 ]
  [ "$(awk '$1 == "S"' "$EVENTS" | wc -l)" -eq 80 ]
  run starts_once
  [ "$status" -eq 0 ]
}

@test "cancelling an array with tasks queued on the worker ends them all; the worker ends idle" {
  start_worker w1 1
  id=$("$BATON" submit --parsable -a 0-199 -o /dev/null -- sh -c "$TASK" 0.05)
  wait_until 20 ended_at_least 1
  wait_until 20 running_at_least "$id" 2
  run "$BATON" cancel "$id"
  [ "$status" -eq 0 ]
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -ne 0 ]
  wait_until 10 state_is "$id" CANCELLED || { "$BATON" status -r "$id" >&2; false; }
  wait_until 10 bash -c "'$BATON' workers | awk '\$1 == \"w1\" && \$2 == \"idle\" { f = 1 } END { exit !f }'"
  [ "$(running_now "$id")" -eq 0 ]
  [ "$(max_overlap "$EVENTS")" -eq 1 ]
  run starts_once
  [ "$status" -eq 0 ]
}

@test "a stopping worker hands its queued tasks back at once; another worker runs them, each once" {
  start_worker w1 1 --drain-timeout 10s
  w1=$WORKER_PID
  id=$("$BATON" submit --parsable -a 0-59 -o /dev/null -- sh -c "$TASK" 0.05)
  wait_until 20 ended_at_least 5
  wait_until 20 running_at_least "$id" 2
  kill -TERM "$w1"
  wait_gone "$w1" 15
  forget_pid "$w1"
  start_worker w2 1
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(awk '$1 == "S"' "$EVENTS" | wc -l)" -eq 60 ]
  run starts_once
  [ "$status" -eq 0 ]
  [ "$(max_overlap "$EVENTS")" -eq 1 ]
}
