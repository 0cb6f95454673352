#!/usr/bin/env bash
# run_all.sh: every side-by-side benchmark of issue 8, one command, one table.
#
#   bench/run_all.sh [--quick] [--baton PATH] [--tools DIR] [--no-update] [--keep]
#
# Full mode (the default) runs the issue's sizes and rewrites the section of
# BENCHMARKS.md between <!-- bench:begin --> and <!-- bench:end --> with what
# this run printed; nothing in that section is typed by hand. --quick runs
# every driver at small sizes (ctest bench_quick, well under a minute) and
# never touches BENCHMARKS.md. Either way the Markdown goes to stdout, progress
# to stderr, and the exit status is non-zero when a driver failed.
#
#   1 throughput   N x /bin/true, parallelism 2: posix_spawn loop, baton (local
#                  broker + worker, one array), task-spooler, GNU parallel
#   2 capacity     real broker + journal, simulated workers (no process starts):
#                  one big array, and many one-task jobs from concurrent clients
#   3 submit       median wall time of `baton submit -- true` vs /bin/true, tsp
#   4 start        submit to the task's first instruction on an idle worker
#   5 memory       broker RSS: 1M pending array tasks, 100k pending jobs, 200
#                  heartbeating workers (and idle CPU)
#   6 status       `status --json` latency while tasks flow
#
# Needs: a baton binary (--baton, default build/release/cmd/baton) and the
# bench drivers baton_benchtool and baton_stamp (--tools, default: next to
# baton under ../bench). Competitors come from Debian: apt-get install
# task-spooler parallel (packaging/install-deps.sh lists them); a missing one
# is skipped with a note. perf (linux-perf) and valgrind (callgrind) give the
# profiles when present.
# Sizes (environment; full / quick defaults): TP_N 2000/100, TP_ROUNDS 5/1,
# CAP_ARRAY 1000000/20000, CAP_JOBS 100000/2000, CAP_CLIENTS 4, SIM_W 4,
# SIM_CPUS 64, CAP_TIMEOUT 240/30 s, LAT_ROUNDS 100/10, START_ROUNDS 200/10,
# MEM_ARRAY 1000000/100000, MEM_JOBS 100000/2000, IDLE_WORKERS 200/20,
# IDLE_SECS 10/1, STATUS_N 100000/5000, STATUS_RATE 10000/5000, PROF_N 20000/500,
# PERF 1/0; SECTIONS="throughput capacity profile submit start memory status".
# Every daemon runs with private ipc:// sockets in a temp dir and is killed by
# pid on exit; every wait is bounded.
set -uo pipefail
# The benchmarks start their own brokers: a client must never start a personal one.
export BATON_AUTOSTART=false

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MODE=full UPDATE=1 KEEP=0 BATON="" TOOLS=""
while (($#)); do
  case $1 in
    --quick) MODE=quick; UPDATE=0 ;;
    --full) MODE=full ;;
    --no-update) UPDATE=0 ;;
    --keep) KEEP=1 ;;
    --baton) BATON=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    -h|--help) sed -n "2,36p" "$0"; exit 0 ;;
    *) echo "run_all.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
BATON=${BATON:-$REPO/build/release/cmd/baton}
[[ -x $BATON ]] || { echo "run_all.sh: baton binary not found: $BATON (build it or pass --baton)" >&2; exit 2; }
BATON=$(cd "$(dirname "$BATON")" && pwd)/$(basename "$BATON")
TOOLS=${TOOLS:-$(dirname "$BATON")/../bench}
BT=$TOOLS/baton_benchtool
STAMP=$TOOLS/baton_stamp
[[ -x $BT && -x $STAMP ]] || { echo "run_all.sh: $BT or $STAMP missing (cmake --build ... --target baton_benchtool baton_stamp)" >&2; exit 2; }

if [[ $MODE == full ]]; then
  TP_N=${TP_N:-2000}; TP_ROUNDS=${TP_ROUNDS:-5}
  CAP_ARRAY=${CAP_ARRAY:-1000000}; CAP_JOBS=${CAP_JOBS:-100000}; CAP_CLIENTS=${CAP_CLIENTS:-4}
  SIM_W=${SIM_W:-4}; SIM_CPUS=${SIM_CPUS:-64}; CAP_TIMEOUT=${CAP_TIMEOUT:-240}
  LAT_ROUNDS=${LAT_ROUNDS:-100}; START_ROUNDS=${START_ROUNDS:-200}
  MEM_ARRAY=${MEM_ARRAY:-1000000}; MEM_JOBS=${MEM_JOBS:-100000}; IDLE_WORKERS=${IDLE_WORKERS:-200}; IDLE_SECS=${IDLE_SECS:-10}
  STATUS_N=${STATUS_N:-100000}; PERF=${PERF:-1}; PROF_N=${PROF_N:-20000}; STATUS_RATE=${STATUS_RATE:-10000}
else
  TP_N=${TP_N:-100}; TP_ROUNDS=${TP_ROUNDS:-1}
  CAP_ARRAY=${CAP_ARRAY:-20000}; CAP_JOBS=${CAP_JOBS:-2000}; CAP_CLIENTS=${CAP_CLIENTS:-4}
  SIM_W=${SIM_W:-4}; SIM_CPUS=${SIM_CPUS:-64}; CAP_TIMEOUT=${CAP_TIMEOUT:-30}
  LAT_ROUNDS=${LAT_ROUNDS:-10}; START_ROUNDS=${START_ROUNDS:-10}
  MEM_ARRAY=${MEM_ARRAY:-100000}; MEM_JOBS=${MEM_JOBS:-2000}; IDLE_WORKERS=${IDLE_WORKERS:-20}; IDLE_SECS=${IDLE_SECS:-1}
  STATUS_N=${STATUS_N:-5000}; PERF=${PERF:-0}; PROF_N=${PROF_N:-500}; STATUS_RATE=${STATUS_RATE:-5000}
fi

log() { printf '[run_all %s] %s\n' "$(date +%T)" "$*" >&2; }
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench.XXXXXX") || exit 2
REPORT=$ROOT/report.md GOALS=$ROOT/goals NOTES=$ROOT/notes
: >"$REPORT"; : >"$GOALS"; : >"$NOTES"
PIDS=()
FAILED=0

