#!/usr/bin/env bash
# ha.sh: replicated brokers (three, Raft on 127.0.0.1) against one broker,
# side by side in one run, and failover time.
#
#   bench/ha.sh [--quick] [--baton PATH] [--tools DIR] [--no-update]
#
# Rows: dispatch capacity (simulated workers, no process starts), end-to-end
# /bin/true throughput (a real worker with 2 cpus), submit latency (median
# wall time of `baton submit -- true`), and failover (kill -9 of the leader
# to the first answered request, through the client's list of brokers).
# Full mode rewrites the part of BENCHMARKS.md between <!-- bench-ha:begin -->
# and <!-- bench-ha:end -->; --quick runs small sizes and touches nothing.
# Sizes (full / quick): HA_CAP 200000/5000, HA_TP 2000/100, HA_LAT 50/5,
# HA_KILLS 10/2. Every daemon is killed by pid on exit; every wait is bounded.
set -uo pipefail
export BATON_AUTOSTART=false

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MODE=full UPDATE=1 BATON="" TOOLS=""
while (($#)); do
  case $1 in
    --quick) MODE=quick; UPDATE=0 ;;
    --no-update) UPDATE=0 ;;
    --baton) BATON=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    -h|--help) sed -n "2,15p" "$0"; exit 0 ;;
    *) echo "ha.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
BATON=${BATON:-$REPO/build/release/cmd/baton}
[[ -x $BATON ]] || { echo "ha.sh: baton binary not found: $BATON" >&2; exit 2; }
BATON=$(cd "$(dirname "$BATON")" && pwd)/$(basename "$BATON")
TOOLS=${TOOLS:-$(dirname "$BATON")/../bench}
BT=$TOOLS/baton_benchtool
[[ -x $BT ]] || { echo "ha.sh: $BT not found (build the bench targets)" >&2; exit 2; }
if [[ $MODE == quick ]]; then
  CAP=${HA_CAP:-5000} TP=${HA_TP:-100} LAT=${HA_LAT:-5} KILLS=${HA_KILLS:-2}
else
  CAP=${HA_CAP:-200000} TP=${HA_TP:-2000} LAT=${HA_LAT:-50} KILLS=${HA_KILLS:-10}
