#!/usr/bin/env bats
# Batch jobs as HPC users write them: arrays with throttles, dependency
# chains, singletons, #BATON scripts, time limits, retries, output patterns.

load helpers

setup() {
  setup_common
  start_broker
  start_worker w1 8 --kill-grace 1s --drain-timeout 1s
  export EVENTS="$TEST_DIR/events"
}

teardown() {
  teardown_common
}

@test "a 1000-task array with %5 never runs more than 5 at once" {
  # Two roomy workers: only the throttle limits, and it holds across workers.
  start_worker w2 8 --drain-timeout 1s
  run "$BATON" submit --parsable -a 0-999%5 -o /dev/null -- sh -c "$EVENT_TASK" 0.01
  [ "$status" -eq 0 ]
  id=$output
  # While it runs, the pending tasks show as one collapsed range with the throttle.
  wait_until 20 status_has "^${id}_\[[0-9]+-999%5\] +.* PENDING "
  run timeout 90 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^S ' "$EVENTS")" -eq 1000 ]
  [ "$(grep -c '^E ' "$EVENTS")" -eq 1000 ]
  overlap=$(max_overlap "$EVENTS")
  echo "max overlap $overlap" >&2
  [ "$overlap" -le 5 ]
  [ "$overlap" -ge 2 ]
  grep -q '^S .* w1$' "$EVENTS"
  grep -q '^S .* w2$' "$EVENTS"
  run "$BATON" status -a "$id"
  [[ "$output" == *"${id}_[0-999]"*COMPLETED* ]]
}

@test "afterok and afternotok chains take the right branch when the parent succeeds" {
  a=$("$BATON" submit --parsable -- true)
  ok=$("$BATON" submit --parsable -d "afterok:$a" -o ok.out -- echo ran-ok)
  notok=$("$BATON" submit --parsable -d "afternotok:$a" -o notok.out -- echo ran-notok)
  killed=$("$BATON" submit --parsable -d "afternotok:$a" --kill-on-invalid-dep=yes -o killed.out -- echo ran-killed)
  run timeout 20 "$BATON" wait "$ok"
  [ "$status" -eq 0 ]
  [ "$(cat ok.out)" = ran-ok ]
  wait_until 10 status_has "^$notok .* PENDING .*\(DependencyNeverSatisfied\)"
  run timeout 10 "$BATON" wait "$killed"
  [ "$status" -eq 125 ]
  [ "$(job_state "$killed")" = CANCELLED ]
  [ "$(job_state "$notok")" = PENDING ]
  [ ! -e notok.out ]
  [ ! -e killed.out ]
}

@test "afterok and afternotok chains take the right branch when the parent fails" {
  a=$("$BATON" submit --parsable -o /dev/null -- sh -c 'exit 3')
  ok=$("$BATON" submit --parsable -d "afterok:$a" -o ok.out -- echo ran-ok)
  notok=$("$BATON" submit --parsable -d "afternotok:$a" -o notok.out -- echo ran-notok)
  killed=$("$BATON" submit --parsable -d "afterok:$a" --kill-on-invalid-dep=yes -o killed.out -- echo ran-killed)
  run timeout 20 "$BATON" wait "$a"
  [ "$status" -eq 3 ]
  run timeout 20 "$BATON" wait "$notok"
  [ "$status" -eq 0 ]
  [ "$(cat notok.out)" = ran-notok ]
  wait_until 10 status_has "^$ok .* PENDING .*\(DependencyNeverSatisfied\)"
  run timeout 10 "$BATON" wait "$killed"
  [ "$status" -eq 125 ]
  [ "$(job_state "$killed")" = CANCELLED ]
  [ "$(job_state "$ok")" = PENDING ]
  [ ! -e ok.out ]
  [ ! -e killed.out ]
}

@test "a singleton pair never overlaps" {
  first=$("$BATON" submit --parsable --singleton -J nightly -o /dev/null -- sh -c "$EVENT_TASK" 1.5)
  second=$("$BATON" submit --parsable --singleton -J nightly -o /dev/null -- sh -c "$EVENT_TASK" 0.2)
  wait_until 10 job_is "$first" RUNNING
  run "$BATON" status "$second"
  [[ "$output" == *PENDING*"(Dependency)"* ]]
  run timeout 30 "$BATON" wait "$first" "$second"
  [ "$status" -eq 0 ]
  [ "$(event_time "$EVENTS" S "$second")" -ge "$(event_time "$EVENTS" E "$first")" ]
  [ "$(max_overlap "$EVENTS")" -eq 1 ]
}