stop() {  # SIGTERM, up to 5 s, then SIGKILL; only pids this script started
  local p
  for p in "$@"; do [[ -n $p ]] && kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    [[ -n $p ]] || continue
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}
forget() {
  local keep=() p q
  for p in "${PIDS[@]}"; do
    for q in "$@"; do [[ $p == "$q" ]] && continue 2; done
    keep+=("$p")
  done
  PIDS=("${keep[@]}")
}
cleanup() {
  local rc=$?
  ((${#PIDS[@]})) && stop "${PIDS[@]}"
  if ((KEEP)); then log "kept $ROOT"; else rm -rf "$ROOT"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_until() {  # wait_until SECONDS CMD...: poll every 20 ms
  local deadline=$(($(date +%s%N) + $1 * 1000000000)); shift
  until "$@"; do
    (($(date +%s%N) < deadline)) || return 1
    sleep 0.02
  done
}
wait_pid() {  # wait_pid SECONDS PID: 0 when it exited in time
  local deadline=$(($(date +%s%N) + $1 * 1000000000))
  while kill -0 "$2" 2>/dev/null; do
    (($(date +%s%N) < deadline)) || return 1
    sleep 0.05
  done
}
fail() { log "FAILED: $*"; echo "- FAILED: $*" >>"$NOTES"; FAILED=1; }
note() { grep -qxF -- "- $*" "$NOTES" || echo "- $*" >>"$NOTES"; }
out() { printf '%s\n' "$*" >>"$REPORT"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
now_ns() { date +%s%N; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" | head -1; }   # field KEY < "a=1 KEY=2"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# Time on a cpu, ns, summed over every thread of the process (the loop and libzmq's
# I/O thread): /proc/PID/schedstat alone is the main thread.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { print t + 0 }'; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { tr ' ' '\n' | awk 'NF' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }'; }
# goal FIGURE MEASURED GOAL VERDICT
goal() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >>"$GOALS"; }

# ---------------------------------------------------------------- baton daemons
# Each broker gets its own dir: sockets, journal, HOME and XDG_RUNTIME_DIR.
benv() {  # benv DIR CMD...: run with a private environment
  local d=$1; shift
  env -u BATON_WORKER_BROKER -u BATON_JOURNAL BATON_CONFIG=/dev/null HOME="$d" XDG_RUNTIME_DIR="$d" \
    BATON_BROKER="ipc://$d/c.sock" BATON_LOG=warn "$@"
}
BD="" BP="" WP=""
broker_start() {  # broker_start [SETTINGS...]: fresh dir, broker, sets BD BP
  BD=$(mktemp -d "$ROOT/b.XXXX")
  local sets=() s
  for s in "$@"; do sets+=(--set "$s"); done
  (cd "$BD" && exec env -u BATON_BROKER BATON_CONFIG=/dev/null HOME="$BD" XDG_RUNTIME_DIR="$BD" BATON_LOG=warn \
    "$BATON" "${sets[@]}" broker --clients "ipc://$BD/c.sock" --workers "ipc://$BD/w.sock" \
    --journal "$BD/journal.db" >"$BD/broker.log" 2>&1) &
  BP=$!; PIDS+=("$BP")
  wait_until 10 test -S "$BD/w.sock" || { fail "broker did not start ($BD/broker.log)"; return 1; }
  wait_until 10 test -S "$BD/c.sock" || { fail "broker did not start"; return 1; }
}
worker_idle() { benv "$BD" "$BATON" workers --json 2>/dev/null | grep -q '"state":"idle"'; }
worker_start() {  # a real worker with 2 cpus
  (cd "$BD" && exec env -u BATON_BROKER BATON_CONFIG=/dev/null HOME="$BD" XDG_RUNTIME_DIR="$BD" BATON_LOG=warn \
    "$BATON" worker --broker "ipc://$BD/w.sock" --cpus 2 --name w1 >"$BD/worker.log" 2>&1) &
  WP=$!; PIDS+=("$WP")
  wait_until 10 worker_idle || { fail "worker did not register ($BD/worker.log)"; return 1; }
}
SP=""
sim_start() {  # sim_start WORKERS CPUS [EXPECT [RATE]]: simulated workers; sets SP
  local args=(--broker "ipc://$BD/w.sock" --workers "$1" --cpus "$2" --ready-file "$BD/sim.ready" --done-file "$BD/sim.done")
  [[ -n ${3:-} ]] && args+=(--expect "$3")
  [[ -n ${4:-} ]] && args+=(--rate "$4")
  rm -f "$BD/sim.ready" "$BD/sim.done"
  "$BT" sim-workers "${args[@]}" >"$BD/sim.out" 2>&1 &
  SP=$!; PIDS+=("$SP")
  wait_until 20 test -f "$BD/sim.ready" || { fail "simulated workers did not register"; return 1; }
}
all_stop() {
  stop ${SP:+"$SP"} ${WP:+"$WP"} ${BP:+"$BP"}
  forget "$SP" "$WP" "$BP"
  SP="" WP="" BP=""
  ((KEEP)) || rm -rf "$BD"
}
submit_array() {  # submit_array N: prints the job id
  (cd "$BD" && benv "$BD" timeout 60 "$BATON" submit --parsable -a "0-$(($1 - 1))" -o /dev/null --export=NONE -- true)
}

TSP=$(command -v tsp || true)
PARALLEL=$(command -v parallel || true)
if [[ -n $PARALLEL ]] && ! "$PARALLEL" --version 2>/dev/null | grep -q 'GNU parallel'; then PARALLEL=""; fi
[[ -n $TSP ]] || note "task-spooler not installed: its rows are skipped (apt-get install task-spooler)"
[[ -n $PARALLEL ]] || note "GNU parallel not installed: its rows are skipped (apt-get install parallel)"

# ================================================================ 1 throughput
sec_throughput() {
  log "1. throughput: N=$TP_N, parallelism 2, $TP_ROUNDS round(s)"
  local r res t0 t1 id rc sock spid
  declare -A W=() R=()
  CPU_B="" CPU_W=""
  for ((r = 1; r <= TP_ROUNDS; r++)); do
    # spawn loop
    res=$("$BT" spawn-loop "$TP_N" 2 /bin/true) || fail "spawn loop"
    W[spawn]+=" $(field wall_s <<<"$res")"; R[spawn,$r]=$(field wall_s <<<"$res")
    # baton: local broker + worker, one array; the defaults as shipped (no
    # setting given), then journal.sync=normal, then prefetch off
    local key sets
    for key in baton baton_normal baton_noprefetch; do
      sets=()
      [[ $key == baton_normal ]] && sets=("journal.sync=normal")
      [[ $key == baton_noprefetch ]] && sets=("scheduler.prefetch=0")
      if broker_start "${sets[@]}" && worker_start; then
        local cb0 cw0
        cb0=$(cpu_ns "$BP"); cw0=$(cpu_ns "$WP")
        t0=$(now_ns)
        id=$(submit_array "$TP_N") && benv "$BD" timeout 300 "$BATON" wait --timeout 290s "$id" >/dev/null
        rc=$?; t1=$(now_ns)
        if ((rc == 0)); then
          W[$key]+=" $(calc %.4f "($t1 - $t0) / 1e9")"; R[$key,$r]=$(calc %.4f "($t1 - $t0) / 1e9")
          if [[ $key == baton ]]; then
            CPU_B+=" $(calc %.4f "1000 * ($(cpu_ns "$BP") - $cb0) / 1e9 / $TP_N")"
            CPU_W+=" $(calc %.4f "1000 * ($(cpu_ns "$WP") - $cw0) / 1e9 / $TP_N")"
          fi
        else fail "baton array of $TP_N (${sets[*]:-the defaults}; exit $rc)"; fi
      fi
      all_stop
    done
    # task-spooler: private server, 2 slots, N x tsp -n true
    if [[ -n $TSP ]]; then
      local d; d=$(mktemp -d "$ROOT/tsp.XXXX"); sock=$d/socket
      TS_SOCKET=$sock TMPDIR=$d TS_MAXFINISHED=$((TP_N + 10)) "$TSP" -S 2 </dev/null >/dev/null 2>&1
      spid=$(ss -xlpn 2>/dev/null | awk -v s="$sock" '$5 == s' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
      [[ -n $spid ]] && PIDS+=("$spid")
      t0=$(now_ns); rc=0
      for ((i = 0; i < TP_N; i++)); do TS_SOCKET=$sock TMPDIR=$d "$TSP" -n true </dev/null >/dev/null 2>&1 || { rc=1; break; }; done
      ((rc == 0)) && { TS_SOCKET=$sock timeout 300 "$TSP" -w >/dev/null 2>&1; wait_until 300 tsp_idle "$sock" || rc=1; }
      t1=$(now_ns)
      local n_done; n_done=$(TS_SOCKET=$sock "$TSP" -l 2>/dev/null | awk 'NR > 1 && $2 == "finished"' | wc -l)
      if ((rc == 0 && n_done == TP_N)); then W[tsp]+=" $(calc %.4f "($t1 - $t0) / 1e9")"; R[tsp,$r]=$(calc %.4f "($t1 - $t0) / 1e9"); else fail "tsp: $n_done of $TP_N finished"; fi
      TS_SOCKET=$sock "$TSP" -K </dev/null >/dev/null 2>&1
      [[ -n $spid ]] && { stop "$spid"; forget "$spid"; }
      rm -rf "$d"
    fi
    # GNU parallel
    if [[ -n $PARALLEL ]]; then
      t0=$(now_ns)
      seq "$TP_N" | timeout 300 "$PARALLEL" --will-cite -j2 -N0 true >/dev/null 2>&1
      rc=$?; t1=$(now_ns)
      if ((rc == 0)); then W[parallel]+=" $(calc %.4f "($t1 - $t0) / 1e9")"; R[parallel,$r]=$(calc %.4f "($t1 - $t0) / 1e9"); else fail "GNU parallel (exit $rc)"; fi
    fi
    log "  round $r walls (s): spawn${W[spawn]:-} | baton${W[baton]:-} | normal${W[baton_normal]:-} | no prefetch${W[baton_noprefetch]:-} | tsp${W[tsp]:-} | parallel${W[parallel]:-}"
  done
  # ratio(A, B): median over rounds of (A's time / B's time) in the same round = B's rate over A's
  ratio() {
    local rr list=""
    for ((rr = 1; rr <= TP_ROUNDS; rr++)); do
      [[ -n ${R[$1,$rr]:-} && -n ${R[$2,$rr]:-} ]] && list+=" $(calc %.4f "${R[$1,$rr]} / ${R[$2,$rr]}")"
    done
    [[ -n $list ]] && calc %.2f "$(median <<<"$list")" || echo "n/a"
  }
  out "### 1. End-to-end process throughput"
  out ""
  out "$TP_N tasks of \`/bin/true\`, parallelism 2, one run each, $TP_ROUNDS rounds with every system once per round;"
  out "wall time from the first submit to the last task done. baton: fresh local broker and worker (\`--cpus 2\`), one"
  out "array \`submit -a 0-$((TP_N - 1)) -o /dev/null --export=NONE -- true\`, then \`wait\`. task-spooler: private server,"
  out "\`tsp -S 2\`, $TP_N × \`tsp -n true\`, then wait until none is queued or running. GNU parallel:"
  out "\`seq $TP_N | parallel -j2 -N0 true\`. Spawn loop: \`baton_benchtool spawn-loop\` (posix_spawn, 2 at a time, the"
  out "physical limit). The last column divides rates within each round, then takes the median: that is the figure"
  out "to read on a noisy machine."
  out ""
  local spawn_med; spawn_med=$(median <<<"${W[spawn]}")
  SPAWN_MS=$(calc %.3f "1000 * $spawn_med * 2 / $TP_N")
  out "| system | wall s, median (min–max) | tasks/s (median) | rate / spawn loop's, same round (median) |"
  out "|---|---:|---:|---:|"
  local k label med rate
  for k in spawn baton baton_normal baton_noprefetch tsp parallel; do
    [[ -n ${W[$k]:-} ]] || continue
    case $k in spawn) label="posix_spawn loop" ;; baton) label="baton (array; the defaults: \`journal.sync=full\`, \`scheduler.prefetch=4\`, \`worker.report_batch=5ms\`)" ;;
      baton_normal) label="baton (array, \`journal.sync=normal\`: no fsync per commit)" ;;
      baton_noprefetch) label="baton (array, \`scheduler.prefetch=0\`: each next task waits for the broker)" ;;
      tsp) label="task-spooler $(dpkg-query -W -f='${Version}' task-spooler 2>/dev/null)" ;; parallel) label="GNU parallel $(dpkg-query -W -f='${Version}' parallel 2>/dev/null)" ;; esac
    med=$(median <<<"${W[$k]}"); rate=$(calc %.0f "$TP_N / $med")
    out "| $label | $(calc %.3f "$med") ($(minmax <<<"${W[$k]}")) | $rate | $(ratio spawn "$k") |"
  done
  out ""
  [[ -n ${W[tsp]:-} || -n ${W[parallel]:-} ]] && out "The ceiling: in the same rounds the spawn loop itself ran $(ratio tsp spawn)× task-spooler's rate and $(ratio parallel spawn)× GNU parallel's;
no scheduler that starts these processes can beat the spawn loop here, so \"several times faster than tsp\" needs tsp to be slower than that."
  out ""
  if [[ -n ${W[baton]:-} ]]; then
    out "Where baton's time goes: per task, the broker used $(calc %.3f "$(median <<<"$CPU_B")") ms and the worker $(calc %.3f "$(median <<<"$CPU_W")") ms of CPU"
    out "(medians over rounds, \`journal.sync=full\`, including the worker's fork/exec of the task); one slot's cycle is $(calc %.3f "1000 * $(median <<<"${W[baton]}") * 2 / $TP_N") ms"
    out "of wall time against $SPAWN_MS ms for the spawn loop. The rows with prefetch off and with \`journal.sync=normal\` show what the"
    out "round trip to the broker and the journal's fsync cost when the next task has to wait for them."
    out ""
    local x
    x=$(ratio spawn baton); goal "1. baton throughput / spawn loop" "$x" "≥ 0.90" "$(verdict_ge "$x" 0.90)"
    [[ -n ${W[baton_normal]:-} ]] && { x=$(ratio spawn baton_normal); goal "1. the same with \`journal.sync=normal\`" "$x" "≥ 0.90" "$(verdict_ge "$x" 0.90)"; }
    [[ -n ${W[baton_noprefetch]:-} ]] && { x=$(ratio spawn baton_noprefetch); goal "1. the same with \`scheduler.prefetch=0\`" "$x" "≥ 0.90" "$(verdict_ge "$x" 0.90)"; }
    [[ -n ${W[tsp]:-} ]] && { x=$(ratio tsp baton); goal "1. baton throughput / task-spooler" "${x}×" "several × (≥ 3×)" "$(verdict_ge "$x" 3)"; }
    [[ -n ${W[parallel]:-} ]] && { x=$(ratio parallel baton); goal "1. baton throughput / GNU parallel" "${x}×" "several × (≥ 3×)" "$(verdict_ge "$x" 3)"; }
  fi
}
tsp_idle() { ! TS_SOCKET=$1 "$TSP" -l 2>/dev/null | awk 'NR > 1 && ($2 == "running" || $2 == "queued" || $2 == "allocating") { f = 1 } END { exit !f }'; }
# verdict_ge VALUE BAR / verdict_le VALUE BAR: "met", or "missed by X%"
verdict_ge() { awk -v v="$1" -v b="$2" 'BEGIN { if (v >= b) print "met"; else printf "**missed**: %.0f%% short\n", 100 * (b - v) / b }'; }
verdict_le() { awk -v v="$1" -v b="$2" 'BEGIN { if (v <= b) print "met"; else printf "**missed**: %.1f× the bar\n", v / b }'; }

