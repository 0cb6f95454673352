#!/usr/bin/env bats
# Durability: the broker and workers crash (kill -9, SIGSTOP) at bad moments
# and the guarantees hold: acknowledged jobs survive, ids are never reused, no
# task is lost, no result is recorded twice, running work is re-attached
# instead of re-run, and a lost worker's stale attempt is fenced off.

load helpers

# Task states as the journal stores them (transport/baton.proto, enum TaskState).
PENDING=1 RUNNING=2 COMPLETED=3 FAILED=4 CANCELLED=5 TIMEOUT=6

# Heartbeats every 200 ms (start_broker/start_worker set that), lost after 5
# silent ones: a worker is declared lost 1 s after it goes silent.
LIVENESS=5
WINDOW_MS=$((200 * LIVENESS))

setup() {
  setup_common
  BROKER_ARGS=(--set broker.liveness=$LIVENESS)
  start_broker '*' '*' "${BROKER_ARGS[@]}"
}

teardown() {
  # A test that failed between SIGSTOP and SIGCONT must not leave a stopped
  # worker that ignores teardown's SIGTERM.
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null; done
  teardown_common
}

# --- helpers for this file ---------------------------------------------------

flunk() {
  echo "$*" >&2
  return 1
}

now_ms() {
  date +%s%3N
}

sql() {
  sqlite3 -batch -noheader "$TEST_DIR/journal.db" "$@"
}

# crash_broker: kill -9 the broker and wait until it is gone.
crash_broker() {
  disown "$BROKER_PID" 2>/dev/null || true # no "Killed" job notice in the test output
  kill -9 "$BROKER_PID"
  wait_gone "$BROKER_PID" 5 || flunk "broker $BROKER_PID survived kill -9"
  forget_pid "$BROKER_PID"
}

broker_up_or_exited() {
  grep -q "up: clients" "$TEST_DIR/broker.log.cur" || ! kill -0 "$BROKER_PID" 2>/dev/null
}

# restart_broker: a new broker on the SAME journal and the same ports. While
# it was down, some client or worker socket may have been given one of its
# ports as an ephemeral local port; that is the kernel's doing, not the
# product's, so "Address already in use" is retried (bounded).
restart_broker() {
  local try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    : >"$TEST_DIR/broker.log.cur"
    "$BATON" broker --clients "tcp://127.0.0.1:$CLIENT_PORT" --workers "tcp://127.0.0.1:$WORKER_PORT" \
      --journal "$TEST_DIR/journal.db" --set broker.heartbeat_interval=200ms --set security.insecure=true "${BROKER_ARGS[@]}" \
      >"$TEST_DIR/broker.log.cur" 2>&1 3>&- &
    BROKER_PID=$!
    STARTED_PIDS+=("$BROKER_PID")
    wait_until 20 broker_up_or_exited
    cat "$TEST_DIR/broker.log.cur" >>"$TEST_DIR/broker.log"
    grep -q "up: clients" "$TEST_DIR/broker.log.cur" && return 0
    disown "$BROKER_PID" 2>/dev/null || true
    kill -9 "$BROKER_PID" 2>/dev/null
    wait_gone "$BROKER_PID" 5
    forget_pid "$BROKER_PID"
    grep -q "Address already in use" "$TEST_DIR/broker.log.cur" || { cat "$TEST_DIR/broker.log.cur" >&2; return 1; }
    sleep 0.5
  done
  flunk "the broker could not get its ports back"
}

# status_jobs [JOBS]: "ID NAME STATE" per job of `status -a --json`.
status_jobs() {
  "$BATON" status -a --json "$@" |
    grep -oE '\{"id":[0-9]+,"name":"[^"]*","user":"[^"]*","state":"[A-Z_]+"' |
    awk -F'"' '{ gsub(/[:,]/, "", $3); print $3, $6, $14 }'
}

# status_tasks [JOBS]: "JOB IDX STATE ATTEMPT WORKER" per task of `status -a -r --json`
# (no jq in CI: task objects are flat, so a regex walks them in order).
status_tasks() {
  "$BATON" status -a -r --json "$@" |
    grep -oE '\{"id":[0-9]+|\{"index":[0-9]+,"state":"[A-Z_]+","reason":"[^"]*","attempt":[0-9]+,"worker":"[^"]*"' |
    awk -F'"' '$2 == "id" { job = $3; gsub(/:/, "", job); next } { gsub(/[:,]/, "", $3); gsub(/[:,]/, "", $13); print job, $3, $6, $13, $16 }'
}