@test "the cron idiom submit --wait --singleton run twice at once: both exit 0, no overlap" {
  timeout 30 "$BATON" submit --wait --singleton -J cron -o /dev/null -- sh -c "$EVENT_TASK" 1 >run1.out 2>&1 &
  p1=$!
  timeout 30 "$BATON" submit --wait --singleton -J cron -o /dev/null -- sh -c "$EVENT_TASK" 1 >run2.out 2>&1 &
  p2=$!
  STARTED_PIDS+=("$p1" "$p2")
  rc1=0 rc2=0
  wait "$p1" || rc1=$?
  wait "$p2" || rc2=$?
  forget_pid "$p1"
  forget_pid "$p2"
  cat run1.out run2.out
  [ "$rc1" -eq 0 ]
  [ "$rc2" -eq 0 ]
  [ "$(grep -c '^S ' "$EVENTS")" -eq 2 ]
  [ "$(max_overlap "$EVENTS")" -eq 1 ]
}

@test "#BATON lines give a script its options; the command line beats the environment, which beats directives" {
  cat >job.sh <<'EOF'
#!/bin/sh
#BATON -J from-directive -o out-%x.txt
#BATON -t 0:30 --env COLOR=blue   # a comment after the options
echo "name=$BATON_JOB_NAME color=$COLOR"
#BATON -J after-the-first-command-is-not-a-directive
EOF
  run "$BATON" submit --parsable job.sh
  [ "$status" -eq 0 ]
  id=$output
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat out-from-directive.txt)" = "name=from-directive color=blue" ]
  run "$BATON" status --json "$id"
  [[ "$output" == *'"time_limit_s":30'* ]]

  id=$(BATON_SUBMIT_JOB_NAME=from-env "$BATON" submit --parsable job.sh)
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat out-from-env.txt)" = "name=from-env color=blue" ]

  id=$(BATON_SUBMIT_JOB_NAME=from-env "$BATON" submit --parsable --env COLOR=red -J from-cli job.sh)
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat out-from-cli.txt)" = "name=from-cli color=red" ]

  # A bad directive is a usage error that names the file and line.
  printf '#!/bin/sh\n#BATON -J ok\n#BATON --no-such-option\necho hi\n' >bad.sh
  run "$BATON" submit bad.sh
  [ "$status" -eq 2 ]
  [[ "$output" == *"bad.sh:3"* ]]
}

@test "repeatable options (--env, --resource, --constraint) just before a script path do not swallow it" {
  printf '#!/bin/sh\necho "color=$COLOR"\n' >color.sh
  run "$BATON" submit --parsable -o color.out --env COLOR=green color.sh
  [ "$status" -eq 0 ]
  id=$output
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat color.out)" = color=green ]
  # (No worker has these, so submit also warns on stderr; the id is on stdout.)
  id=$("$BATON" submit --parsable -H --resource scratch=1 color.sh 2>/dev/null)
  "$BATON" cancel "$id"
  id=$("$BATON" submit --parsable -H --constraint rack=a color.sh 2>/dev/null)
  "$BATON" cancel "$id"
}

@test "-t ends a sleep as TIMEOUT with exit status 124" {
  start=$SECONDS
  id=$("$BATON" submit --parsable -t 0:02 -o /dev/null -- sleep 60)
  # One that ignores SIGTERM is killed after the worker's kill grace (1 s).
  stubborn=$("$BATON" submit --parsable -t 0:02 -o /dev/null -- sh -c 'trap "" TERM; sleep 60')
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 124 ]
  [ "$(job_state "$id")" = TIMEOUT ]
  [ $((SECONDS - start)) -ge 2 ]
  run timeout 20 "$BATON" wait "$stubborn"
  [ "$status" -eq 124 ]
  [ "$(job_state "$stubborn")" = TIMEOUT ]
  [ $((SECONDS - start)) -le 10 ]
}

@test "--retries 2 on a failing command runs 3 attempts and wait exits with the command's code" {
  id=$("$BATON" submit --parsable --retries 2 --retry-delay 100ms -o /dev/null -- sh -c 'echo "$BATON_ATTEMPT $(date +%s%N)" >>attempts; exit 7')
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 7 ]
  [ "$(awk '{ printf "%s ", $1 }' attempts)" = "1 2 3 " ]
  [ "$(job_state "$id")" = FAILED ]
  # The delay is 100 ms, then doubles.
  [ "$(awk 'NR == 2 { print int(($2 - p) / 1e6) } { p = $2 }' attempts)" -ge 100 ]
  [ "$(awk 'NR == 3 { print int(($2 - p) / 1e6) } { p = $2 }' attempts)" -ge 200 ]
}