# ================================================================ 2 capacity
PERF_TOP="" PERF_DSO=""
sec_capacity() {
  log "2. dispatch capacity: array of $CAP_ARRAY, $CAP_JOBS jobs from $CAP_CLIENTS clients; $SIM_W simulated workers × $SIM_CPUS cpus"
  out "### 2. Dispatch capacity (no process starts)"
  out ""
  out "A real broker with its durable journal (\`journal.sync=full\`) and $SIM_W simulated workers of $SIM_CPUS cpus each"
  out "(\`baton_benchtool sim-workers\`: one thread, the real protocol over ipc://, each task reported EXITED 0 as soon"
  out "as it is assigned, nothing run). Rate = tasks / (submit start → the broker's acknowledgement of the last"
  out "FINISHED, which it sends after the journal commit). Broker CPU = its time on a cpu over that interval, all threads (/proc/PID/task/*/schedstat)."
  out ""
  out "| workload | tasks | wall s | tasks/s | broker CPU s | sim-workers CPU s | broker peak RSS MiB | note |"
  out "|---|---:|---:|---:|---:|---:|---:|---|"
  local t0 t1 id c0 c1 rate wall note perfpid="" hwm=""
  # --- one array
  local empty=""
  if broker_start && sim_start "$SIM_W" "$SIM_CPUS" "$CAP_ARRAY"; then
    empty=$(rss_kb "$BP")
    if ((PERF)) && command -v perf >/dev/null; then
      perf record -q -g -F 499 -p "$BP" -o "$ROOT/perf.data" -- sleep 15 >"$ROOT/perf.log" 2>&1 &
      perfpid=$!; PIDS+=("$perfpid")
    fi
    c0=$(cpu_ns "$BP"); t0=$(now_ns)
    id=$(submit_array "$CAP_ARRAY") || fail "capacity: submit of $CAP_ARRAY-task array"
    note=""
    if ! wait_pid "$CAP_TIMEOUT" "$SP"; then note="**incomplete**: stopped after ${CAP_TIMEOUT} s"; fi
    t1=$(now_ns); c1=$(cpu_ns "$BP")
    hwm=$(hwm_kb "$BP")
    stop "$SP"; forget "$SP"
    local acked; acked=$(field acked <"$BD/sim.out"); acked=${acked:-0}
    [[ -s $BD/sim.done ]] && t1=$(cat "$BD/sim.done")
    wall=$(calc %.2f "($t1 - $t0) / 1e9"); rate=$(calc %.0f "$acked / $wall")
    out "| one array \`-a 0-$((CAP_ARRAY - 1))\` | $acked of $CAP_ARRAY | $wall | $rate | $(calc %.2f "($c1 - $c0) / 1e9") | $(grep -o 'cpu_s=[0-9.]*' "$BD/sim.out" | cut -d= -f2) | $(calc %.0f "$hwm / 1024") | $note |"
    [[ -n $note ]] && fail "capacity array incomplete ($acked of $CAP_ARRAY)"
    goal "2. dispatch capacity, $CAP_ARRAY-task array" "$rate tasks/s" "≥ 100,000 tasks/s" "$(verdict_ge "$rate" 100000)"
    if [[ -n $perfpid ]]; then
      wait_pid 30 "$perfpid"; stop "$perfpid"; forget "$perfpid"
      PERF_DSO=$(perf report -i "$ROOT/perf.data" --stdio --no-children -g none --sort dso --percent-limit 0.5 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -12 | sed -E 's/ +/ /g; s/^ //; s/ - - *$//')
      PERF_TOP=$(perf report -i "$ROOT/perf.data" --stdio --no-children -g none --sort dso,symbol --percent-limit 1.2 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -25 | sed -E 's/ +/ /g; s/^ //; s/ - - *$//')
    fi
  fi
  all_stop
  # --- many one-task jobs from concurrent clients
  if broker_start && sim_start "$SIM_W" "$SIM_CPUS" "$CAP_JOBS"; then
    c0=$(cpu_ns "$BP"); t0=$(now_ns)
    local res; res=$("$BT" submit-jobs --broker "ipc://$BD/c.sock" --clients "$CAP_CLIENTS" --jobs "$CAP_JOBS") || fail "submit-jobs"
    note="submit alone: $(field jobs_per_s <<<"$res" | cut -d. -f1) jobs/s, ack p50 $(field p50_ms <<<"$res") ms, p99 $(field p99_ms <<<"$res") ms"
    if ! wait_pid "$CAP_TIMEOUT" "$SP"; then note="**incomplete**: stopped after ${CAP_TIMEOUT} s; $note"; fail "capacity jobs incomplete"; fi
    t1=$(now_ns); c1=$(cpu_ns "$BP")
    local hwm2; hwm2=$(hwm_kb "$BP")
    stop "$SP"; forget "$SP"
    local acked2; acked2=$(field acked <"$BD/sim.out"); acked2=${acked2:-0}
    [[ -s $BD/sim.done ]] && t1=$(cat "$BD/sim.done")
    wall=$(calc %.2f "($t1 - $t0) / 1e9"); rate=$(calc %.0f "$acked2 / $wall")
    out "| $CAP_JOBS one-task jobs, $CAP_CLIENTS concurrent in-process clients | $acked2 of $CAP_JOBS | $wall | $rate | $(calc %.2f "($c1 - $c0) / 1e9") | $(grep -o 'cpu_s=[0-9.]*' "$BD/sim.out" | cut -d= -f2) | $(calc %.0f "$hwm2 / 1024") | $note |"
    goal "2. $CAP_JOBS jobs from $CAP_CLIENTS clients, end to end" "$rate tasks/s" "(no bar set)" "—"
  fi
  all_stop
  out ""
  [[ -n ${hwm:-} ]] && out "The broker's peak RSS during the array, $(calc %.0f "$hwm / 1024") MiB, is about $(calc %.0f "($hwm - $empty) * 1024 / $CAP_ARRAY") bytes per task above the empty broker's once tasks have run: a
task that started keeps a record in memory after it ended (pending tasks are ranges and cost nothing; see section 5)."
  out ""
  if [[ -n $PERF_TOP ]]; then
    out "Where the broker's time goes during the array (\`perf record -g -F 499\` on the broker for the first 15 s,"
    out "self time by library, then by symbol, entries ≥ 1.2%):"
    out ""
    out '```'
    out "$PERF_DSO"
    out ""
    out "$PERF_TOP"
    out '```'
    out ""
  fi
}

