#!/usr/bin/env bats
# The scheduler: placement by resources, queues, labels, GPUs and named
# resources; explain; draining workers.

load helpers

setup() {
  setup_common
  start_broker
  export EVENTS="$TEST_DIR/events"
}

teardown() {
  teardown_common
}

# worker_of JOB: the worker of JOB's first start event.
worker_of() {
  awk -v j="$1" '$1 == "S" && $3 == j { print $4; exit }' "$EVENTS"
}

@test "a 2-cpu job waits for the 2-cpu worker while 1-cpu jobs flow past it on the 1-cpu worker" {
  start_worker w1 1 --label node=w1 --drain-timeout 1s
  start_worker w2 2 --label node=w2 --drain-timeout 1s
  # Fill both workers: w1 briefly, w2 for a while.
  f1=$("$BATON" submit --parsable -J fill-w1 --constraint node=w1 -o /dev/null -- sh -c "$EVENT_TASK" 0.3)
  f2=$("$BATON" submit --parsable -J fill-w2 --constraint node=w2 -o /dev/null -- sh -c "$EVENT_TASK" 4)
  f3=$("$BATON" submit --parsable -J fill-w2 --constraint node=w2 -o /dev/null -- sh -c "$EVENT_TASK" 4)
  wait_until 10 job_is "$f2" RUNNING
  wait_until 10 job_is "$f3" RUNNING
  big=$("$BATON" submit --parsable -J big -c 2 -o /dev/null -- sh -c "$EVENT_TASK" 0.3)
  smalls=()
  for i in 1 2 3 4; do
    smalls+=("$("$BATON" submit --parsable -J "small$i" -o /dev/null -- sh -c "$EVENT_TASK" 0.2)")
  done
  # The small jobs submitted after the big one complete on w1 while it waits.
  run timeout 20 "$BATON" wait "${smalls[@]}"
  [ "$status" -eq 0 ]
  run "$BATON" status "$big"
  [[ "$output" == *PENDING*"(Resources)"* ]]
  for s in "${smalls[@]}"; do [ "$(worker_of "$s")" = w1 ]; done
  run timeout 20 "$BATON" wait "$big" "$f1" "$f2" "$f3"
  [ "$status" -eq 0 ]
  # The big job ran once, on w2, after w2's tasks ended and after the small ones.
  [ "$(grep -c "^S [0-9]* $big " "$EVENTS")" -eq 1 ]
  [ "$(worker_of "$big")" = w2 ]
  big_start=$(event_time "$EVENTS" S "$big")
  for s in "${smalls[@]}"; do [ "$(event_time "$EVENTS" E "$s")" -le "$big_start" ]; done
  [ "$big_start" -ge "$(event_time "$EVENTS" E "$f2")" ]
  [ "$big_start" -ge "$(event_time "$EVENTS" E "$f3")" ]
  run "$BATON" status "$big"
  [[ "$output" == *COMPLETED*w2* ]]
  run "$BATON" status --json "$big"
  [[ "$output" == *'"attempt":1,'* ]]
}

@test "a --queue gpu job only lands on a gpu-queue worker" {
  start_worker w1 2 --queue default --drain-timeout 1s
  start_worker w2 2 --queue gpu,default --drain-timeout 1s
  run "$BATON" workers
  [[ "$output" == *"w2 "*"gpu,default"* ]]
  gpu=() def=()
  for i in 1 2 3 4 5 6; do
    gpu+=("$("$BATON" submit --parsable -q gpu -o /dev/null -- sh -c "$EVENT_TASK" 0.2)")
    def+=("$("$BATON" submit --parsable -o /dev/null -- sh -c "$EVENT_TASK" 0.2)")
  done
  run timeout 30 "$BATON" wait "${gpu[@]}" "${def[@]}"
  [ "$status" -eq 0 ]
  for j in "${gpu[@]}"; do
    [ "$(worker_of "$j")" = w2 ]
    run "$BATON" status "$j"
    [[ "$output" == *COMPLETED*" w2"* ]]
  done
  # Default-queue jobs may run anywhere; with w2 busy with gpu work, w1 took some.
  for j in "${def[@]}"; do [[ "$(worker_of "$j")" == w[12] ]]; done
  grep -q "^S .* w1$" "$EVENTS"
}

