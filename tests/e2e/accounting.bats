#!/usr/bin/env bats
# Accounting (`baton history`, like sacct) reads the journal: filters, the
# parsable and JSON forms, and jobs that already left the broker's memory.

load helpers

setup() {
  setup_common
  start_broker '*' '*' --set broker.min_job_age=1s
  start_worker w1 2
}

teardown() { teardown_common; }

@test "history filters by state, name, job id and time, and prints exit:signal, usage and attempts" {
  a=$("$BATON" submit --parsable -J alpha -- sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done')
  b=$("$BATON" submit --parsable -J beta -- sh -c 'exit 3')
  c=$("$BATON" submit --parsable -J gamma -a 0-2 -- true)
  run "$BATON" wait "$a" "$b" "$c"
  [ "$status" -eq 3 ]

  run "$BATON" history --state FAILED
  [ "$status" -eq 0 ]
  [[ "$output" == *beta* ]]
  [[ "$output" != *alpha* && "$output" != *gamma* ]]

  run "$BATON" history --name alpha
  [[ "$output" == *alpha* && "$output" != *beta* ]]

  run "$BATON" history "${c}_1"
  [ "$(echo "$output" | grep -c gamma)" -eq 1 ]
  [[ "$output" == *"${c}_1"* ]]

  run "$BATON" history --until now-1h
  [ "$(echo "$output" | grep -c -E 'alpha|beta|gamma')" -eq 0 ]
  run "$BATON" history --since now-1h
  [ "$(echo "$output" | grep -c -E 'alpha|beta|gamma')" -eq 5 ]

  # Parsable: '|' between fields, a header, exit:signal, and the worker and attempt.
  run "$BATON" history -p "$b"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "JOBID|NAME|USER|STATE|EXIT|SUBMIT|START|END|ELAPSED|MAXRSS|CPU|WORKER|ATTEMPTS|REASON" ]
  IFS='|' read -r id name user state exit submit start end elapsed rss cpu worker attempts reason <<<"${lines[1]}"
  [ "$id" = "$b" ] && [ "$name" = beta ] && [ "$state" = FAILED ] && [ "$exit" = "3:0" ]
  [ -n "$submit" ] && [ -n "$start" ] && [ -n "$end" ] && [ -n "$elapsed" ]
  [ "$worker" = w1 ] && [ "$attempts" = 1 ]
  [[ "$rss" =~ ^[1-9][0-9]*K$ ]]

  run "$BATON" history --json "$a"
  echo "$output" | is_json
  [[ "$output" == *'"cpu_ms"'* && "$output" == *'"max_rss_kb"'* ]]

  run "$BATON" history --state nonsense
  [ "$status" -eq 2 ]
  [[ "$output" == *"not a final state"* ]]
}

@test "a finished job that left broker memory (min_job_age) still answers wait, cancel and history" {
  ok=$("$BATON" submit --parsable -- true)
  bad=$("$BATON" submit --parsable -- sh -c 'exit 4')
  "$BATON" wait "$ok" "$bad" || true
  # Gone from memory once min_job_age (1 s here) has passed.
  wait_until 10 bash -c "! '$BATON' status '$ok'"
  run "$BATON" status "$ok"
  [ "$status" -eq 1 ]
  [[ "$output" == *"baton history $ok"* ]]
  run "$BATON" wait "$ok"
  [ "$status" -eq 0 ]
  run "$BATON" wait "$bad"
  [ "$status" -eq 4 ]
  run "$BATON" cancel "$ok"
  [ "$status" -eq 0 ]
  # A dependency on it is still judged by how it ended.
  dep=$("$BATON" submit --parsable -d "afterok:$ok" -- true)
  run "$BATON" wait --timeout 20s "$dep"
  [ "$status" -eq 0 ]
  run "$BATON" history "$ok" "$bad"
  [[ "$output" == *COMPLETED* && "$output" == *FAILED* ]]
}

@test "history of a job id the journal does not have says so and exits 1" {
  run "$BATON" history 4242
  [ "$status" -eq 1 ]
  [[ "$output" == *"no finished job 4242 in the journal"* ]]
  # With a filter, an empty answer is just an empty table.
  run "$BATON" history --state FAILED 4242
  [ "$status" -eq 0 ]
}