# lines_at_least N GLOB [REGEX]: the files GLOB (expanded now, in $TEST_DIR)
# hold at least N lines (matching REGEX).
lines_at_least() {
  local n
  n=$(cd "$TEST_DIR" && cat $2 2>/dev/null | grep -cE -- "${3:-.}")
  [ "$n" -ge "$1" ]
}

no_active_jobs() {
  [ -z "$("$BATON" status --json | grep -oE '\{"id":[0-9]+')" ]
}

# storm TAG: submit jobs until $TEST_DIR/stop exists. A submit that printed
# an id and exited 0 was acknowledged: "ID NAME NTASKS" goes to acked.TAG.
# Every fourth job is a 3-task array; every task appends "JOB IDX ATTEMPT" to
# $TEST_DIR/starts when it starts; odd jobs also sleep 50 ms.
storm() {
  local tag=$1 n=0 id args ntasks pause
  export BATON_TIMEOUT=2s
  while [ ! -e "$TEST_DIR/stop" ]; do
    n=$((n + 1))
    args=() ntasks=1 pause=0
    if [ $((n % 4)) -eq 0 ]; then args=(-a 0-2) ntasks=3; fi
    if [ $((n % 2)) -eq 1 ]; then pause=0.05; fi
    if id=$("$BATON" submit --parsable -J "$tag-$n" -o /dev/null "${args[@]}" -- \
      sh -c 'echo "$BATON_JOB_ID ${BATON_ARRAY_TASK_ID:-0} $BATON_ATTEMPT" >>"$0"; sleep "$1"' \
      "$TEST_DIR/starts" "$pause" 2>>"$TEST_DIR/storm-$tag.err"); then
      echo "$id $tag-$n $ntasks" >>"$TEST_DIR/acked.$tag"
    fi
  done
}

# --- tests -------------------------------------------------------------------