@test "editing a script after submit does not change what runs" {
  printf '#!/bin/sh\necho original\n' >edit.sh
  id=$("$BATON" submit --parsable -H -o edit.out edit.sh)
  [ "$(job_state "$id")" = PENDING ]
  printf '#!/bin/sh\necho changed\n' >edit.sh
  run "$BATON" release "$id"
  [ "$status" -eq 0 ]
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat edit.out)" = original ]
}

@test "cancel of one array task, a range of tasks, then the whole array" {
  id=$("$BATON" submit --parsable -a 0-9 -o /dev/null -- sleep 60)
  wait_until 10 status_has "^${id}_7 .* RUNNING "
  run "$BATON" cancel "${id}_7"
  [ "$status" -eq 0 ]
  wait_until 10 status_has "^${id}_\[7\] .* CANCELLED" "$id"
  run "$BATON" status "$id"
  [[ "$output" == *"${id}_6 "*RUNNING* ]]
  [[ "$output" == *"${id}_0 "*RUNNING* ]]
  run "$BATON" cancel "${id}_[1-5]"
  [ "$status" -eq 0 ]
  wait_until 10 status_has "^${id}_\[1-5,7\] .* CANCELLED" "$id"
  run "$BATON" status "$id"
  [[ "$output" == *"${id}_0 "*RUNNING* ]]
  [[ "$output" == *"${id}_6 "*RUNNING* ]]
  run "$BATON" cancel "$id"
  [ "$status" -eq 0 ]
  run timeout 10 "$BATON" wait "$id"
  [ "$status" -eq 125 ]
  [ "$(job_state "$id")" = CANCELLED ]
  run "$BATON" status "$id"
  [[ "$output" != *RUNNING* && "$output" != *PENDING* ]]
  run "$BATON" cancel 9999
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown job 9999"* ]]
}

@test "hold keeps a pending job from starting and release lets it run" {
  blocker=$("$BATON" submit --parsable -c 8 -o /dev/null -- sleep 60)
  wait_until 10 job_is "$blocker" RUNNING
  id=$("$BATON" submit --parsable -o held.out -- echo ran)
  run "$BATON" hold "$id"
  [ "$status" -eq 0 ]
  run "$BATON" status "$id"
  [[ "$output" == *PENDING*"(Held)"* ]]
  "$BATON" cancel "$blocker"
  run timeout 10 "$BATON" wait "$blocker"
  [ "$status" -eq 125 ]
  # The worker is free now, and the held job still does not start.
  run timeout 10 "$BATON" wait --timeout 1s "$id"
  [ "$status" -eq 1 ]
  [ "$(job_state "$id")" = PENDING ]
  [ ! -e held.out ]
  run "$BATON" release "$id"
  [ "$status" -eq 0 ]
  run timeout 10 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat held.out)" = ran ]
}

@test "--begin now+2 starts no earlier than 2 seconds later, with reason BeginTime meanwhile" {
  t0=$(date +%s%N)
  id=$("$BATON" submit --parsable --begin now+2 -o /dev/null -- sh -c 'date +%s%N >began')
  run "$BATON" status "$id"
  [[ "$output" == *PENDING*"(BeginTime)"* ]]
  run timeout 15 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ $(( ($(cat began) - t0) / 1000000 )) -ge 2000 ]
}

@test "update throttle=N on a running array raises its concurrency" {
  id=$("$BATON" submit --parsable -a 0-19%2 -o /dev/null -- sh -c "$EVENT_TASK" 0.5)
  wait_until 10 status_has "^${id}_\[.*%2\] .* PENDING "
  run "$BATON" update "$id" throttle=6
  [ "$status" -eq 0 ]
  wait_until 10 status_has "^${id}_\[.*%6\] .* PENDING "
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  overlap=$(max_overlap "$EVENTS")
  echo "max overlap $overlap" >&2
  [ "$overlap" -gt 2 ]
  [ "$overlap" -le 6 ]
}

@test "submit --wait exits like the job: 0, the exit code, 124, 125" {
  run timeout 20 "$BATON" submit --wait -o /dev/null -- true
  [ "$status" -eq 0 ]
  [[ "$output" == "Submitted job "* ]]
  run timeout 20 "$BATON" submit --wait -o /dev/null -- sh -c 'exit 5'
  [ "$status" -eq 5 ]
  run timeout 20 "$BATON" submit --wait -t 0:01 -o /dev/null -- sleep 60
  [ "$status" -eq 124 ]
  run timeout 20 "$BATON" submit --wait -o /dev/null -- sh -c 'kill -9 $$'
  [ "$status" -eq 137 ]
  timeout 20 "$BATON" submit --wait -J to-cancel -o /dev/null -- sleep 60 >cancelled.out 2>&1 &
  p=$!
  STARTED_PIDS+=("$p")
  wait_until 10 status_has " to-cancel .* RUNNING "
  "$BATON" cancel "$("$BATON" status | awk '$2 == "to-cancel" { print $1 }')"
  rc=0
  wait "$p" || rc=$?
  forget_pid "$p"
  [ "$rc" -eq 125 ]
}

