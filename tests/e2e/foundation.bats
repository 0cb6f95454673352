#!/usr/bin/env bats
# The foundation: a real broker and two workers on loopback TCP.

load helpers

setup() {
  setup_common
  start_broker
}

teardown() {
  teardown_common
}

@test "50 jobs complete with the right output files and exit codes" {
  start_worker w1 2
  start_worker w2 2
  for i in $(seq 1 50); do
    run "$BATON" submit --parsable -o "out-%j.txt" -- sh -c "echo line-$i; exit $((i % 4))"
    [ "$status" -eq 0 ]
    ids[$i]=$output
  done
  for i in $(seq 1 50); do
    run timeout 60 "$BATON" wait "${ids[$i]}"
    [ "$status" -eq $((i % 4)) ]
    [ "$(cat "out-${ids[$i]}.txt")" = "line-$i" ]
  done
  # Both workers took a share.
  run "$BATON" history -n 0
  grep -q " w1" <<<"$output" || "$BATON" status -a | grep -q w1
}

@test "cancelling a running sleep job ends its whole process tree" {
  start_worker w1 1
  id=$("$BATON" submit --parsable -- sh -c 'echo $$ > leader.pid; sleep 300 & sleep 300; wait')
  wait_until 10 test -s leader.pid
  pgid=$(cat leader.pid)
  wait_until 5 pgrep -g "$pgid" sleep
  run "$BATON" cancel "$id"
  [ "$status" -eq 0 ]
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 125 ]
  wait_until 10 bash -c "! pgrep -g $pgid"
  [ "$(job_state "$id")" = CANCELLED ]
}

@test "kill -9 of a worker in the middle of a job: the job finishes on the other worker" {
  start_worker w1 1
  id=$("$BATON" submit --parsable -o out.txt -- sh -c 'echo "$BATON_WORKER attempt $BATON_ATTEMPT" > started-$BATON_ATTEMPT; sleep 3; echo "done on $BATON_WORKER attempt $BATON_ATTEMPT"')
  wait_until 10 test -s started-1
  grep -q "^w1 attempt 1" started-1
  start_worker w2 1
  kill -9 "${WORKER_PIDS[w1]}"
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat out.txt)" = "done on w2 attempt 2" ]
  run "$BATON" status "$id"
  [[ "$output" == *COMPLETED*w2* ]]
}

@test "kill -9 of the broker with queued jobs, then a restart: every acknowledged job is still there and runs" {
  for i in $(seq 1 20); do
    "$BATON" submit --parsable -o "q-%j.out" -- echo "queued $i" >>ids.txt
  done
  [ "$(wc -l <ids.txt)" -eq 20 ]
  kill -9 "$BROKER_PID"
  wait_gone "$BROKER_PID" 5
  start_broker "$CLIENT_PORT" "$WORKER_PORT"
  run "$BATON" status
  [ "$(grep -c PENDING <<<"$output")" -eq 20 ]
  start_worker w1 2
  while read -r id; do
    run timeout 60 "$BATON" wait "$id"
    [ "$status" -eq 0 ]
    grep -q "^queued " "q-$id.out"
  done <ids.txt
  # Ids are never reused after the restart.
  next=$("$BATON" submit --parsable -- true)
  [ "$next" -eq 21 ]
}

@test "the broker unreachable gives exit 3 within the timeout" {
  kill -9 "$BROKER_PID"
  wait_gone "$BROKER_PID" 5
  start=$SECONDS
  run timeout 20 "$BATON" status
  [ "$status" -eq 3 ]
  [[ "$output" == *"cannot reach the broker"* ]]
  [ $((SECONDS - start)) -le 7 ]
  run timeout 20 "$BATON" --set client.timeout=1s submit -- true
  [ "$status" -eq 3 ]
}

@test "a broker restart re-attaches running tasks instead of running them again" {
  start_worker w1 1
  id=$("$BATON" submit --parsable -o out.txt -- sh -c 'echo "attempt $BATON_ATTEMPT" >> attempts; sleep 3; echo finished')
  wait_until 10 test -s attempts
  kill -9 "$BROKER_PID"
  wait_gone "$BROKER_PID" 5
  start_broker "$CLIENT_PORT" "$WORKER_PORT"
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat attempts)" = "attempt 1" ]
  [ "$(cat out.txt)" = finished ]
  grep -q "registered: .* 1 running task" "$TEST_DIR/broker.log.cur"
}

@test "a worker stopped with SIGTERM finishes its task before it exits" {
  start_worker w1 1
  id=$("$BATON" submit --parsable -o out.txt -- sh -c 'sleep 1; echo drained-ok')
  wait_until 10 job_is "$id" RUNNING
  kill -TERM "${WORKER_PIDS[w1]}"
  wait_gone "${WORKER_PIDS[w1]}" 20
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat out.txt)" = drained-ok ]
}