# ================================================================ 3 submit latency
sec_submit() {
  log "3. submit latency: $LAT_ROUNDS rounds"
  out "### 3. Submit latency"
  out ""
  out "Wall time of one process, start to exit, $LAT_ROUNDS rounds interleaved (\`baton_benchtool latency\`). The broker is"
  out "fresh (\`journal.sync=full\`: \`submit\` returns after the journal commit), with simulated workers so jobs end at"
  out "once. \`tsp true\` goes to a private task-spooler server with 2 slots."
  out ""
  out "| command | p50 ms | p90 ms | p99 ms | min–max ms | p50 / \`/bin/true\` p50 |"
  out "|---|---:|---:|---:|---:|---:|"
  broker_start && sim_start 1 2 || { all_stop; return; }
  local cmds=(/bin/true ::: "$BATON" submit -- true ::: "$BATON" --version) labels=("\`/bin/true\`" "\`baton submit -- true\`" "\`baton --version\` (process start only)")
  local d spid="" sock=""
  if [[ -n $TSP ]]; then
    d=$(mktemp -d "$ROOT/tsp.XXXX"); sock=$d/socket
    TS_SOCKET=$sock TMPDIR=$d "$TSP" -S 2 </dev/null >/dev/null 2>&1
    spid=$(ss -xlpn 2>/dev/null | awk -v s="$sock" '$5 == s' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    [[ -n $spid ]] && PIDS+=("$spid")
    cmds+=(::: "$TSP" true); labels+=("\`tsp true\`")
  fi
  local res
  res=$(cd "$BD" && TS_SOCKET=$sock TMPDIR=${d:-/tmp} benv "$BD" "$BT" latency --rounds "$LAT_ROUNDS" -- "${cmds[@]}") || fail "submit latency: a command failed"
  local i=0 base line p50
  base=$(grep '^cmd=0 ' <<<"$res" | field p50_ms)
  while read -r line; do
    p50=$(field p50_ms <<<"$line")
    out "| ${labels[$i]} | $p50 | $(field p90_ms <<<"$line") | $(field p99_ms <<<"$line") | $(field min_ms <<<"$line")–$(field max_ms <<<"$line") | $(calc %.2f "$p50 / $base") |"
    if ((i == 1)); then local ratio; ratio=$(calc %.2f "$p50 / $base"); goal "3. submit p50 / \`/bin/true\` p50" "${ratio}× ($p50 ms vs $base ms)" "≤ 1.5×" "$(verdict_le "$ratio" 1.5)"; fi
    ((i++))
  done < <(grep '^cmd=' <<<"$res")
  out ""
  local sub ver
  sub=$(grep '^cmd=1 ' <<<"$res" | field p50_ms); ver=$(grep '^cmd=2 ' <<<"$res" | field p50_ms)
  out "Where the submit's time goes: starting the \`baton\` process alone (\`--version\`) is $(calc %.0f "100 * $ver / $sub")% of the"
  out "submit's median; the binary loads $(ldd "$BATON" 2>/dev/null | grep -c '=>') shared libraries (\`ldd\`). The rest is the request: connect, encode,"
  out "the broker's journal commit (fsync) and the reply."
  out ""
  if [[ -n $spid ]]; then TS_SOCKET=$sock "$TSP" -K </dev/null >/dev/null 2>&1; stop "$spid"; forget "$spid"; rm -rf "$d"; fi
  all_stop
}

# ================================================================ 4 start latency
sec_start() {
  log "4. latency to start: $START_ROUNDS rounds, journal.sync=full and normal side by side"
  out "### 4. Latency to start"
  out ""
  out "From the submit request (in-process client, \`baton_benchtool start-latency\`) to the first instruction of the task"
  out "(\`baton_stamp\`, which writes CLOCK_MONOTONIC to a FIFO from main()) on an idle real worker (\`--cpus 2\`, 30 ms"
  out "between submits); against the same program started by posix_spawn in the same round (the cost of exec)."
  out "Two brokers, each with its own worker, side by side in each of $START_ROUNDS rounds: the default"
  out "\`journal.sync=full\` and \`journal.sync=normal\` (no fsync)."
  out ""
  out "| journal.sync | measure | p50 ms | p90 ms | p99 ms | min–max ms |"
  out "|---|---|---:|---:|---:|---:|"
  local d1 b1 w1 res k label line p50 i sync
  if ! { broker_start "journal.sync=full" && worker_start; }; then all_stop; return; fi
  d1=$BD b1=$BP w1=$WP
  if broker_start "journal.sync=normal" && worker_start; then
    res=$("$BT" start-latency --broker "ipc://$d1/c.sock" --broker "ipc://$BD/c.sock" --stamp "$STAMP" --rounds "$START_ROUNDS" --dir "$BD") ||
      fail "start latency"
    line=$(grep "^direct " <<<"$res")
    out "| — | posix_spawn → first instruction (exec cost) | $(field p50_ms <<<"$line") | $(field p90_ms <<<"$line") | $(field p99_ms <<<"$line") | $(field min_ms <<<"$line")–$(field max_ms <<<"$line") |"
    for i in 0 1; do
      sync=full; ((i == 1)) && sync=normal
      for k in baton diff ack; do
        case $k in baton) label="submit → task's first instruction" ;; diff) label="**difference, per round (baton's own latency)**" ;;
          ack) label="submit → acknowledgement (committed)" ;; esac
        line=$(grep "^b$i-$k " <<<"$res")
        out "| $sync | $label | $(field p50_ms <<<"$line") | $(field p90_ms <<<"$line") | $(field p99_ms <<<"$line") | $(field min_ms <<<"$line")–$(field max_ms <<<"$line") |"
      done
      line=$(grep "^b$i-diff " <<<"$res"); p50=$(field p50_ms <<<"$line")
      if ((i == 0)); then
        goal "4. start latency p50 above exec (p99)" "$p50 ms ($(field p99_ms <<<"$line") ms)" "p50 < 1 ms" "$(verdict_le "$p50" 1)"
        echo "With \`journal.sync=full\`, of baton's own latency (p50 $p50 ms) the submit's acknowledgement, which waits for the
