#!/usr/bin/env bats
# High availability: three brokers on one Raft-replicated journal, on
# 127.0.0.1 with free ports; clients and workers hold the list of all three.
# Leaders are killed (-9) and frozen (SIGSTOP); nothing acknowledged may be
# lost or run twice, and the three journals must end identical.

load helpers

setup() {
  setup_common
  command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
  local used=" " p i
  declare -gA CPORT WPORT RPORT NODE_PID
  for i in 1 2 3; do
    for kind in C W R; do
      p=$(free_port)
      while [[ "$used" == *" $p "* ]]; do p=$(free_port); done
      used+="$p "
      case $kind in C) CPORT[$i]=$p ;; W) WPORT[$i]=$p ;; R) RPORT[$i]=$p ;; esac
    done
    mkdir -p "$TEST_DIR/b$i"
  done
  PEERS="1@127.0.0.1:${RPORT[1]},2@127.0.0.1:${RPORT[2]},3@127.0.0.1:${RPORT[3]}"
  export BATON_BROKER="tcp://127.0.0.1:${CPORT[1]},tcp://127.0.0.1:${CPORT[2]},tcp://127.0.0.1:${CPORT[3]}"
  WORKER_BROKERS="tcp://127.0.0.1:${WPORT[1]},tcp://127.0.0.1:${WPORT[2]},tcp://127.0.0.1:${WPORT[3]}"
  export BATON_TIMEOUT=20s
}

teardown() {
  local i
  for i in 1 2 3; do [ -n "${NODE_PID[$i]:-}" ] && kill -CONT "${NODE_PID[$i]}" 2>/dev/null; done
  teardown_common
}

# start_node I [broker args...]: broker I of the cluster, in the background.
start_node() {
  local i=$1
  shift
  "$BATON" broker --clients "tcp://127.0.0.1:${CPORT[$i]}" --workers "tcp://127.0.0.1:${WPORT[$i]}" \
    --journal "$TEST_DIR/b$i/journal.db" --set security.insecure=true --set broker.heartbeat_interval=200ms --set broker.liveness=25 \
    --set ha.node_id="$i" --set ha.peers="$PEERS" "$@" >>"$TEST_DIR/b$i.log" 2>&1 &
  NODE_PID[$i]=$!
  STARTED_PIDS+=("$!")
}

start_cluster() {
  local i
  for i in 1 2 3; do start_node "$i" "$@"; done
  wait_until 20 leader_serves
}

# node_state I: what broker I says it is (leader, follower, candidate).
node_state() {
  BATON_BROKER="tcp://127.0.0.1:${CPORT[$1]}" BATON_TIMEOUT=2s "$BATON" ha status --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("state",""))'
}

# node_is I STATE / node_is_not I STATE: for wait_until (evaluated on each try).
node_is() { [ "$(node_state "$1")" = "$2" ]; }
node_is_not() { [ "$(node_state "$1")" != "$2" ]; }

# find_leader: the id of the broker that says it leads (none: fails).
find_leader() {
  local i
  for i in 1 2 3; do
    if [ "$(node_state "$i")" = leader ]; then echo "$i"; return 0; fi
  done
  return 1
}

leader_serves() { BATON_TIMEOUT=2s "$BATON" status >/dev/null; }

start_ha_worker() {
  "$BATON" worker --broker "$WORKER_BROKERS" --name "$1" --cpus "$2" --set worker.heartbeat_interval=200ms \
    >>"$TEST_DIR/worker-$1.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_until 20 worker_registered "$1"
}

# dump I: broker I's jobs and tasks, row by row (what must be identical).
dump() {
  sqlite3 "$TEST_DIR/b$1/journal.db" \
    "SELECT id, name, state, end_ms, wait_code, n_tasks, cancelled FROM jobs ORDER BY id;
     SELECT key, job, ordinal, state, attempt, start_ms, end_ms, exit_code, ends FROM tasks ORDER BY key;"
}

journals_identical() {
  local a b c
  a=$(dump 1) && b=$(dump 2) && c=$(dump 3) && [ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ]
}