@test "explain says why a job needing more cpus than any worker has waits, and submit warned" {
  start_worker w1 2 --drain-timeout 1s
  run "$BATON" submit --parsable -c 8 -- true
  [ "$status" -eq 0 ]
  [[ "$output" == *warning*"8 cpus"* ]]
  id=$(tail -n 1 <<<"$output")
  [[ "$id" =~ ^[0-9]+$ ]]
  run "$BATON" status "$id"
  [[ "$output" == *PENDING*"(Resources)"* ]]
  run "$BATON" explain "$id"
  [ "$status" -eq 0 ]
  [[ "$output" == *"needs 8 cpus; the largest worker has 2"* ]]
  run "$BATON" explain --json "$id"
  [ "$status" -eq 0 ]
  is_json <<<"$output"
  [[ "$output" == *'"reason":"Resources"'* ]]
  [[ "$output" == *"needs 8 cpus"* ]]
}

@test "explain tells a held job to be released and a dependent job what it waits on" {
  start_worker w1 2 --drain-timeout 1s
  held=$("$BATON" submit --parsable -H -- true)
  run "$BATON" explain "$held"
  [ "$status" -eq 0 ]
  [[ "$output" == *Held* ]]
  [[ "$output" == *"baton release $held"* ]]
  parent=$("$BATON" submit --parsable -o /dev/null -- sleep 60)
  wait_until 10 job_is "$parent" RUNNING
  child=$("$BATON" submit --parsable -d "afterok:$parent" -- true)
  run "$BATON" explain "$child"
  [ "$status" -eq 0 ]
  [[ "$output" == *"waiting on job $parent (afterok)"* ]]
  run "$BATON" explain --json "$child"
  is_json <<<"$output"
  [[ "$output" == *'"reason":"Dependency"'* ]]
  run "$BATON" explain 9999
  [ "$status" -eq 1 ]
  "$BATON" cancel "$parent" "$child" "$held"
  run timeout 10 "$BATON" wait "$parent" "$child" "$held"
  [ "$status" -eq 125 ]
}

@test "drain stops new work on a worker and resume lets it land there again" {
  start_worker w1 2 --label node=w1 --drain-timeout 1s
  start_worker w2 2 --label node=w2 --drain-timeout 1s
  running=$("$BATON" submit --parsable --constraint node=w1 -o /dev/null -- sh -c "$EVENT_TASK" 1.5)
  wait_until 10 job_is "$running" RUNNING
  run "$BATON" workers drain w1
  [ "$status" -eq 0 ]
  run "$BATON" workers
  grep -Eq "^w1 +draining " <<<"$output"
  pinned=$("$BATON" submit --parsable --constraint node=w1 -o /dev/null -- sh -c "$EVENT_TASK" 0.1)
  jobs=()
  for i in 1 2 3 4 5 6; do jobs+=("$("$BATON" submit --parsable -o /dev/null -- sh -c "$EVENT_TASK" 0.2)"); done
  run timeout 20 "$BATON" wait "${jobs[@]}" "$running"
  [ "$status" -eq 0 ]
  # The task already on w1 finished there; none of the new ones started there.
  [ "$(worker_of "$running")" = w1 ]
  for j in "${jobs[@]}"; do [ "$(worker_of "$j")" = w2 ]; done
  [ "$(job_state "$pinned")" = PENDING ]
  run "$BATON" workers resume w1
  [ "$status" -eq 0 ]
  run "$BATON" workers
  [ "$(grep -Ec "^w1 +draining " <<<"$output")" -eq 0 ]
  run timeout 20 "$BATON" wait "$pinned"
  [ "$status" -eq 0 ]
  [ "$(worker_of "$pinned")" = w1 ]
  run "$BATON" workers drain no-such-worker
  [ "$status" -eq 1 ]
}