journal commit and its fsync, takes $(grep '^b0-ack ' <<<"$res" | field p50_ms) ms (p50); the rest is the scheduling pass, the ASSIGN to the
worker and the worker preparing and forking the task." >"$ROOT/start_note"
      else
        goal "4. the same with \`journal.sync=normal\`" "$p50 ms ($(field p99_ms <<<"$line") ms)" "p50 < 1 ms" "$(verdict_le "$p50" 1)"
      fi
    done
  fi
  out ""
  [[ -s $ROOT/start_note ]] && { cat "$ROOT/start_note" >>"$REPORT"; out ""; }
  stop "$w1" "$b1"; forget "$w1" "$b1"; ((KEEP)) || rm -rf "$d1"
  all_stop
  # What one wake-up costs here: the floor under every hop of the path above.
  if res=$("$BT" wake-latency --rounds 300); then
    out "What one hop costs on this machine (\`baton_benchtool wake-latency\`, p50 of 300 round trips between two processes"
    out "that sleep between rounds): a one-byte pipe round trip takes $(grep '^pipe-rtt-same-cpu ' <<<"$res" | field p50_ms) ms with both on one cpu and"
    out "$(grep '^pipe-rtt-other-cpu ' <<<"$res" | field p50_ms) ms across cpus (a sleeping cpu is woken); one ZeroMQ ipc:// round trip, through both processes'"
    out "I/O threads, takes $(grep '^zmq-ipc-rtt ' <<<"$res" | field p50_ms) ms, and between two threads of one process over inproc:// (no I/O thread)"
    out "$(grep '^zmq-inproc-rtt ' <<<"$res" | field p50_ms) ms. A submit reaches its task over two one-way legs (client → broker, broker → worker)."
    out ""
  else fail "wake latency"; fi
}