# Guarantee: whatever moment the broker dies at, every job it acknowledged
# survives and completes, job ids are never reused, and every task's result is
# recorded once (and the task is run once).
@test "kill -9 of the broker 20 times during a storm of submits and completions loses nothing and records nothing twice" {
  start_worker w1 2
  start_worker w2 2
  : >"$TEST_DIR/starts"
  storm a 3>&- &
  STARTED_PIDS+=($!)
  storm b 3>&- &
  STARTED_PIDS+=($!)
  local storm_pids=("${STARTED_PIDS[@]: -2}")

  local round ms
  for round in $(seq 1 20); do
    ms=$((200 + RANDOM % 1301))
    echo "round $round: broker up for ${ms} ms" >>"$TEST_DIR/rounds"
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    crash_broker
    restart_broker
  done
  # The storm ran across the crashes (it was not stuck on a dead broker).
  sleep 1
  touch "$TEST_DIR/stop"
  local pid
  for pid in "${storm_pids[@]}"; do
    wait_gone "$pid" 15 || flunk "the submit storm did not stop"
    forget_pid "$pid"
  done
  [ "$(grep -c "up: clients" "$TEST_DIR/broker.log")" -eq 21 ]

  cat "$TEST_DIR"/acked.* >"$TEST_DIR/acked"
  local acked
  acked=$(wc -l <"$TEST_DIR/acked")
  echo "# $acked jobs acknowledged across 20 broker crashes" >&3
  [ "$acked" -ge 40 ] || flunk "only $acked submits were acknowledged"
  # Every acknowledgement is a job id.
  if grep -vE '^[0-9]+ [ab]-[0-9]+ [13]$' "$TEST_DIR/acked" >&2; then flunk "malformed acknowledgements"; fi

  # Ids are never reused: all distinct, and each submitter, which submits one
  # job after the other, saw them grow.
  if cut -d' ' -f1 "$TEST_DIR/acked" | sort -n | uniq -d | grep . >&2; then flunk "job ids acknowledged twice"; fi
  for f in "$TEST_DIR"/acked.a "$TEST_DIR"/acked.b; do
    awk 'NR > 1 && $1 <= last { print "id " $1 " acknowledged after " last; bad = 1 } { last = $1 } END { exit bad }' "$f" >&2 ||
      flunk "ids went backwards in $f"
  done

  # Everything drains (bounded): nothing is stuck pending or running.
  wait_until 90 no_active_jobs || { "$BATON" status >&2; flunk "jobs did not drain"; }

  # Every acknowledged job exists, is the job that was submitted under that
  # id (same name), and COMPLETED with all its tasks: no task lost.
  status_jobs >"$TEST_DIR/jobs"
  status_tasks >"$TEST_DIR/tasks"
  [ "$(wc -l <"$TEST_DIR/jobs")" -eq "$(sql 'SELECT count(*) FROM jobs')" ] ||
    flunk "status -a shows $(wc -l <"$TEST_DIR/jobs") jobs, the journal has $(sql 'SELECT count(*) FROM jobs')"
  awk '
    FILENAME ~ /jobs$/ { name[$1] = $2; state[$1] = $3; next }
    FILENAME ~ /tasks$/ { if ($3 == "COMPLETED") done[$1]++; next }
    {
      if (!($1 in name)) { print "acknowledged job " $1 " (" $2 ") does not exist"; bad = 1 }
      else if (name[$1] != $2) { print "job " $1 " is " name[$1] ", but " $2 " was acknowledged with that id"; bad = 1 }
      else if (state[$1] != "COMPLETED") { print "job " $1 " ended " state[$1]; bad = 1 }
      else if (done[$1] != $3) { print "job " $1 " has " done[$1] + 0 " completed task(s) of " $3; bad = 1 }
    }
    END { exit bad }' "$TEST_DIR/jobs" "$TEST_DIR/tasks" "$TEST_DIR/acked" >&2 ||
    flunk "acknowledged jobs lost or unfinished"

  # The journal agrees: every task row counts the final states ever recorded
  # for it (tasks.ends). None ended twice (in one attempt or across attempts),
  # and every acknowledged task COMPLETED exactly once.
  run sql "SELECT job, idx, attempt, state, ends FROM tasks WHERE ends > 1"
  [ "$status" -eq 0 ]
  [ -z "$output" ] || flunk "tasks recorded as ended more than once (job|idx|attempt|state|ends): $output"
  sql "SELECT job, idx FROM tasks WHERE state = $COMPLETED AND ends = 1" | tr '|' ' ' | sort >"$TEST_DIR/completed-once"
  awk '{ for (i = 0; i < $3; i++) print $1, i }' "$TEST_DIR/acked" | sort >"$TEST_DIR/acked-tasks"
  if comm -23 "$TEST_DIR/acked-tasks" "$TEST_DIR/completed-once" | grep . >&2; then
    flunk "acknowledged tasks not recorded COMPLETED exactly once in the journal"
  fi

  # Running work is re-attached, not re-run: no task started twice.
  awk '{ print $1, $2 }' "$TEST_DIR/starts" | sort | uniq -d >"$TEST_DIR/started-twice"
  if [ -s "$TEST_DIR/started-twice" ]; then
    local job idx
    echo "$(wc -l <"$TEST_DIR/started-twice") task(s) started more than once; the first ones:" >&2
    head -5 "$TEST_DIR/started-twice" | while read -r job idx; do
      echo "task ${job}_$idx: started as attempts" $(awk -v j="$job" -v i="$idx" '$1 == j && $2 == i { print $3 }' "$TEST_DIR/starts") >&2
      sql "SELECT attempt, state, reason, worker, dispatched_ms, end_ms, ends FROM tasks WHERE job = $job AND idx = $idx" | sed 's/^/  row /' >&2
    done
    flunk "tasks started more than once"
  fi

  run "$BATON" journal check --journal "$TEST_DIR/journal.db"
  [ "$status" -eq 0 ] || flunk "journal check: $output"

  # The next id is above every id ever acknowledged.
  local next max
  next=$("$BATON" submit --parsable -o /dev/null -- true)
  max=$(cut -d' ' -f1 "$TEST_DIR/acked" | sort -n | tail -1)
  [ "$next" -gt "$max" ] || flunk "new job got id $next, but $max was acknowledged before"
}