@test "three brokers elect one leader; clients and workers find it through the list; journals are identical" {
  start_cluster
  start_ha_worker w1 2
  leader=$(find_leader)
  run "$BATON" ha status
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"leader: node $leader at 127.0.0.1:${RPORT[$leader]}"* ]]
  [ "$(grep -c ' voter ' <<<"$output")" -eq 3 ]
  for n in $(seq 1 10); do "$BATON" submit --parsable -J j$n -- true >>"$TEST_DIR/acked"; done
  run "$BATON" wait --timeout 30 $(cat "$TEST_DIR/acked")
  [ "$status" -eq 0 ]
  wait_until 10 journals_identical
  [ "$(sqlite3 "$TEST_DIR/b1/journal.db" 'SELECT count(*) FROM jobs WHERE state = 3')" -eq 10 ]
  # A standby alone answers "not the leader", exit 3, naming the leader.
  standby=$(( leader % 3 + 1 ))
  run env BATON_BROKER="tcp://127.0.0.1:${CPORT[$standby]}" BATON_TIMEOUT=1s "$BATON" status
  [ "$status" -eq 3 ]
  [[ "$output" == *"standby"*"node $leader"* ]]
  for i in 1 2 3; do "$BATON" journal check "$TEST_DIR/b$i/journal.db"; done
}

@test "leader killed -9 five times during a storm: every acknowledged job runs once, ids never repeat, journals equal" {
  start_cluster
  start_ha_worker w1 2
  start_ha_worker w2 2
  # The storm: submits (each acknowledged id recorded) while tasks complete.
  (
    for n in $(seq 1 150); do
      id=$("$BATON" submit --parsable -J s$n -- sh -c 'echo "$BATON_JOB_ID" >>"$0"; sleep 0.$((RANDOM % 3))' \
        "$TEST_DIR/runs") && echo "$id" >>"$TEST_DIR/acked"
    done
    echo done >"$TEST_DIR/storm.done"
  ) 3>&- &
  storm=$!
  STARTED_PIDS+=("$storm")
  for k in 1 2 3 4 5; do
    sleep "0.$((3 + RANDOM % 6))"
    leader=$(find_leader) || { wait_until 10 leader_serves; leader=$(find_leader); }
    t0=$(date +%s%N)
    kill -9 "${NODE_PID[$leader]}"
    wait_until 15 leader_serves
    echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$TEST_DIR/failover_ms"
    start_node "$leader"
  done
  wait_until 120 test -f "$TEST_DIR/storm.done"
  acked=$(wc -l <"$TEST_DIR/acked")
  echo "acknowledged: $acked; failover ms: $(tr '\n' ' ' <"$TEST_DIR/failover_ms")" >&3
  [ "$acked" -ge 100 ]
  # Ids never repeat, and every acknowledged job completes.
  [ -z "$(sort "$TEST_DIR/acked" | uniq -d)" ]
  run "$BATON" wait --timeout 60 $(cat "$TEST_DIR/acked")
  echo "$output"
  [ "$status" -eq 0 ]
  # What ran: each job's command appends its id once per run, so this is
  # the ground truth. A dispatch that the old leader had committed but not
  # sent when it died is dispatched again by the next leader (attempt 2):
  # that is the one case where a task's attempt may exceed 1, and it ran once.
  sort "$TEST_DIR/acked" >"$TEST_DIR/acked.sorted"
  sort "$TEST_DIR/runs" >"$TEST_DIR/runs.sorted"
  sort -u "$TEST_DIR/runs" >"$TEST_DIR/runs.once"
  diff "$TEST_DIR/runs.sorted" "$TEST_DIR/runs.once"       # no job ran twice
  [ -z "$(comm -23 "$TEST_DIR/acked.sorted" "$TEST_DIR/runs.once")" ]   # every acknowledged job ran
  echo "dispatched again (job:attempt): $(sqlite3 -separator : "$TEST_DIR/b1/journal.db" \
    'SELECT job, attempt FROM tasks WHERE attempt > 1' | tr '\n' ' ')" >&3
  wait_until 20 journals_identical
  for i in 1 2 3; do
    # Each acknowledged job is in every journal exactly once, COMPLETED.
    sqlite3 "$TEST_DIR/b$i/journal.db" "SELECT id FROM jobs WHERE state = 3" | sort >"$TEST_DIR/completed.$i"
    [ -z "$(comm -23 "$TEST_DIR/acked.sorted" "$TEST_DIR/completed.$i")" ]
    # No task was recorded final twice.
    [ "$(sqlite3 "$TEST_DIR/b$i/journal.db" 'SELECT count(*) FROM tasks WHERE ends > 1')" -eq 0 ]
    "$BATON" journal check "$TEST_DIR/b$i/journal.db"
  done
}