# ================================================================ profile (callgrind)
sec_profile() {
  if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
    note "valgrind not installed: no callgrind profile (apt-get install valgrind)"; return
  fi
  log "profile: callgrind on the broker, $PROF_N-task array through simulated workers"
  BD=$(mktemp -d "$ROOT/b.XXXX")
  (cd "$BD" && exec env -u BATON_BROKER BATON_CONFIG=/dev/null HOME="$BD" XDG_RUNTIME_DIR="$BD" BATON_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$BD/cg.out" \
    "$BATON" broker --clients "ipc://$BD/c.sock" --workers "ipc://$BD/w.sock" --journal "$BD/journal.db" >"$BD/broker.log" 2>&1) &
  BP=$!; PIDS+=("$BP")
  if ! wait_until 60 test -S "$BD/c.sock" || ! sim_start "$SIM_W" "$SIM_CPUS" "$PROF_N"; then
    fail "profile: broker under valgrind did not start"; all_stop; return
  fi
  callgrind_control -z "$BP" >/dev/null 2>&1
  (cd "$BD" && benv "$BD" env BATON_TIMEOUT=60s timeout 120 "$BATON" submit --parsable -a "0-$((PROF_N - 1))" -o /dev/null --export=NONE -- true) >/dev/null ||
    fail "profile: submit"
  wait_pid "$CAP_TIMEOUT" "$SP" || fail "profile: the array did not finish under callgrind"
  callgrind_control -d "$BP" >/dev/null 2>&1
  local f; f=$(ls "$BD"/cg.out.* 2>/dev/null | tail -1)
  if [[ -z $f ]]; then fail "profile: no callgrind dump"; all_stop; return; fi
  local total
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
  out "### Where the broker's time goes (callgrind)"
  out ""
  out "The broker under \`valgrind --tool=callgrind\` while a $PROF_N-task array flows through the simulated workers"
  out "(counters zeroed after start-up, dumped when the last result was acknowledged): $(calc %.0f "$total / $PROF_N") instructions per task."
  out "Inclusive share of the broker's instructions, top functions (\`callgrind_annotate --inclusive=yes\`):"
  out ""
  out '```'
  callgrind_annotate --inclusive=yes "$f" 2>/dev/null | awk '
    /^ *[0-9,]+ +\( *[0-9.]+%\) / {
      match($0, /\( *[0-9.]+%\)/); pct = substr($0, RSTART + 1, RLENGTH - 2); gsub(/ /, "", pct)
      rest = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", rest)
      if (match(rest, /^[^:]*[\/.?][^:]*:/)) rest = substr(rest, RLENGTH + 1)   # drop "file:"
      sub(/\(.*/, "", rest); sub(/ \[.*/, "", rest)
      if (rest ~ /^(main|\(below main\)|0x|__libc_start|std::_Function_handler|baton::cli::|PROGRAM TOTALS)/ || rest == "") next
      if (seen[rest]++) next
      printf "%7s  %s\n", pct, rest
      if (++n >= 22) exit
    }' >>"$REPORT"
  out '```'
  out ""
  all_stop
}

# ================================================================ 5 memory and scale
sec_memory() {
  log "5. memory: $MEM_ARRAY-task array, $MEM_JOBS jobs, $IDLE_WORKERS workers"
  out "### 5. Memory and scale"
  out ""
  out "Broker resident memory (VmRSS) with work pending and no worker able to take it; \"empty\" is the same broker"
  out "just started. Idle CPU: broker time on a cpu over ${IDLE_SECS} s with $IDLE_WORKERS simulated workers heartbeating"
  out "(every 1 s, the default) and nothing queued."
  out ""
  out "| case | broker RSS MiB | empty broker RSS MiB | per item | goal |"
  out "|---|---:|---:|---:|---|"
  local r0 r1 res
  if broker_start; then
    r0=$(rss_kb "$BP")
    submit_array "$MEM_ARRAY" >/dev/null 2>>"$BD/submit.err" || fail "memory: array submit"
    sleep 0.5; r1=$(rss_kb "$BP")
    out "| $MEM_ARRAY pending array tasks (one job) | $(calc %.1f "$r1 / 1024") | $(calc %.1f "$r0 / 1024") | $(calc %.2f "($r1 - $r0) * 1024 / $MEM_ARRAY") B/task | ≤ 64 MiB |"
    goal "5. broker RSS, $MEM_ARRAY pending array tasks" "$(calc %.1f "$r1 / 1024") MiB" "≤ 64 MiB" "$(verdict_le "$(calc %.2f "$r1 / 1024")" 64)"
  fi
  all_stop
  if broker_start; then
    r0=$(rss_kb "$BP")
    res=$("$BT" submit-jobs --broker "ipc://$BD/c.sock" --clients "$CAP_CLIENTS" --jobs "$MEM_JOBS") || fail "memory: submit-jobs"
    sleep 0.5; r1=$(rss_kb "$BP")
    local per; per=$(calc %.0f "($r1 - $r0) * 1024 / $MEM_JOBS")
    out "| $MEM_JOBS pending one-task jobs | $(calc %.1f "$r1 / 1024") | $(calc %.1f "$r0 / 1024") | $per B/job | ≤ 1 KiB/job |"
    goal "5. broker memory per pending job ($MEM_JOBS jobs)" "$per B" "≤ 1024 B" "$(verdict_le "$per" 1024)"
  fi
  all_stop
  if broker_start; then
    r0=$(rss_kb "$BP")
    if sim_start "$IDLE_WORKERS" 4; then
      sleep 2
      r1=$(rss_kb "$BP")
      local c0 c1 pct; c0=$(cpu_ns "$BP"); sleep "$IDLE_SECS"; c1=$(cpu_ns "$BP")
      pct=$(calc %.2f "100 * ($c1 - $c0) / 1e9 / $IDLE_SECS")
      out "| $IDLE_WORKERS simulated workers heartbeating | $(calc %.1f "$r1 / 1024") | $(calc %.1f "$r0 / 1024") | $(calc %.0f "($r1 - $r0) * 1024 / $IDLE_WORKERS") B/worker | — |"
      out ""
      out "Broker CPU while idle with $IDLE_WORKERS workers: **$pct%** of one core (over ${IDLE_SECS} s, all threads, from /proc/PID/task/*/schedstat)."
      goal "5. broker idle CPU, $IDLE_WORKERS workers" "$pct% of a core" "< 1%" "$(awk -v v="$pct" 'BEGIN { if (v < 1) print "met"; else printf "**missed**: %.1f× the bar\n", v }')"
    fi
  fi
  all_stop
  out ""
}

# ================================================================ 6 status under load
sec_status() {
  log "6. status under load: $STATUS_N tasks flowing"
  out "### 6. Status under load"
  out ""
  out "\`baton status --json\` run back to back (each a new process, as a user would) while a $STATUS_N-task array flows"
  out "through $SIM_W simulated workers × $SIM_CPUS cpus that report at most $STATUS_RATE results per second (a steady flow, so"
  out "that status runs see the whole of it); then the same command on the idle broker afterwards."
  out ""
  out "| when | runs | p50 ms | p90 ms | p99 ms | min–max ms |"
  out "|---|---:|---:|---:|---:|---:|"
  if broker_start && sim_start "$SIM_W" "$SIM_CPUS" "$STATUS_N" "$STATUS_RATE"; then
    local res line t0 t1
    t0=$(now_ns)
    submit_array "$STATUS_N" >/dev/null || fail "status: array submit"
    # One sample of the reply's size mid-flow (bounded), to show what a status has to carry.
    (sleep "$(calc %.2f "$STATUS_N / $STATUS_RATE / 2")"; cd "$BD" && benv "$BD" timeout 20 "$BATON" status --json 2>/dev/null | wc -c >"$BD/mid.size") &
    local midp=$!; PIDS+=("$midp")
    res=$(cd "$BD" && benv "$BD" "$BT" latency --rounds 100000 --while-pid "$SP" --max-seconds "$CAP_TIMEOUT" -- "$BATON" status --json) || fail "status under load: a status failed"
    wait_pid 10 "$SP" || fail "status: flow did not finish"
    wait_pid 25 "$midp"; stop "$midp"; forget "$midp"
    t1=$(now_ns)
    line=$(grep '^cmd=0' <<<"$res")
    out "| during the flow ($(calc %.1f "($t1 - $t0) / 1e9") s) | $(field n <<<"$line") | $(field p50_ms <<<"$line") | $(field p90_ms <<<"$line") | $(field p99_ms <<<"$line") | $(field min_ms <<<"$line")–$(field max_ms <<<"$line") |"
    local p99; p99=$(field p99_ms <<<"$line")
    STATUS_BYTES=$(cd "$BD" && benv "$BD" "$BATON" status --json -a 2>/dev/null | wc -c)
    goal "6. \`status --json\` p99 under load" "$p99 ms ($(field n <<<"$line") runs)" "≤ 50 ms" "$(verdict_le "$p99" 50)"
    res=$(cd "$BD" && benv "$BD" "$BT" latency --rounds 20 -- "$BATON" status --json) || fail "status idle"
    line=$(grep '^cmd=0' <<<"$res")
    out "| idle, after the flow | $(field n <<<"$line") | $(field p50_ms <<<"$line") | $(field p90_ms <<<"$line") | $(field p99_ms <<<"$line") | $(field min_ms <<<"$line")–$(field max_ms <<<"$line") |"
    out ""
    out "Where the time goes: one \`status --json\` half way through the flow printed $(cat "$BD/mid.size" 2>/dev/null || echo '?') bytes; after"
    out "the flow, \`status --json -a\` (finished tasks too) prints $STATUS_BYTES bytes, $(calc %.0f "$STATUS_BYTES / $STATUS_N") bytes per task: an active"
    out "array's reply lists every task that is not pending, so its cost grows with the tasks already done."
  fi
  all_stop
  out ""
}

# ================================================================ run
START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "mode $MODE; baton $BATON; tools $TOOLS; temp $ROOT"
T_ALL=$(now_ns)
SECTIONS=${SECTIONS:-"throughput capacity profile submit start memory status"}
for s in $SECTIONS; do "sec_$s"; done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(calc %.0f "($(now_ns) - $T_ALL) / 1e9")

MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
  echo "<!-- bench:begin -->"
  echo "## Side by side: overhead, capacity, latency, scale (\`bench/run_all.sh\`)"
  echo ""
  echo "Generated by \`bench/run_all.sh\` ($MODE mode); every figure below is what that run printed, nothing is typed"
  echo "by hand. Machine: $(nproc) cores ($MODEL), Linux $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo);"
  echo "run $START, $ELAPSED s; load average $LOAD0 before, $LOAD1 after (shared, noisy machine: read ratios, not absolutes)."
  BTYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$BATON")/../CMakeCache.txt" 2>/dev/null)
  echo "$("$BATON" --version 2>/dev/null | head -1) (\`${BATON#"$REPO"/}\`$( [[ -n $BTYPE ]] && echo ", $BTYPE build")); $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 | sed 's/^/SQLite /'), $(dpkg-query -W -f='libzmq ${Version}' libzmq5 2>/dev/null)."
  echo ""
  echo "| figure | measured | goal | verdict |"
  echo "|---|---|---|---|"
  cat "$GOALS"
  echo ""
  cat "$REPORT"
  if [[ -s $NOTES ]]; then echo "Notes from this run:"; echo ""; cat "$NOTES"; echo ""; fi
  echo "<!-- bench:end -->"
} >"$ROOT/section.md"
cat "$ROOT/section.md"

if ((UPDATE)); then
  MD=$REPO/BENCHMARKS.md
  if grep -q '<!-- bench:begin -->' "$MD"; then
    awk -v f="$ROOT/section.md" '
      /<!-- bench:begin -->/ { while ((getline l < f) > 0) print l; skip = 1; next }
      /<!-- bench:end -->/ { skip = 0; next }
      !skip' "$MD" >"$ROOT/md.new"
  else
    { cat "$MD"; echo ""; cat "$ROOT/section.md"; } >"$ROOT/md.new"
  fi
  cp "$ROOT/md.new" "$MD"
  log "rewrote the generated section of $MD"
fi
log "done in $ELAPSED s$( ((FAILED)) && echo ', with failures')"
exit $((FAILED ? 1 : 0))