# Guarantee: tasks running when the broker crashes are re-attached when their
# workers re-register: each runs exactly once, as attempt 1.
@test "kill -9 of the broker while 20 tasks run: each task runs exactly once" {
  start_worker w1 10
  start_worker w2 10
  id=$("$BATON" submit --parsable -a 0-19 -o /dev/null -- \
    sh -c 'echo "start $BATON_ATTEMPT $BATON_WORKER" >>"starts.$BATON_ARRAY_TASK_ID"; sleep 3')
  wait_until 20 lines_at_least 20 'starts.*'
  crash_broker
  restart_broker
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 0 ] || flunk "wait exited $status: $output"

  local i
  for i in $(seq 0 19); do
    [ "$(wc -l <"starts.$i")" -eq 1 ] || { cat "starts.$i" >&2; flunk "task $i started $(wc -l <"starts.$i") times"; }
    grep -q "^start 1 " "starts.$i"
  done
  status_tasks "$id" >tasks
  [ "$(wc -l <tasks)" -eq 20 ] || { cat tasks >&2; flunk "expected 20 tasks"; }
  if awk '$3 != "COMPLETED" || $4 != 1' tasks | grep . >&2; then flunk "tasks not COMPLETED at attempt 1"; fi
  run sql "SELECT idx, attempt, state, ends FROM tasks WHERE job = $id AND (attempt <> 1 OR ends <> 1)"
  [ -z "$output" ] || flunk "journal rows not ended once as attempt 1 (idx|attempt|state|ends): $output"
}

# Guarantee: a task that finishes while the broker is down is not run again:
# its worker keeps the result and hands it to the restarted broker. (Half the
# tasks end during the outage, half after the restart.)
@test "tasks that end while the broker is down are not run again after the restart" {
  start_worker w1 10
  start_worker w2 10
  # Task i waits (bounded) for gate.(i%2), then records its end.
  id=$("$BATON" submit --parsable -a 0-19 -o /dev/null -- sh -c '
    i=$BATON_ARRAY_TASK_ID
    echo "start $BATON_ATTEMPT $BATON_WORKER" >>"starts.$i"
    n=0; while [ ! -e "gate.$((i % 2))" ] && [ $n -lt 300 ]; do sleep 0.2; n=$((n + 1)); done
    echo "end $BATON_ATTEMPT" >>"ends.$i"')
  wait_until 20 lines_at_least 20 'starts.*'
  crash_broker
  touch gate.0
  wait_until 15 lines_at_least 10 'ends.*'
  sleep 0.5 # the workers reap the even tasks and hold their results
  restart_broker
  # The odd tasks end only once both workers are back (re-attached).
  wait_until 10 grep -q "worker w1 registered" "$TEST_DIR/broker.log.cur"
  wait_until 10 grep -q "worker w2 registered" "$TEST_DIR/broker.log.cur"
  touch gate.1
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 0 ] || flunk "wait exited $status: $output"

  local i bad=()
  for i in $(seq 0 19); do
    if [ "$(wc -l <"starts.$i")" -ne 1 ]; then
      echo "task $i started $(wc -l <"starts.$i") times:" $(cat "starts.$i") >&2
      bad+=("$i")
    fi
  done
  if [ "${#bad[@]}" -gt 0 ]; then
    echo "journal row of task ${id}_${bad[0]} (attempt|state|reason|worker|dispatched_ms|end_ms|ends):" >&2
    sql "SELECT attempt, state, reason, worker, dispatched_ms, end_ms, ends FROM tasks WHERE job = $id AND idx = ${bad[0]}" >&2
    echo "broker log after the restart (repeats counted):" >&2
    grep -E "requeue|stale|registered" "$TEST_DIR/broker.log.cur" | cut -d' ' -f3- | uniq -c | head -40 >&2
    flunk "tasks ran more than once"
  fi
  status_tasks "$id" >tasks
  [ "$(wc -l <tasks)" -eq 20 ] || { cat tasks >&2; flunk "expected 20 tasks"; }
  if awk '$3 != "COMPLETED" || $4 != 1' tasks | grep . >&2; then flunk "tasks not COMPLETED at attempt 1"; fi
}