@test "a frozen leader (SIGSTOP past the election timeout) steps down on waking and is not obeyed" {
  start_cluster
  start_ha_worker w1 2
  old=$(find_leader)
  term_before=$(BATON_BROKER="tcp://127.0.0.1:${CPORT[$old]}" "$BATON" ha status --json |
    python3 -c 'import json,sys; print(int(json.load(sys.stdin)["term"]))')
  kill -STOP "${NODE_PID[$old]}"
  wait_until 15 leader_serves
  new=$(find_leader)
  [ "$new" != "$old" ]
  id=$("$BATON" submit --parsable -- sh -c 'sleep 1; echo ran >>"$0"' "$TEST_DIR/ran")
  kill -CONT "${NODE_PID[$old]}"
  wait_until 10 node_is "$old" follower
  run "$BATON" wait --timeout 30 "$id"
  [ "$status" -eq 0 ]
  [ "$(wc -l <"$TEST_DIR/ran")" -eq 1 ]
  # The woken broker saw a higher term and dropped what its turn had made.
  grep -q "standing by" "$TEST_DIR/b$old.log"
  term_now=$(BATON_BROKER="tcp://127.0.0.1:${CPORT[$old]}" "$BATON" ha status --json |
    python3 -c 'import json,sys; print(int(json.load(sys.stdin)["term"]))')
  [ "$term_now" -gt "$term_before" ]
  wait_until 10 journals_identical
}

@test "running tasks survive a failover: started once, finished once, result recorded" {
  start_cluster
  start_ha_worker w1 4
  ids=()
  for n in 1 2 3 4; do ids+=("$("$BATON" submit --parsable -- sh -c 'sleep 2; exit 7')"); done
  wait_until 10 status_has "RUNNING" "${ids[3]}"
  leader=$(find_leader)
  kill -9 "${NODE_PID[$leader]}"
  wait_until 15 leader_serves
  run "$BATON" wait --timeout 30 "${ids[@]}"
  [ "$status" -eq 7 ]
  start_node "$leader"
  wait_until 20 journals_identical
  [ "$(sqlite3 "$TEST_DIR/b1/journal.db" "SELECT count(*) FROM tasks WHERE exit_code = 7 AND attempt = 1 AND ends = 1")" -eq 4 ]
}

@test "a follower whose data is deleted rejoins from a snapshot" {
  start_cluster --set ha.snapshot_entries=64
  start_ha_worker w1 2
  leader=$(find_leader)
  gone=$(( leader % 3 + 1 ))
  kill -TERM "${NODE_PID[$gone]}"
  wait_gone "${NODE_PID[$gone]}" 10
  rm -rf "$TEST_DIR/b$gone"
  mkdir -p "$TEST_DIR/b$gone"
  "$BATON" submit --parsable -a 1-200 -- true >"$TEST_DIR/array"
  for n in $(seq 1 40); do "$BATON" submit --parsable -- true >>"$TEST_DIR/array"; done
  run "$BATON" wait --timeout 60 $(cat "$TEST_DIR/array")
  [ "$status" -eq 0 ]
  start_node "$gone" --set ha.snapshot_entries=64
  wait_until 30 journals_identical
  grep -q "snapshot" "$TEST_DIR/b$gone.log"
  "$BATON" journal check "$TEST_DIR/b$gone/journal.db"
}

@test "ha transfer moves leadership to the named node" {
  start_cluster
  leader=$(find_leader)
  to=$(( leader % 3 + 1 ))
  run "$BATON" ha transfer "$to"
  echo "$output"
  [ "$status" -eq 0 ]
  wait_until 10 node_is "$to" leader
  run "$BATON" submit --parsable -- true
  [ "$status" -eq 0 ]
}