@test "wait --any returns with the first job to end" {
  long=$("$BATON" submit --parsable -o /dev/null -- sleep 60)
  short=$("$BATON" submit --parsable -o /dev/null -- sh -c 'sleep 0.3; exit 4')
  start=$SECONDS
  run timeout 20 "$BATON" wait --any "$long" "$short"
  [ "$status" -eq 4 ]
  [ $((SECONDS - start)) -le 5 ]
  [ "$(job_state "$long")" = RUNNING ]
  "$BATON" cancel "$long"
  run timeout 10 "$BATON" wait "$long"
  [ "$status" -eq 125 ]
}

@test "wait --timeout 1s on a long job exits 1 quickly and leaves it running" {
  id=$("$BATON" submit --parsable -o /dev/null -- sleep 60)
  wait_until 10 job_is "$id" RUNNING
  start=$SECONDS
  run timeout 20 "$BATON" wait --timeout 1s "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out"* ]]
  [ $((SECONDS - start)) -le 4 ]
  [ "$(job_state "$id")" = RUNNING ]
  "$BATON" cancel "$id"
  run timeout 10 "$BATON" wait "$id"
  [ "$status" -eq 125 ]
}

@test "--quiet-unless-failed prints nothing for a success and the job's output for a failure" {
  run timeout 20 "$BATON" submit --quiet-unless-failed -- echo all-is-well
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run timeout 20 "$BATON" submit --quiet-unless-failed -- sh -c 'echo something-broke; echo on-stderr >&2; exit 5'
  [ "$status" -eq 5 ]
  [[ "$output" == *something-broke* ]]
  [[ "$output" == *on-stderr* ]]
}

@test "output patterns %A_%a, %x and %4a name the files; -e separates stderr" {
  id=$("$BATON" submit --parsable -a 1-3 -J pj -o '%A_%a-%x.out' -- sh -c 'echo "task $BATON_ARRAY_TASK_ID"')
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  for i in 1 2 3; do [ "$(cat "${id}_$i-pj.out")" = "task $i" ]; done
  id=$("$BATON" submit --parsable -a 7,12 -o 'pad-%4a.out' -e 'pad-%4a.err' -- sh -c 'echo "out $BATON_ARRAY_TASK_ID"; echo "err $BATON_ARRAY_TASK_ID" >&2')
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat pad-0007.out)" = "out 7" ]
  [ "$(cat pad-0007.err)" = "err 7" ]
  [ "$(cat pad-0012.out)" = "out 12" ]
  [ "$(cat pad-0012.err)" = "err 12" ]
}

@test "--export=NONE --env K=V gives a clean environment with K; -D sets the working dir" {
  export LEAKY_SECRET=leak
  id=$("$BATON" submit --parsable --export=NONE --env K=V -o env.out -- env)
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  grep -qx 'K=V' env.out
  [ "$(grep -c LEAKY_SECRET env.out)" -eq 0 ]
  grep -qx "BATON_JOB_ID=$id" env.out
  # The default exports everything.
  id=$("$BATON" submit --parsable -o env-all.out -- env)
  run timeout 20 "$BATON" wait "$id"
  grep -qx 'LEAKY_SECRET=leak' env-all.out
  mkdir sub
  id=$("$BATON" submit --parsable -D sub -o pwd.out -- pwd)
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat sub/pwd.out)" = "$TEST_DIR/sub" ]
}

@test "status -r expands an array; without it the pending tasks collapse" {
  id=$("$BATON" submit --parsable -H -a 0-4 -o /dev/null -- true)
  run "$BATON" status "$id"
  [[ "$output" == *"${id}_[0-4]"*PENDING*"(Held)"* ]]
  [ "${#lines[@]}" -eq 2 ]
  run "$BATON" status -r "$id"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 6 ]
  for i in 0 1 2 3 4; do
    grep -Eq "^${id}_$i +.* PENDING +0:00 +\(Held\)" <<<"$output"
  done
  "$BATON" cancel "$id"
}

@test "a job with bytes that are not UTF-8 is refused at once with exit 2, naming the field" {
  run timeout 10 "$BATON" --broker ipc:///nonexistent/baton.sock submit -- echo $'\xff'
  [ "$status" -eq 2 ]
  [[ "$output" == *"argv is not valid UTF-8"* ]]
  run timeout 10 env BAD=$'\xfe' "$BATON" --broker ipc:///nonexistent/baton.sock submit -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"env is not valid UTF-8"* ]]
}