# Guarantee: the tasks of a worker that dies (kill -9) are requeued within the
# liveness window and complete on another worker as attempt 2.
@test "kill -9 of a worker: its tasks are requeued within the liveness window and complete elsewhere as attempt 2" {
  start_worker w1 2 --set worker.liveness=$LIVENESS
  id=$("$BATON" submit --parsable -a 0-1 -o /dev/null -- \
    sh -c 'echo "$BATON_ARRAY_TASK_ID $BATON_ATTEMPT $BATON_WORKER" >>starts; sleep 3')
  wait_until 15 lines_at_least 2 starts ' 1 w1$'
  start_worker w2 2 --set worker.liveness=$LIVENESS
  local t_kill requeued_ms
  t_kill=$(now_ms)
  disown "${WORKER_PIDS[w1]}" 2>/dev/null || true
  kill -9 "${WORKER_PIDS[w1]}"
  wait_gone "${WORKER_PIDS[w1]}" 5
  forget_pid "${WORKER_PIDS[w1]}"
  wait_until 15 lines_at_least 2 starts ' 2 w2$' || { cat starts >&2; flunk "not restarted on w2"; }

  # When the broker dispatched the second attempts (its own clock, in the journal).
  requeued_ms=$(sql "SELECT max(dispatched_ms) FROM tasks WHERE job = $id AND attempt = 2")
  echo "# requeued $((requeued_ms - t_kill)) ms after kill -9 (window $WINDOW_MS ms)" >&3
  [ $((requeued_ms - t_kill)) -le $((2 * WINDOW_MS)) ] ||
    flunk "requeued $((requeued_ms - t_kill)) ms after the kill; the liveness window is $WINDOW_MS ms"

  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 0 ] || flunk "wait exited $status: $output"
  status_tasks "$id" >tasks
  [ "$(wc -l <tasks)" -eq 2 ]
  if awk '$3 != "COMPLETED" || $4 != 2 || $5 != "w2"' tasks | grep . >&2; then
    flunk "tasks did not complete as attempt 2 on w2"
  fi
  # Ended once: attempt 1 never recorded a final state as well.
  run sql "SELECT idx, attempt, state, ends FROM tasks WHERE job = $id AND ends <> 1"
  [ -z "$output" ] || flunk "tasks not recorded as ended exactly once (idx|attempt|state|ends): $output"
}

# Guarantee: a hung worker (SIGSTOP) is treated as lost: its task is requeued
# within the liveness window and completes elsewhere; when the worker wakes
# (SIGCONT) its attempt is stale, it kills it, and its result is not recorded.
@test "SIGSTOP of a worker: its task completes elsewhere, and after SIGCONT the stale attempt is killed" {
  start_worker w1 1 --set worker.liveness=$LIVENESS
  id=$("$BATON" submit --parsable -o out.txt -- \
    sh -c 'echo $$ >pid.$BATON_ATTEMPT; [ "$BATON_ATTEMPT" = 1 ] && sleep 60; echo "done $BATON_ATTEMPT"')
  wait_until 15 test -s pid.1
  start_worker w2 1 --set worker.liveness=$LIVENESS
  local w1=${WORKER_PIDS[w1]} t_stop requeued_ms pid1 sid
  pid1=$(cat pid.1)
  sid=$(ps -o sid= -p "$pid1" | tr -d ' ')
  [ -n "$sid" ] || flunk "attempt 1 (pid $pid1) is not running"

  t_stop=$(now_ms)
  kill -STOP "$w1"
  wait_until 15 test -s pid.2 || flunk "the task was not requeued while w1 was stopped"
  requeued_ms=$(sql "SELECT max(dispatched_ms) FROM tasks WHERE job = $id AND attempt = 2")
  echo "# requeued $((requeued_ms - t_stop)) ms after SIGSTOP (window $WINDOW_MS ms)" >&3
  [ $((requeued_ms - t_stop)) -le $((2 * WINDOW_MS)) ] ||
    flunk "requeued $((requeued_ms - t_stop)) ms after SIGSTOP; the liveness window is $WINDOW_MS ms"
  run timeout 30 "$BATON" wait "$id"
  [ "$status" -eq 0 ] || flunk "wait exited $status: $output"
  # Stopping the worker did not stop its task: attempt 1 still runs.
  kill -0 "$pid1" || flunk "attempt 1 died while its worker was stopped"

  kill -CONT "$w1"
  wait_until 10 bash -c "! pgrep -s $sid" || { ps -f -s "$sid" >&2; flunk "the stale attempt 1 still runs 10 s after SIGCONT"; }
  kill -0 "$pid1" 2>/dev/null && flunk "attempt 1 (pid $pid1) survived"
  # w1 comes back (it is not dead, only was stopped).
  wait_until 10 worker_registered w1 || flunk "w1 did not re-register after SIGCONT"
  sleep 0.5 # time for a (wrongly) reported attempt-1 result to be recorded

  status_tasks "$id" >tasks
  [ "$(cat tasks)" = "$id 0 COMPLETED 2 w2" ] || { cat tasks >&2; flunk "expected COMPLETED as attempt 2 on w2"; }
  [ "$(cat out.txt)" = "done 2" ]
  run sql "SELECT attempt, state, worker, ends FROM tasks WHERE job = $id"
  [ "$output" = "2|$COMPLETED|w2|1" ] || flunk "journal row (attempt|state|worker|ends): $output"
}
