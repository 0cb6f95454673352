#!/usr/bin/env bats
# Recurring jobs end to end: entries run on schedule as ordinary jobs, forbid
# records skipped runs, a broker stopped across a scheduled time catches up
# (last) or not (none), and crontab -e refuses an invalid edit. Schedules use
# the documented scheduler.cron_seconds setting (a leading seconds field), so
# nothing waits whole minutes.

load helpers

setup() {
  setup_common
  export BATON_CONFIG=/dev/null
  start_broker '*' '*' --set scheduler.cron_seconds=true
}

teardown() {
  teardown_common
}

# runs_of NAME: how many jobs the broker holds whose name is NAME@...
runs_of() {
  "$BATON" status -a | awk -v p="$1@" 'index($0, p) { n++ } END { print n + 0 }'
}

# has_lines FILE N: FILE exists and has at least N lines.
has_lines() {
  [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

restart_broker() {
  kill -TERM "$BROKER_PID"
  wait_gone "$BROKER_PID" 10
  forget_pid "$BROKER_PID"
  start_broker '*' '*' --set scheduler.cron_seconds=true
}

@test "an entry runs on its schedule as an ordinary job that knows its entry and scheduled time" {
  start_worker w1 2
  run "$BATON" cron add tick '*/2 * * * * *' -- sh -c 'echo "$BATON_CRON_NAME $BATON_CRON_SCHEDULED_TIME $BATON_JOB_NAME" >>"$0"' "$TEST_DIR/out"
  [ "$status" -eq 0 ]
  [[ "$output" == "Added cron entry tick; next run "* ]]
  wait_until 10 has_lines "$TEST_DIR/out" 2
  # "tick 2026-12-04T16:05:08+00:00 tick@2026-12-04T16:05:08": the run's name carries its scheduled time.
  run head -1 "$TEST_DIR/out"
  [[ "$output" =~ ^tick\ ([0-9-]+T[0-9:]+)[+-][0-9:]+\ tick@([0-9T:-]+)$ ]]
  [[ "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}"* ]]
  wait_until 5 sh -c "\"$BATON\" cron list | grep -q 'COMPLETED/0'"
  run "$BATON" cron list
  [[ "${lines[0]}" == NAME*SCHEDULE*NEXT*LAST*STATE/EXIT*ACTIVE*POLICY ]]
  [[ "${lines[1]}" == "tick  */2 * * * * *"*"allow,none" ]]
  run "$BATON" cron list --json
  is_json <<<"$output"
  run "$BATON" cron pause tick
  [ "$status" -eq 0 ]
  local n
  n=$(runs_of tick)
  sleep 2.5
  [ "$(runs_of tick)" -eq "$n" ]
  run "$BATON" cron remove tick
  [ "$status" -eq 0 ]
  run "$BATON" cron show tick
  [ "$status" -eq 1 ]
  [[ "$output" == *"no cron entry named 'tick'"* ]]
}

@test "bad schedules are refused naming the field; --concurrency forbid records skipped runs" {
  run "$BATON" cron add bad '0 24 * * *' -- true
  [ "$status" -eq 1 ]
  [[ "$output" == *"hour field '24': 24 is out of range 0-23"* ]]
  run "$BATON" cron add bad '@reboot' -- true
  [ "$status" -eq 1 ]
  [[ "$output" == *"@reboot is not supported"* ]]

  start_worker w1 2
  "$BATON" cron add slow '* * * * * *' --concurrency forbid -- sleep 3
  wait_until 8 sh -c "\"$BATON\" cron show slow | grep -q SKIPPED"
  run "$BATON" cron show slow
  [[ "$output" == *"skipped: run "*" still active (--concurrency forbid)"* ]]
  # Never two runs at once: at most one of its jobs is not finished.
  [ "$("$BATON" status | grep -c 'slow@')" -le 1 ]
  "$BATON" cron remove slow

  # A failing run: its --on-failure command runs on the broker host.
  "$BATON" cron add failing '*/2 * * * * *' --on-failure "echo \"\$BATON_CRON_NAME \$BATON_JOB_STATE \$BATON_EXIT_CODE\" >>$TEST_DIR/notices" -- sh -c 'exit 3'
  wait_until 10 has_lines "$TEST_DIR/notices" 1
  run head -1 "$TEST_DIR/notices"
  [ "$output" = "failing FAILED 3" ]
  run "$BATON" cron show failing
  [[ "$output" == *"FAILED/3"* ]]
}

@test "a broker stopped across a scheduled time: catch-up last runs it once, none does not" {
  # Once a minute, at a second a few seconds from now.
  local target=$(( $(date +%s) + 5 ))
  "$BATON" cron add caught "$(( target % 60 )) * * * * *" --catch-up last -- true
  "$BATON" cron add dropped "$(( target % 60 )) * * * * *" -- true
  kill -TERM "$BROKER_PID"
  wait_gone "$BROKER_PID" 10
  forget_pid "$BROKER_PID"
  [ "$(date +%s)" -lt "$target" ]  # stopped before the scheduled second (else this test cannot tell)
  while [ "$(date +%s)" -le "$target" ]; do sleep 0.2; done
  start_broker '*' '*' --set scheduler.cron_seconds=true
  [ "$(runs_of caught)" -eq 1 ]
  [ "$(runs_of dropped)" -eq 0 ]
  run "$BATON" cron show caught
  [[ "$output" == *"catch-up"* ]]
  # A second restart runs nothing again: the time was journaled with its job.
  restart_broker
  [ "$(runs_of caught)" -eq 1 ]
  [ "$(runs_of dropped)" -eq 0 ]
}

@test "crontab installs a table, and crontab -e refuses an invalid edit, leaving the table unchanged" {
  cat >"$TEST_DIR/tab" <<'EOF'
# nightly things
CRON_TZ=Europe/Berlin
#BATON -J backup --concurrency forbid -t 1h
0 2 * * *  backup.sh --full
@hourly echo tick
EOF
  run "$BATON" crontab "$TEST_DIR/tab"
  [ "$status" -eq 0 ]
  [ "$output" = "Installed crontab: 2 entries" ]
  run "$BATON" crontab -l
  [ "$status" -eq 0 ]
  local before=$output
  [[ "$before" == *"CRON_TZ=Europe/Berlin"* ]]
  [[ "$before" == *"#BATON -J backup --concurrency forbid -t 1h"*"0 2 * * * backup.sh --full"* ]]
  [[ "$before" == *"@hourly echo tick"* ]]

  # An editor that adds a line with a bad hour.
  printf '#!/bin/sh\necho "0 25 * * * echo bad" >>"$1"\n' >"$TEST_DIR/bad-editor"
  chmod +x "$TEST_DIR/bad-editor"
  VISUAL= EDITOR="$TEST_DIR/bad-editor" run "$BATON" crontab -e
  [ "$status" -eq 1 ]
  [[ "$output" == *"hour field '25'"* ]]
  [[ "$output" == *"the crontab was not changed"* ]]
  run "$BATON" crontab -l
  [ "$output" = "$before" ]

  # An editor that adds a good line and removes the hourly one.
  printf '#!/bin/sh\nsed -i "/@hourly/d" "$1"\necho "*/15 * * * * echo quarter" >>"$1"\n' >"$TEST_DIR/good-editor"
  chmod +x "$TEST_DIR/good-editor"
  VISUAL= EDITOR="$TEST_DIR/good-editor" run "$BATON" crontab -e
  [ "$status" -eq 0 ]
  run "$BATON" cron list --noheader
  [ "${#lines[@]}" -eq 2 ]
  [[ "$output" == *backup*"0 2 * * * (Europe/Berlin)"*"forbid,none"* ]]
  [[ "$output" == *echo*"*/15 * * * *"* ]]
}