@test "bad [ha] settings are refused with the setting named" {
  run "$BATON" broker --journal "$TEST_DIR/j.db" --set ha.node_id=4 --set ha.peers="$PEERS"
  [ "$status" -eq 2 ]
  [[ "$output" == *"ha.node_id 4 is not among ha.peers"* ]]
  run "$BATON" broker --journal "$TEST_DIR/j.db" --set ha.node_id=1 --set ha.peers="1@0.0.0.0:${RPORT[1]}"
  [ "$status" -eq 2 ]
  [[ "$output" == *"wildcard"* ]]
  run "$BATON" broker --journal "$TEST_DIR/j.db" --set ha.node_id=1 --set ha.peers="one@127.0.0.1:1"
  [ "$status" -eq 2 ]
  [[ "$output" == *"bad peer 'one@127.0.0.1:1'"* ]]
}

@test "after losing two of three brokers, ha recover makes the survivor a cluster of one with every job" {
  start_cluster
  start_ha_worker w1 2
  for n in 1 2 3; do "$BATON" submit --parsable -- true >>"$TEST_DIR/acked"; done
  run "$BATON" wait --timeout 30 $(cat "$TEST_DIR/acked")
  [ "$status" -eq 0 ]
  survivor=$(find_leader)
  wait_until 10 journals_identical
  for i in 1 2 3; do [ "$i" = "$survivor" ] || kill -9 "${NODE_PID[$i]}"; done
  # Alone, it cannot commit: nothing is served.
  wait_until 10 node_is_not "$survivor" leader
  run env BATON_TIMEOUT=2s "$BATON" submit -- true
  [ "$status" -eq 3 ]
  kill -TERM "${NODE_PID[$survivor]}"
  wait_gone "${NODE_PID[$survivor]}" 10
  alone="$survivor@127.0.0.1:${RPORT[$survivor]}"
  run "$BATON" ha recover --set journal.path="$TEST_DIR/b$survivor/journal.db" --set ha.node_id="$survivor" \
    --set ha.peers="$alone"
  echo "$output"
  [ "$status" -eq 0 ]
  PEERS=$alone start_node "$survivor"
  export BATON_BROKER="tcp://127.0.0.1:${CPORT[$survivor]}"
  wait_until 20 leader_serves
  run "$BATON" wait --timeout 30 $(cat "$TEST_DIR/acked")
  [ "$status" -eq 0 ]
  id=$("$BATON" submit --parsable -- true)
  [ "$id" -eq 4 ]
}

@test "the Raft port closes connections from addresses that are not peers'" {
  start_cluster
  leader=$(find_leader)
  # A Raft handshake (protocol 1, node 9, its address) from 127.0.0.2, which no peer has.
  python3 - "${RPORT[$leader]}" <<'PY'
import socket, struct, sys, time
addr = b"127.0.0.2:1\0"
addr += b"\0" * (-len(addr) % 8)
s = socket.socket()
s.bind(("127.0.0.2", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(struct.pack("<QQQ", 1, 9, len(addr)) + addr)
s.settimeout(5)
try:
    closed = s.recv(1) == b""
except ConnectionResetError:
    closed = True
sys.exit(0 if closed else 1)
PY
  wait_until 5 grep -q "refused a Raft connection from 127.0.0.2 (claiming to be node 9" "$TEST_DIR/b$leader.log"
  # The cluster is unharmed.
  run "$BATON" submit --parsable -- true
  [ "$status" -eq 0 ]
}

# metrics_has PORT REGEX: the broker's /metrics has a line matching REGEX.
metrics_has() { curl -sf "http://127.0.0.1:$1/metrics" | grep -Eq "$2"; }

@test "each broker's metrics give its Raft role and term" {
  command -v curl >/dev/null || skip "curl is not installed"
  declare -A MPORT
  for i in 1 2 3; do
    MPORT[$i]=$(free_port)
    start_node "$i" --set broker.metrics="127.0.0.1:${MPORT[$i]}"
  done
  wait_until 20 leader_serves
  leader=$(find_leader)
  follower=$(( leader % 3 + 1 ))
  wait_until 10 metrics_has "${MPORT[$leader]}" '^baton_ha_role\{role="leader"\} 1$'
  wait_until 10 metrics_has "${MPORT[$follower]}" '^baton_ha_role\{role="follower"\} 1$'
  wait_until 10 metrics_has "${MPORT[$follower]}" '^baton_ha_term [1-9]'
}