@test "--gpus 1 tasks each see exactly one GPU id in CUDA_VISIBLE_DEVICES, different ones when concurrent" {
  start_worker w1 4 --gpus 0,1 --drain-timeout 1s
  # Each task waits (bounded) until both have started, so they overlap.
  task='echo "$CUDA_VISIBLE_DEVICES" >"gpu.$BATON_JOB_ID"; i=0; while [ "$(ls gpu.* | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done'
  a=$("$BATON" submit --parsable --gpus 1 -o /dev/null -- sh -c "$task")
  b=$("$BATON" submit --parsable --gpus 1 -o /dev/null -- sh -c "$task")
  run timeout 20 "$BATON" wait "$a" "$b"
  [ "$status" -eq 0 ]
  ga=$(cat "gpu.$a") gb=$(cat "gpu.$b")
  [[ "$ga" =~ ^[01]$ ]]
  [[ "$gb" =~ ^[01]$ ]]
  [ "$ga" != "$gb" ]
  export CUDA_VISIBLE_DEVICES=7  # the submitter's value must not leak in
  c=$("$BATON" submit --parsable --gpus 2 -o gpu2.out -- sh -c 'echo "$CUDA_VISIBLE_DEVICES"')
  run timeout 20 "$BATON" wait "$c"
  [ "$status" -eq 0 ]
  [[ "$(cat gpu2.out)" == 0,1 || "$(cat gpu2.out)" == 1,0 ]]
  # A job asking for no GPU sees none of them.
  d=$("$BATON" submit --parsable -o gpu0.out -- sh -c 'echo "[${CUDA_VISIBLE_DEVICES-unset}]"')
  run timeout 20 "$BATON" wait "$d"
  [ "$status" -eq 0 ]
  [[ "$(cat gpu0.out)" == "[]" || "$(cat gpu0.out)" == "[unset]" ]]
}

@test "--resource license=1 on a worker with one license serializes two jobs" {
  start_worker w1 4 --resource license=1 --drain-timeout 1s
  a=$("$BATON" submit --parsable --resource license=1 -o /dev/null -- sh -c "$EVENT_TASK" 0.8)
  b=$("$BATON" submit --parsable --resource license=1 -o /dev/null -- sh -c "$EVENT_TASK" 0.8)
  wait_until 10 job_is "$a" RUNNING
  run "$BATON" status "$b"
  [[ "$output" == *PENDING*"(Resources)"* ]]
  run "$BATON" workers
  [[ "$output" == *"license=1/1"* ]]
  run timeout 20 "$BATON" wait "$a" "$b"
  [ "$status" -eq 0 ]
  [ "$(max_overlap "$EVENTS")" -eq 1 ]
}

@test "--constraint rack=a only lands on a worker labelled rack=a" {
  start_worker w1 2 --label rack=b --drain-timeout 1s
  start_worker w2 2 --label rack=a --drain-timeout 1s
  ids=()
  for i in 1 2 3 4 5; do ids+=("$("$BATON" submit --parsable --constraint rack=a -o /dev/null -- sh -c "$EVENT_TASK" 0.1)"); done
  run timeout 20 "$BATON" wait "${ids[@]}"
  [ "$status" -eq 0 ]
  for j in "${ids[@]}"; do [ "$(worker_of "$j")" = w2 ]; done
  # No worker has rack=c: the job waits and explain says why.
  run "$BATON" submit --parsable --constraint rack=c -- true
  [ "$status" -eq 0 ]
  id=$(tail -n 1 <<<"$output")
  run "$BATON" explain "$id"
  [[ "$output" == *"rack=c"* ]]
  "$BATON" cancel "$id"
}

@test "workers --json is valid JSON" {
  start_worker w1 2 --label rack=a --resource license=2 --drain-timeout 1s
  start_worker w2 1 --drain-timeout 1s
  run "$BATON" workers --json
  [ "$status" -eq 0 ]
  is_json <<<"$output"
  [[ "$output" == *'"name":"w1"'* ]]
  [[ "$output" == *'"name":"w2"'* ]]
  if command -v jq >/dev/null; then
    [ "$(jq -r '.workers | length' <<<"$output")" -eq 2 ]
    [ "$(jq -r '.workers[] | select(.name == "w1") | .capacity.cpus' <<<"$output")" -eq 2 ]
  fi
}
