#!/usr/bin/env bats
# submit --each-line FILE: one task per line, the line in BATON_ENTRY, task i
# is line i (from 0), blank lines get no task; stdin with -; -a %N throttles;
# bad input is refused before anything is queued; 100k lines are one job.

load helpers

setup() {
  setup_common
  start_broker
  start_worker w1 4 --kill-grace 1s --drain-timeout 1s
}

teardown() {
  teardown_common
}

@test "each non-blank line is a task with the line in BATON_ENTRY, bytes as written; %a is the line's index" {
  printf 'alpha\n\ngamma delta\ncaf\xe9.txt\r\n' >lines.txt
  run "$BATON" submit --parsable --each-line lines.txt -o 'out-%a.txt' -- sh -c 'printf %s "$BATON_ENTRY"'
  [ "$status" -eq 0 ]
  id=$output
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat out-0.txt)" = alpha ]
  [ ! -e out-1.txt ]  # the blank line has no task
  [ "$(cat out-2.txt)" = "gamma delta" ]
  # Not UTF-8, and a CRLF line end: the bytes arrive, without the \r.
  [ "$(od -An -tx1 out-3.txt | tr -d ' \n')" = "636166e92e747874" ]
  run "$BATON" status -a "$id"
  [[ "$output" == *"${id}_[0,2-3]"*COMPLETED* ]]
}

@test "--each-line - reads standard input, and -a %N runs at most N lines at once" {
  export EVENTS="$TEST_DIR/events"
  run bash -c "seq 101 112 | '$BATON' submit --parsable --each-line - -a %2 -o /dev/null -- \
    sh -c 'echo \"S \$(date +%s%N) \$BATON_ENTRY\" >>\"\$EVENTS\"; sleep 0.2; echo \"E \$(date +%s%N) \$BATON_ENTRY\" >>\"\$EVENTS\"'"
  [ "$status" -eq 0 ]
  id=$output
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(grep '^S ' "$EVENTS" | awk '{ print $3 }' | sort -n | tr '\n' ' ')" = "$(seq 101 112 | tr '\n' ' ')" ]
  overlap=$(max_overlap "$EVENTS")
  echo "max overlap $overlap" >&2
  [ "$overlap" -le 2 ]
}

@test "a line over 1 MiB, an empty file and a missing file are refused with exit 2, naming the problem; nothing is queued" {
  { echo short; head -c 1048577 /dev/zero | tr '\0' x; echo; } >big.txt
  run "$BATON" submit --each-line big.txt -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"--each-line: big.txt: line 2 is 1048577 bytes; a line may be at most 1 MiB"* ]]
  printf '\n\n' >blank.txt
  run "$BATON" submit --each-line blank.txt -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"blank.txt: every line is blank"* ]]
  run "$BATON" submit --each-line nosuch.txt -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"cannot read 'nosuch.txt'"* ]]
  printf 'a\nb\n' >two.txt
  run "$BATON" submit --each-line two.txt -a 0-2 -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"--array: index 2 is past the last line of two.txt (index 1)"* ]]
  run "$BATON" status -a
  [ "$(grep -c . <<<"$output")" -le 1 ]  # a header at most: no job
}

@test "cancel of a range of lines ends those tasks; the other lines run" {
  seq 0 9 | sed 's/^/entry-/' >lines.txt
  id=$("$BATON" submit --parsable --each-line lines.txt -a %2 -o 'out-%a.txt' -- sh -c 'sleep 1; echo "$BATON_ENTRY"')
  run "$BATON" cancel "${id}_[4-9]"
  [ "$status" -eq 0 ]
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 125 ]
  for i in 0 1 2 3; do [ "$(cat "out-$i.txt")" = "entry-$i" ]; done
  for i in 4 5 6 7 8 9; do [ ! -e "out-$i.txt" ]; done
  run "$BATON" status -a "$id"
  [[ "$output" == *"${id}_[4-9]"*CANCELLED* ]]
}

broker_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$BROKER_PID/status"; }

@test "100,000 lines are one held job: one submit, one array, the broker's memory grows by about the lines' size" {
  seq -f '/data/run-42/sample-%06g.fastq.gz' 0 99999 >lines.txt   # 3.6 MB
  before=$(broker_rss_kb)
  run "$BATON" submit --parsable -H --each-line lines.txt -o /dev/null -- true
  [ "$status" -eq 0 ]
  id=$output
  run "$BATON" status "$id"
  [[ "$output" == *"${id}_[0-99999]"*PENDING* ]]
  after=$(broker_rss_kb)
  echo "broker RSS grew by $(( (after - before) / 1024 )) MB for 100,000 lines" >&3
  # The lines once or twice (the job, the journal's page cache) and no more:
  # a job per line would be over 80 MB.
  [ $((after - before)) -lt $((32 * 1024)) ]
  # Released, the tasks run, each with its own line.
  run "$BATON" cancel "${id}_[3-99999]"
  [ "$status" -eq 0 ]
  "$BATON" release "$id"
  run timeout 60 "$BATON" wait "$id"
  [ "$status" -eq 125 ]
  run "$BATON" status -a "$id"
  [[ "$output" == *"${id}_[0-2]"*COMPLETED* ]]
  [[ "$output" == *"${id}_[3-99999]"*CANCELLED* ]]
}
