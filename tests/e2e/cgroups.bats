#!/usr/bin/env bats
# Contained tasks (worker.cgroup): --mem is a hard limit ending in
# OUT_OF_MEMORY, cancel and time limits leave no process of a task behind
# (setsid'd ones too), MAXRSS comes from the task's cgroup, and a restarted
# worker sweeps what a killed one left. Tests that need cgroups skip, saying
# why, on hosts where the worker cannot make them.

load helpers

setup() {
  setup_common
  start_broker
}

teardown() {
  local p
  for p in $(cat "$TEST_DIR"/*.pid 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  teardown_common
}

# start_contained NAME CPUS [args]: a worker with worker.cgroup=auto; skips
# the test (with the worker's own reason) when it runs tasks uncontained.
start_contained() {
  local name=$1 cpus=$2
  shift 2
  start_worker "$name" "$cpus" --set worker.cgroup=auto --kill-grace 1s "$@"
  local log="$TEST_DIR/worker-$name.log"
  wait_until 5 grep -Eq "tasks run (contained|without cgroups)" "$log"
  if grep -q "tasks run without cgroups" "$log"; then
    skip "no cgroups here: $(grep -o 'without cgroups (.*)' "$log" | head -1)"
  fi
  CG_ROOT=$(sed -n 's/.*cgroup v[12] under \([^ ]*\) .*/\1/p' "$log" | head -1)
  [ -d "$CG_ROOT" ]
}

# maxrss_kb JOB: the MAXRSS column of `history JOB`, in KiB.
maxrss_kb() {
  "$BATON" history --noheader --format maxrss "$1" | tr -d ' K'
}

# The directory of the task cgroup a process is in (its memory hierarchy on
# v1, the unified one on v2): CG_ROOT/<task cgroup>.
cgroup_of() {
  local rel
  rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' "/proc/$1/cgroup")
  [ -n "$rel" ] || rel=$(awk -F: '$1 == "0" { print $3; exit }' "/proc/$1/cgroup")
  echo "$CG_ROOT/${rel##*/}"
}

# A task that leaves its process group: setsid's sleep writes its pid, the
# shell waits in the foreground.
ESCAPER='setsid sleep 1000 & echo $! > "$0"; sleep 1000'

escaped_pid() {
  wait_until 10 test -s "$1"
  cat "$1"
}

@test "a task past its --mem ends OUT_OF_MEMORY (wait exits 137) while its neighbour completes" {
  start_contained w1 2
  local hog ok
  hog=$("$BATON" submit --parsable --mem 64M -o /dev/null -- dd if=/dev/zero of=/dev/null bs=256M count=1)
  ok=$("$BATON" submit --parsable --mem 64M -o /dev/null -- sh -c 'sleep 1; echo fine')
  run timeout 30 "$BATON" wait "$hog"
  [ "$status" -eq 137 ]
  run timeout 30 "$BATON" wait "$ok"
  [ "$status" -eq 0 ]
  job_is "$hog" OUT_OF_MEMORY
  "$BATON" history --noheader --format jobid,state "$hog" | grep -q "OUT_OF_MEMORY"
  "$BATON" history --noheader --format state "$ok" | grep -q "COMPLETED"
  "$BATON" explain "$hog" | grep -q "went past the job's --mem limit"
}

@test "a cancelled task leaves no process, not even one that called setsid, and its cgroup is gone" {
  start_contained w1 1
  local job pid cg
  job=$("$BATON" submit --parsable -o /dev/null -- sh -c "$ESCAPER" "$TEST_DIR/esc.pid")
  pid=$(escaped_pid "$TEST_DIR/esc.pid")
  echo "$pid" >"$TEST_DIR/leftover.pid"
  cg=$(cgroup_of "$pid")
  [ -d "$cg" ]
  grep -qx "$pid" "$cg/cgroup.procs"
  [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ]  # it did leave the task's session
  "$BATON" cancel "$job"
  wait_until 15 job_is "$job" CANCELLED
  wait_gone "$pid" 10
  wait_until 5 test ! -d "$cg"
}

@test "a task at its time limit leaves no process behind either" {
  start_contained w1 1
  local job pid
  job=$("$BATON" submit --parsable -t 0:02 -o /dev/null -- sh -c "$ESCAPER" "$TEST_DIR/esc.pid")
  pid=$(escaped_pid "$TEST_DIR/esc.pid")
  echo "$pid" >"$TEST_DIR/leftover.pid"
  run timeout 30 "$BATON" wait "$job"
  [ "$status" -eq 124 ]
  wait_gone "$pid" 10
}

@test "MAXRSS is the task's own: under 2 MB for true, within 10% of 200 MB for a 200 MB buffer" {
  start_contained w1 1
  local small big
  small=$("$BATON" submit --parsable -o /dev/null -- true)
  big=$("$BATON" submit --parsable -o /dev/null -- dd if=/dev/zero of=/dev/null bs=200M count=1)
  run timeout 30 "$BATON" wait "$small" "$big"
  [ "$status" -eq 0 ]
  local s b
  s=$(maxrss_kb "$small")
  b=$(maxrss_kb "$big")
  echo "true: ${s}K, dd: ${b}K" >&3
  [ "$s" -gt 0 ] && [ "$s" -lt 2048 ]
  [ "$b" -ge $((204800 * 9 / 10)) ] && [ "$b" -le $((204800 * 11 / 10)) ]
}

@test "a worker killed with SIGKILL leaves an escaped process; its restart sweeps it" {
  start_contained w1 1
  local job pid
  job=$("$BATON" submit --parsable -o /dev/null -- sh -c "$ESCAPER" "$TEST_DIR/esc.pid")
  pid=$(escaped_pid "$TEST_DIR/esc.pid")
  echo "$pid" >"$TEST_DIR/leftover.pid"
  kill -KILL "$WORKER_PID"
  wait_gone "$WORKER_PID" 5
  forget_pid "$WORKER_PID"
  sleep 0.5
  kill -0 "$pid"  # without the sweep it would run on
  start_contained w1 1
  grep -q "killed what a previous worker left running in 1 task cgroup(s)" "$TEST_DIR/worker-w1.log"
  wait_gone "$pid" 10
  # The broker runs the lost task again on the new worker; end it, so the
  # teardown leaves nothing running either.
  "$BATON" cancel "$job"
  wait_until 15 job_is "$job" CANCELLED
}

@test "two workers of one name on one host (two brokers) leave each other's task cgroups alone" {
  # Same name, same host: both make task cgroups in one directory (on v2,
  # every worker of a delegated cgroup does). The second one's start-up sweep
  # must take only what dead workers left, never a live worker's tasks.
  start_contained w1 1
  local job pid
  job=$("$BATON" submit --parsable -o /dev/null -- sh -c 'echo $$ > "$0"; sleep 1000' "$TEST_DIR/a.pid")
  pid=$(escaped_pid "$TEST_DIR/a.pid")
  echo "$pid" >"$TEST_DIR/leftover.pid"
  local first=$BATON_BROKER
  JOURNAL="$TEST_DIR/other.db" start_broker
  start_contained w1 1
  [ "$(grep -c "killed what a previous worker left" "$TEST_DIR/worker-w1.log")" -eq 0 ]
  # The second worker's pool is made; the first one's task still runs.
  run "$BATON" submit --wait -o /dev/null -- true
  [ "$status" -eq 0 ]
  kill -0 "$pid"
  job_is_running() { BATON_BROKER=$first job_is "$job" RUNNING; }
  job_is_running
  BATON_BROKER=$first "$BATON" cancel "$job"
  wait_gone "$pid" 10
}

@test "a worker that cannot make cgroups runs jobs as before and says once which guarantees are off" {
  # A cgroup path below a file: no cgroup can be made there.
  start_worker w1 1 --set worker.cgroup=/cgroup.procs/baton
  run timeout 30 "$BATON" submit --wait -o /dev/null -- true
  [ "$status" -eq 0 ]
  [ "$(grep -c 'tasks run without cgroups' "$TEST_DIR/worker-w1.log")" -eq 1 ]
  grep -q -- "--mem is not enforced" "$TEST_DIR/worker-w1.log"
}