fi

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/baton-ha-bench.XXXXXX")
REPORT=$ROOT/report.md
PIDS=()
log() { printf '[ha.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
out() { printf '%s\n' "$*" >>"$REPORT"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
now_ns() { date +%s%N; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" | head -1; }
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.02
  done
}
stop_pids() {
  local p
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  return 0
}
cleanup() { stop_pids "${PIDS[@]}"; rm -rf "$ROOT"; }
trap cleanup EXIT
FAILED=0
fail() { log "FAILED: $*"; FAILED=1; }

port() {  # a free loopback port below the ephemeral range
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# --- the two set-ups: one broker, or three; CLIENTS and WORKER_EP for each.
D="" CLIENTS="" WORKER_EP="" BROKERS=()
declare -A CP WP
single_start() {
  D=$(mktemp -d "$ROOT/single.XXXX")
  env BATON_CONFIG=/dev/null BATON_LOG=warn HOME="$D" XDG_RUNTIME_DIR="$D" "$BATON" broker \
    --clients "ipc://$D/c.sock" --workers "ipc://$D/w.sock" --journal "$D/journal.db" >"$D/broker.log" 2>&1 &
  BROKERS=($!); PIDS+=($!)
  CLIENTS="ipc://$D/c.sock" WORKER_EP="ipc://$D/w.sock"
  wait_until 10 bc status || { fail "single broker did not start"; return 1; }
}
cluster_start() {
  D=$(mktemp -d "$ROOT/ha.XXXX")
  local i peers="" r
  for i in 1 2 3; do r=$(port); peers+="${peers:+,}$i@127.0.0.1:$r"; CP[$i]=$(port); WP[$i]=$(port); done
  BROKERS=()
  for i in 1 2 3; do node_start "$i" "$peers"; done
  CLIENTS="tcp://127.0.0.1:${CP[1]},tcp://127.0.0.1:${CP[2]},tcp://127.0.0.1:${CP[3]}"
  wait_until 20 bc status || { fail "cluster did not elect a leader"; return 1; }
  local l; l=$(leader)
  WORKER_EP="tcp://127.0.0.1:${WP[$l]}"
  # The leader first: steady state, as a client that last talked to it.
  CLIENTS="tcp://127.0.0.1:${CP[$l]},$CLIENTS"
  PEERS=$peers
}
node_start() {  # node_start I PEERS
  mkdir -p "$D/b$1"
  env BATON_CONFIG=/dev/null BATON_LOG=warn HOME="$D" XDG_RUNTIME_DIR="$D" "$BATON" broker \
    --clients "tcp://127.0.0.1:${CP[$1]}" --workers "tcp://127.0.0.1:${WP[$1]}" --journal "$D/b$1/journal.db" \
    --set security.insecure=true --set ha.node_id="$1" --set ha.peers="$2" >>"$D/b$1.log" 2>&1 &
  BROKERS[$1]=$!; PIDS+=($!)
}
leader() {
  local i
  for i in 1 2 3; do
    env BATON_CONFIG=/dev/null BATON_BROKER="tcp://127.0.0.1:${CP[$i]}" BATON_TIMEOUT=1s "$BATON" ha status 2>/dev/null |
      grep -q "^node $i: leader" && { echo "$i"; return 0; }
  done
  return 1
}
bc() { (cd "$D" && env BATON_CONFIG=/dev/null BATON_BROKER="$CLIENTS" BATON_TIMEOUT=20s HOME="$D" "$BATON" "$@"); }
stop_all() { stop_pids "${BROKERS[@]}" ${EXTRA:-}; BROKERS=(); EXTRA=""; }
CAP1="" CAP3="" TP1="" TP3="" LAT1="" LAT3="" FO=""

# --- measurements, each for the set-up that is running
capacity() {  # tasks/s through simulated workers (4 x 64 cpus)
  "$BT" sim-workers --broker "$WORKER_EP" --workers 4 --cpus 64 --expect "$CAP" --ready-file "$D/sim.ready" \
    --done-file "$D/sim.done" >"$D/sim.out" 2>&1 &
  local sp=$!; PIDS+=($sp); EXTRA="$sp"
  wait_until 20 test -f "$D/sim.ready" || { fail "simulated workers did not register"; return 1; }
  local t0 t1; t0=$(now_ns)
  bc submit --parsable -a "0-$((CAP - 1))" -o /dev/null --export=NONE -- true >/dev/null || fail "capacity submit"
  for _ in $(seq 2400); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
  t1=$(cat "$D/sim.done" 2>/dev/null || now_ns)
  local acked; acked=$(field acked <"$D/sim.out")
  RES=$(calc %.0f "${acked:-0} / (($t1 - $t0) / 1e9)")
}
throughput() {  # wall seconds for TP x /bin/true on a real 2-cpu worker
  env BATON_CONFIG=/dev/null BATON_LOG=warn HOME="$D" XDG_RUNTIME_DIR="$D" "$BATON" worker --broker "${WORKERS_LIST:-$WORKER_EP}" \
    --cpus 2 --name w1 >"$D/worker.log" 2>&1 &
  local wp=$!; PIDS+=($wp); EXTRA="$wp"
  wait_until 20 sh -c "env BATON_CONFIG=/dev/null BATON_BROKER='$CLIENTS' '$BATON' workers 2>/dev/null | grep -q '^w1 .*idle'" ||
    { fail "worker did not register"; return 1; }
  local t0 id; t0=$(now_ns)
  id=$(bc submit --parsable -a "0-$((TP - 1))" -o /dev/null --export=NONE -- /bin/true) || { fail "throughput submit"; return 1; }
  bc wait --timeout 600 "$id" >/dev/null || fail "throughput wait"
  RES=$(calc %.3f "($(now_ns) - $t0) / 1e9")
}
latency() {  # median ms of `baton submit -- true`
  local samples="" t0
  for _ in $(seq "$LAT"); do
    t0=$(now_ns)
    bc -q submit -o /dev/null --export=NONE -- true >/dev/null || fail "latency submit"
    samples+=" $(calc %.3f "($(now_ns) - $t0) / 1e6")"
  done
  RES=$(median <<<"$samples")
}
failover() {  # kill -9 of the leader to the first answered request, ms, KILLS times
  local samples="" l t0
  for _ in $(seq "$KILLS"); do
    l=$(leader) || { wait_until 10 bc status; l=$(leader); }
    t0=$(now_ns)
    kill -9 "${BROKERS[$l]}"
    bc status >/dev/null || fail "no leader after a kill"
    samples+=" $(calc %.0f "($(now_ns) - $t0) / 1e6")"
    node_start "$l" "$PEERS"
    sleep 1
  done
  RES=$samples
}

RES=""
log "capacity: $CAP-task array, 4 x 64 simulated cpus"
single_start && capacity && CAP1=$RES; stop_all
cluster_start && capacity && CAP3=$RES; stop_all
log "throughput: $TP x /bin/true, 2 cpus"
single_start && throughput && TP1=$RES; stop_all
WORKERS_LIST=""
if cluster_start; then
  WORKERS_LIST="tcp://127.0.0.1:${WP[1]},tcp://127.0.0.1:${WP[2]},tcp://127.0.0.1:${WP[3]}"
  throughput && TP3=$RES
fi
stop_all
log "submit latency: $LAT submits"
single_start && latency && LAT1=$RES; stop_all
if cluster_start; then
  latency && LAT3=$RES
  log "failover: $KILLS kills"
  failover && FO=$RES
fi
stop_all
FO_MED=$(median <<<"$FO")
FO_MAX=$(tr ' ' '\n' <<<"$FO" | awk 'NF' | sort -g | tail -1)

out "Three brokers (\`[ha]\`, Raft over TCP on 127.0.0.1, each member's SQLite at \`synchronous=NORMAL\`, the Raft log"
out "fsync'd) against one broker (\`journal.sync=full\`, ipc://), in the same run on this 2-core machine; $(date -u +%F\ %H:%M) UTC."
out ""
out "| figure | one broker | three brokers | ratio | goal |"
out "|---|---:|---:|---:|---|"
out "| dispatch capacity, $CAP-task array, simulated workers | ${CAP1:-?} tasks/s | ${CAP3:-?} tasks/s | $(calc %.2f "${CAP3:-0} / ${CAP1:-1}") | ≥ 0.50 |"
out "| end-to-end $TP × \`/bin/true\`, 2 cpus | ${TP1:-?} s | ${TP3:-?} s | $(calc %.2f "${TP1:-0} / ${TP3:-1}") (throughput) | ≥ 0.80 |"
out "| \`submit -- true\`, median of $LAT | ${LAT1:-?} ms | ${LAT3:-?} ms | $(calc %.2f "${LAT3:-0} / ${LAT1:-1}") (latency) | — |"
out "| failover: \`kill -9\` of the leader → first answered request, $KILLS kills | — | median ${FO_MED:-?} ms, max ${FO_MAX:-?} ms | — | p50 ≤ 2 s, max ≤ 5 s |"
out ""
out "Failover samples (ms):${FO:-}"

cat "$REPORT"
if ((UPDATE)) && ((FAILED == 0)); then
  f=$REPO/BENCHMARKS.md
  if grep -q '<!-- bench-ha:begin -->' "$f"; then
    awk -v r="$REPORT" '
      /<!-- bench-ha:begin -->/ { print; while ((getline l < r) > 0) print l; skip = 1; next }
      /<!-- bench-ha:end -->/ { skip = 0 }
      !skip { print }' "$f" >"$f.new" && mv "$f.new" "$f"
  else
    { echo; echo "## Replicated brokers (bench/ha.sh)"; echo; echo "<!-- bench-ha:begin -->"; cat "$REPORT"; echo "<!-- bench-ha:end -->"; } >>"$f"
  fi
  log "BENCHMARKS.md updated"
fi
exit $FAILED
