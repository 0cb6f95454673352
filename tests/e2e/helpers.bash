# Shared set-up for baton's end-to-end tests: a private runtime dir, a real
# broker and workers on 127.0.0.1 with ports the kernel picks, bounded waits,
# and clean-up of every process started, by pid.

BATON=${BATON_BIN:-baton}

setup_common() {
  TEST_DIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/baton-e2e.XXXXXX")
  mkdir -m 700 "$TEST_DIR/run" "$TEST_DIR/home"
  export XDG_RUNTIME_DIR="$TEST_DIR/run" HOME="$TEST_DIR/home"
  unset BATON_CONFIG BATON_BROKER BATON_JOURNAL BATON_WORKER_BROKER
  # An empty user config: a host's /etc/baton/baton.toml (an installed
  # package's, with cgroups on) never changes what a test runs.
  mkdir -p "$HOME/.config/baton" && : >"$HOME/.config/baton/baton.toml"
  STARTED_PIDS=()
  cd "$TEST_DIR" || return 1
}

teardown_common() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${STARTED_PIDS[@]}"; do
    wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null
  done
  cd /
  if [ -n "${BATS_TEST_COMPLETED:-}" ]; then rm -rf "$TEST_DIR"; else echo "# kept $TEST_DIR" >&3; fi
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s; fails after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}

wait_gone() {
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# start_broker [CLIENT_PORT WORKER_PORT] [broker args...]: ports default to
# kernel-chosen ones; the journal is $JOURNAL (default $TEST_DIR/journal.db); sets BROKER_PID, CLIENT_PORT, WORKER_PORT, BATON_BROKER.
start_broker() {
  local cport=${1:-*} wport=${2:-*}
  shift 2 2>/dev/null || shift $#
  : > "$TEST_DIR/broker.log.cur"
  "$BATON" broker --clients "tcp://127.0.0.1:$cport" --workers "tcp://127.0.0.1:$wport" \
    --journal "${JOURNAL:-$TEST_DIR/journal.db}" --set broker.heartbeat_interval=200ms --set security.insecure=true "$@" \
    >"$TEST_DIR/broker.log.cur" 2>&1 &
  BROKER_PID=$!
  STARTED_PIDS+=("$BROKER_PID")
  wait_until 10 grep -q "up: clients" "$TEST_DIR/broker.log.cur" || { cat "$TEST_DIR/broker.log.cur" >&2; return 1; }
  cat "$TEST_DIR/broker.log.cur" >>"$TEST_DIR/broker.log"
  CLIENT_PORT=$(sed -n 's/.*up: clients tcp:\/\/127.0.0.1:\([0-9]*\),.*/\1/p' "$TEST_DIR/broker.log.cur")
  WORKER_PORT=$(sed -n 's/.*, workers tcp:\/\/127.0.0.1:\([0-9]*\),.*/\1/p' "$TEST_DIR/broker.log.cur")
  export BATON_BROKER="tcp://127.0.0.1:$CLIENT_PORT"
}

# start_worker NAME CPUS [worker args...]: sets WORKER_PID (and WORKER_PIDS[NAME]).
declare -gA WORKER_PIDS
start_worker() {
  local name=$1 cpus=$2
  shift 2
  "$BATON" worker --broker "tcp://127.0.0.1:$WORKER_PORT" --name "$name" --cpus "$cpus" \
    --set worker.heartbeat_interval=200ms "$@" >>"$TEST_DIR/worker-$name.log" 2>&1 &
  WORKER_PID=$!
  WORKER_PIDS[$name]=$WORKER_PID
  STARTED_PIDS+=("$WORKER_PID")
  wait_until 10 worker_registered "$name"
}

worker_registered() {
  "$BATON" workers 2>/dev/null | awk -v n="$1" '$1 == n && $2 != "lost" { found = 1 } END { exit !found }'
}

# job_state JOB: the STATE column of `status JOB`.
job_state() {
  "$BATON" status "$1" | awk 'NR == 2 { print $4 }'
}

job_is() {
  [ "$(job_state "$1")" = "$2" ]
}

# --- helpers for batch.bats and scheduler.bats ---------------------------

# A task body that appends "S <ns>" when it starts and "E <ns>" when it ends to
# the file $EVENTS (exported by the test), sleeping $1 seconds in between:
#   submit ... -- sh -c "$EVENT_TASK" 0.5
EVENT_TASK='echo "S $(date +%s%N) $BATON_JOB_ID $BATON_WORKER" >>"$EVENTS"; sleep "$0"; echo "E $(date +%s%N) $BATON_JOB_ID $BATON_WORKER" >>"$EVENTS"'

# max_overlap FILE: the most S..E intervals of FILE open at one instant
# (an end and a start with the same stamp do not overlap).
max_overlap() {
  sort -k2,2n -k1,1 "$1" | awk '$1 == "E" { n-- } $1 == "S" { if (++n > max) max = n } END { print max + 0 }'
}

# event_time FILE KIND JOB: the stamp of JOB's first KIND (S or E) event.
event_time() {
  awk -v k="$2" -v j="$3" '$1 == k && $3 == j { print $2; exit }' "$1"
}

# status_has REGEX [status args...]: some line of `status ARGS` matches REGEX (ERE).
status_has() {
  local re=$1; shift
  "$BATON" status "$@" | grep -Eq -- "$re"
}

# is_json: stdin is valid JSON (python3, else jq, else a shape check).
is_json() {
  if command -v python3 >/dev/null; then python3 -m json.tool >/dev/null
  elif command -v jq >/dev/null; then jq -e . >/dev/null
  else grep -Eq '^[[:space:]]*[{[].*[]}][[:space:]]*$'
  fi
}

# forget_pid PID: drop a pid the test already waited for from STARTED_PIDS,
# so teardown never signals a recycled pid.
forget_pid() {
  local p keep=()
  for p in "${STARTED_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  STARTED_PIDS=("${keep[@]}")
}

# --- the personal broker (baton up, autostart): local.bats, readme.bats ---

# setup_personal: no configuration at all (not even /etc/baton/baton.toml),
# the journal in the test dir; client commands may start a personal broker.
setup_personal() {
  export BATON_CONFIG=/dev/null XDG_STATE_HOME="$TEST_DIR/state"
  unset BATON_AUTOSTART
}

# stop_personal: `baton down`, then SIGKILL whatever its pid files still name.
stop_personal() {
  "$BATON" down >/dev/null 2>&1
  local f
  for f in "$XDG_RUNTIME_DIR/baton/broker.pid" "$XDG_RUNTIME_DIR/baton/worker.pid"; do
    [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  return 0
}

# free_port: a loopback port nothing listens on, below the ephemeral range,
# so no outgoing connection (of this or a concurrent test) can hold it.
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
