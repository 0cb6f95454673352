#!/usr/bin/env bash
# e2e_throughput.sh: per-task overhead of baton against other schedulers, end to end.
#
# Measures the wall time to run N trivial tasks (`true`): submit all, wait for
# all. Every system gets 2 slots on this host, and every measurement starts
# from a fresh daemon with private sockets and state in a temp dir. Cases run
# interleaved, round after round, and the table shows medians, because on a
# shared machine one absolute time means little; the ratio column is computed
# per round (side by side) and then the median is taken.
#
#   baton  array  sync=full    submit -a 0-(N-1) -o /dev/null --export=NONE -- true; wait ID
#   baton  array  sync=normal  the same with the broker's --set journal.sync=normal
#   baton  jobs   sync=full    N x submit --parsable -o /dev/null -- true; wait ID...
#   tsp    jobs                tsp -S 2; N x tsp -n true; tsp -w; poll tsp -l until none queued/running
#   slurm  array               sbatch --array=0-(N-1) -o /dev/null --wrap true; poll squeue until empty
#   slurm  jobs                N x sbatch -o /dev/null --wrap true; poll squeue until empty
#
# Competitors are optional and installed by hand, never by this script:
#     apt-get install task-spooler slurm-wlm munge
# A competitor whose binaries are missing is skipped with a note. Slurm needs
# root (slurmd runs jobs as their user); it is skipped when not root.
#
# Slurm setup (a single node on 127.0.0.1, started per round and stopped after):
# a private munged (own key, socket), slurm.conf with select/cons_tres CR_CPU,
# one node with CPUs=2, proctrack/linuxproc, task/none, jobacct_gather/none,
# no accounting, state in the temp dir, random free ports. Slurm 22.05 only
# schedules queued work from its once-a-second background loop, and by default
# only every batch_sched_delay=3 s; we set batch_sched_delay=0 and
# sched_min_interval=0 (its fastest) and show the default as an extra row
# (SLURM_DEFAULT_ROWS=1). Slurm's rate is bounded by that tick (about 2 tasks/s
# with 2 CPUs), so it runs SLURM_N tasks (default 200), not N; the ratio column
# compares time per task, so it stays comparable.
#
# Usage: bench/e2e_throughput.sh [BATON_BINARY]
# Environment:
#   N=1000              tasks for the "jobs" modes (one submit per task)
#   ARRAY_NS="1000"     task counts for the array modes, e.g. "1000 5000"
#   ROUNDS=3            interleaved rounds; medians over rounds
#   SLURM_N=200         tasks for the Slurm modes (0 skips Slurm)
#   SLURM_DEFAULT_ROWS=0  1 adds one round of Slurm with its default batch_sched_delay=3
#   SLURM_DEFAULT_N=40  tasks for that row (an array)
#   CASE_TIMEOUT=600    seconds any one measurement may take before it is abandoned
#   CASES="baton-array-full baton-array-normal baton-jobs tsp-jobs slurm-array slurm-jobs"
#   KEEP_LOGS=0         1 keeps the temp dir (daemon logs) and prints its path
# Output: progress on stderr, the Markdown table on stdout.
set -uo pipefail
# The benchmarks start their own brokers: a client must never start a personal one.
export BATON_AUTOSTART=false

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BATON=${1:-${BATON:-$HERE/../build/release/cmd/baton}}
N=${N:-1000}
ARRAY_NS=${ARRAY_NS:-1000}
ROUNDS=${ROUNDS:-3}
SLURM_N=${SLURM_N:-200}
SLURM_DEFAULT_ROWS=${SLURM_DEFAULT_ROWS:-0}
SLURM_DEFAULT_N=${SLURM_DEFAULT_N:-40}
CASE_TIMEOUT=${CASE_TIMEOUT:-600}
CASES=${CASES:-"baton-array-full baton-array-normal baton-jobs tsp-jobs slurm-array slurm-jobs"}
KEEP_LOGS=${KEEP_LOGS:-0}

log() { printf '%s\n' "$*" >&2; }
die() { log "e2e_throughput: $*"; exit 2; }

[[ -x $BATON ]] || die "baton binary not found: $BATON (build it, or pass its path)"
BATON=$(cd "$(dirname "$BATON")" && pwd)/$(basename "$BATON")

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench-e2e.XXXXXX") || die "mktemp failed"
RESULTS=$ROOT/results        # lines: case n round wall_seconds
NOTES=$ROOT/notes
: >"$RESULTS"
: >"$NOTES"
PIDS=()                      # every daemon this script started, killed by pid on exit

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# stop PID...: SIGTERM, up to 5 s, then SIGKILL. Only pids we started.
stop() {
  local p
  for p in "$@"; do [[ -n $p ]] && kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    [[ -n $p ]] || continue
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}

cleanup() {
  local rc=$?
  ((${#PIDS[@]})) && stop "${PIDS[@]}"
  if [[ $KEEP_LOGS == 1 ]]; then log "logs kept in $ROOT"; else rm -rf "$ROOT"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget() {  # drop stopped pids from PIDS
  local keep=() p q
  for p in "${PIDS[@]}"; do
    for q in "$@"; do [[ $p == "$q" ]] && continue 2; done
    keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

# wait_until SECONDS CMD...: poll CMD every 20 ms until it succeeds; 1 on timeout.
wait_until() {
  local limit=$1; shift
  local deadline=$(($(date +%s) + limit))
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.02
  done
}

record() { echo "$1 $2 $3 $4" >>"$RESULTS"; log "  $1 n=$2 round $3: $4 s"; }
note() { grep -qxF -- "$*" "$NOTES" || echo "$*" >>"$NOTES"; }

# ---------------------------------------------------------------- baton
# CPU seconds (user+system) the broker and the worker used during a measurement.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo "?"; }

baton_env() {  # run baton with a private environment rooted at $1
  local d=$1; shift
  env -u BATON_BROKER -u BATON_WORKER_BROKER BATON_CONFIG=/dev/null \
    HOME="$d" XDG_RUNTIME_DIR="$d" BATON_JOURNAL="$d/journal.db" BATON_LOG=warn "$BATON" "$@"
}
# baton_daemon DIR LOG ARGS...: start baton in the background; $! is baton's own pid (exec).
baton_daemon() {
  local d=$1 out=$2; shift 2
  (exec env -u BATON_BROKER -u BATON_WORKER_BROKER BATON_CONFIG=/dev/null \
    HOME="$d" XDG_RUNTIME_DIR="$d" BATON_JOURNAL="$d/journal.db" BATON_LOG=warn "$BATON" "$@" >"$out" 2>&1) &
}

BATON_BP="" BATON_WP="" BATON_DIR=""
baton_worker_idle() { baton_env "$BATON_DIR" workers --json 2>/dev/null | grep -q '"state":"idle"'; }
baton_start() {  # baton_start SYNC
  BATON_DIR=$(mktemp -d "$ROOT/baton.XXXX")
  baton_daemon "$BATON_DIR" "$BATON_DIR/broker.log" --set "journal.sync=$1" broker
  BATON_BP=$!; PIDS+=("$BATON_BP")
  wait_until 10 test -S "$BATON_DIR/baton/workers.sock" || { log "baton broker did not start"; return 1; }
  baton_daemon "$BATON_DIR" "$BATON_DIR/worker.log" worker --cpus 2
  BATON_WP=$!; PIDS+=("$BATON_WP")
  wait_until 10 baton_worker_idle || { log "baton worker did not register"; return 1; }
}
baton_stop() {
  stop "$BATON_WP" "$BATON_BP"; forget "$BATON_WP" "$BATON_BP"
  [[ $KEEP_LOGS == 1 ]] || rm -rf "$BATON_DIR"
}

# baton_case CASE N ROUND MODE SYNC
baton_case() {
  local name=$1 n=$2 round=$3 mode=$4 sync=$5 t0 t1 rc id ids=()
  baton_start "$sync" || { baton_stop; return 1; }
  local c0b c0w
  c0b=$(cpu_of "$BATON_BP"); c0w=$(cpu_of "$BATON_WP")
  t0=$(now_ns)
  if [[ $mode == array ]]; then
    id=$(cd "$BATON_DIR" && baton_env "$BATON_DIR" submit --parsable -a "0-$((n - 1))" -o /dev/null --export=NONE -- true)
    ids=("$id")
  else
    for ((i = 0; i < n; i++)); do
      id=$(cd "$BATON_DIR" && baton_env "$BATON_DIR" submit --parsable -o /dev/null -- true) || break
      ids+=("$id")
    done
  fi
  local expect=$n
  [[ $mode == array ]] && expect=1
  if ((${#ids[@]} == expect)) && [[ -n ${ids[0]:-} ]]; then
    timeout "$CASE_TIMEOUT" env -u BATON_BROKER HOME="$BATON_DIR" XDG_RUNTIME_DIR="$BATON_DIR" \
      "$BATON" wait --timeout "${CASE_TIMEOUT}s" "${ids[@]}" >/dev/null
    rc=$?
  else
    rc=99
  fi
  t1=$(now_ns)
  if ((rc == 0)); then
    record "$name" "$n" "$round" "$(secs "$t0" "$t1")"
    echo "$name $n $round $(awk -v a="$c0b" -v b="$(cpu_of "$BATON_BP")" 'BEGIN{printf "%.2f", b-a}') \
$(awk -v a="$c0w" -v b="$(cpu_of "$BATON_WP")" 'BEGIN{printf "%.2f", b-a}')" >>"$ROOT/cpu"
  else
    log "  $name n=$n round $round: FAILED (wait exit $rc)"
  fi
  baton_stop
}

# ---------------------------------------------------------------- task-spooler
TSP=$(command -v tsp || true)
if [[ -z $TSP ]] && command -v ts >/dev/null && ts -V 2>&1 | grep -qi spooler; then TSP=$(command -v ts); fi

tsp_idle() { ! tsp_busy "$1"; }
tsp_busy() { TS_SOCKET=$1 "$TSP" -l 2>/dev/null | awk 'NR > 1 && ($2 == "running" || $2 == "queued" || $2 == "allocating") { f = 1 } END { exit !f }'; }

tsp_case() {  # tsp_case N ROUND
  local n=$1 round=$2 d sock t0 t1 spid ok=1
  d=$(mktemp -d "$ROOT/tsp.XXXX"); sock=$d/socket
  # The first tsp call forks the server; find it by its listening socket so it can be killed by pid.
  TS_SOCKET=$sock TMPDIR=$d TS_MAXFINISHED=$((n + 10)) TS_SLOTS=2 "$TSP" -S 2 </dev/null >/dev/null 2>&1
  spid=$(ss -xlpn 2>/dev/null | awk -v s="$sock" '$5 == s' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [[ -n $spid ]] && PIDS+=("$spid")
  t0=$(now_ns)
  for ((i = 0; i < n; i++)); do
    TS_SOCKET=$sock TMPDIR=$d "$TSP" -n true </dev/null >/dev/null 2>&1 || { ok=0; break; }
  done
  # -w waits for the last job added; the one before it may still be running, hence the poll.
  ((ok)) && { timeout "$CASE_TIMEOUT" env TS_SOCKET="$sock" "$TSP" -w >/dev/null 2>&1; wait_until "$CASE_TIMEOUT" tsp_idle "$sock" || ok=0; }
  t1=$(now_ns)
  local done_count
  done_count=$(TS_SOCKET=$sock "$TSP" -l 2>/dev/null | awk 'NR > 1 && $2 == "finished"' | wc -l)
  if ((ok)) && ((done_count == n)); then
    record tsp-jobs "$n" "$round" "$(secs "$t0" "$t1")"
  else
    log "  tsp-jobs n=$n round $round: FAILED ($done_count of $n finished)"
  fi
  TS_SOCKET=$sock "$TSP" -K </dev/null >/dev/null 2>&1
  [[ -n $spid ]] && { stop "$spid"; forget "$spid"; }
  [[ $KEEP_LOGS == 1 ]] || rm -rf "$d"
}

# ---------------------------------------------------------------- Slurm
SLURM_OK=0
SLURM_WHY=""
if ((SLURM_N == 0)); then SLURM_WHY="SLURM_N=0"
elif ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
  SLURM_WHY="slurmctld/slurmd/sbatch not installed (apt-get install slurm-wlm munge)"
elif ! command -v munged >/dev/null; then SLURM_WHY="munged not installed (apt-get install munge)"
elif ((EUID != 0)); then SLURM_WHY="needs root to run slurmd"
else SLURM_OK=1
fi

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$p\$" || { echo "$p"; return; }
  done
}

SL_DIR="" SL_MUNGE="" SL_CTLD="" SL_D=""
slurm_ctld_up() { scontrol ping 2>/dev/null | grep -q UP; }
slurm_node_idle() { [[ $(sinfo -h -o %T 2>/dev/null) == idle ]]; }
slurm_queue_empty() { [[ -z $(squeue -h -o %i 2>/dev/null) ]]; }
slurm_start() {  # slurm_start BATCH_SCHED_DELAY
  local delay=$1 host p1 p2
  SL_DIR=$(mktemp -d "$ROOT/slurm.XXXX"); chmod 755 "$SL_DIR"
  mkdir -p "$SL_DIR/state" "$SL_DIR/spool" "$SL_DIR/munge" && chmod 711 "$SL_DIR/munge"
  head -c 1024 /dev/urandom >"$SL_DIR/munge/munge.key" && chmod 400 "$SL_DIR/munge/munge.key"
  munged -F -f --socket="$SL_DIR/munge/munge.sock" --key-file="$SL_DIR/munge/munge.key" \
    --pid-file="$SL_DIR/munge/munged.pid" --seed-file="$SL_DIR/munge/seed" \
    --log-file="$SL_DIR/munge/munged.log" >"$SL_DIR/munge/out" 2>&1 &
  SL_MUNGE=$!; PIDS+=("$SL_MUNGE")
  wait_until 10 test -S "$SL_DIR/munge/munge.sock" || { log "munged did not start"; return 1; }
  host=$(hostname -s); p1=$(free_port); p2=$(free_port)
  local sched="batch_sched_delay=$delay"
  [[ $delay == 0 ]] && sched+=",sched_min_interval=0"
  cat >"$SL_DIR/slurm.conf" <<EOF
ClusterName=batonbench
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SL_DIR/munge/munge.sock
StateSaveLocation=$SL_DIR/state
SlurmdSpoolDir=$SL_DIR/spool
SlurmctldPidFile=$SL_DIR/slurmctld.pid
SlurmdPidFile=$SL_DIR/slurmd.pid
SlurmctldLogFile=$SL_DIR/slurmctld.log
SlurmdLogFile=$SL_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=$sched
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxJobCount=200000
MaxArraySize=100001
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=bench Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  export SLURM_CONF=$SL_DIR/slurm.conf
  (cd "$SL_DIR" && exec slurmctld -D -f "$SL_DIR/slurm.conf" >"$SL_DIR/ctld.out" 2>&1) &
  SL_CTLD=$!; PIDS+=("$SL_CTLD")
  wait_until 20 slurm_ctld_up || { log "slurmctld did not start (see $SL_DIR)"; return 1; }
  (cd "$SL_DIR" && exec slurmd -D -f "$SL_DIR/slurm.conf" -N "$host" >"$SL_DIR/d.out" 2>&1) &
  SL_D=$!; PIDS+=("$SL_D")
  wait_until 30 slurm_node_idle || { log "slurm node not idle (see $SL_DIR)"; return 1; }
}
slurm_stop() {
  stop "$SL_D"; stop "$SL_CTLD"; stop "$SL_MUNGE"
  forget "$SL_D" "$SL_CTLD" "$SL_MUNGE"
  SL_D="" SL_CTLD="" SL_MUNGE=""
  unset SLURM_CONF
  [[ $KEEP_LOGS == 1 ]] || rm -rf "$SL_DIR"
}

slurm_case() {  # slurm_case CASE N ROUND MODE
  local name=$1 n=$2 round=$3 mode=$4 t0 t1 ok=1 completed
  local before
  before=$(squeue -h -t CD -r -o %i 2>/dev/null | wc -l)
  t0=$(now_ns)
  if [[ $mode == array ]]; then
    (cd "$SL_DIR" && sbatch --parsable --array="0-$((n - 1))" -o /dev/null --wrap true >/dev/null) || ok=0
  else
    for ((i = 0; i < n; i++)); do
      (cd "$SL_DIR" && sbatch --parsable -o /dev/null --wrap true >/dev/null) || { ok=0; break; }
    done
  fi
  ((ok)) && { wait_until "$CASE_TIMEOUT" slurm_queue_empty || ok=0; }
  t1=$(now_ns)
  completed=$(($(squeue -h -t CD -r -o %i 2>/dev/null | wc -l) - before))
  if ((ok)) && ((completed == n)); then
    record "$name" "$n" "$round" "$(secs "$t0" "$t1")"
  else
    log "  $name n=$n round $round: FAILED ($completed of $n completed)"
  fi
}

# ---------------------------------------------------------------- run
want() { [[ " $CASES " == *" $1 "* ]]; }

log "baton: $BATON"
log "load before: $(uptime)"
[[ -n $TSP ]] || note "task-spooler skipped: tsp not installed (apt-get install task-spooler)"
((SLURM_OK)) || note "Slurm skipped: $SLURM_WHY"

for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS (load average: $(cut -d" " -f1-3 /proc/loadavg))"
  for n in $ARRAY_NS; do
    want baton-array-full && baton_case baton-array-full "$n" "$r" array full
    want baton-array-normal && baton_case baton-array-normal "$n" "$r" array normal
  done
  want baton-jobs && baton_case baton-jobs "$N" "$r" jobs full
  want tsp-jobs && [[ -n $TSP ]] && tsp_case "$N" "$r"
  if ((SLURM_OK)) && { want slurm-array || want slurm-jobs; }; then
    if slurm_start 0; then
      want slurm-array && slurm_case slurm-array "$SLURM_N" "$r" array
      want slurm-jobs && slurm_case slurm-jobs "$SLURM_N" "$r" jobs
    else
      note "Slurm failed to start in round $r (KEEP_LOGS=1 keeps its logs)"
    fi
    slurm_stop
  fi
done
if ((SLURM_OK)) && ((SLURM_DEFAULT_ROWS)); then
  log "Slurm with its default batch_sched_delay=3 (one round)"
  if slurm_start 3; then slurm_case slurm-array-default "$SLURM_DEFAULT_N" 1 array; fi
  slurm_stop
fi
log "load after: $(uptime)"

# ---------------------------------------------------------------- table
# The ratio: this case's time per task over baton array/full's time per task in
# the same round (at the same N when measured, else at the first ARRAY_NS), then
# the median over rounds. >1 means more overhead per task than baton.
REF_N=${ARRAY_NS%% *}
awk -v refn="$REF_N" -v arrayns="$ARRAY_NS" '
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  BEGIN {
    split(arrayns, an, " "); for (i in an) isarr[an[i]] = 1
    sys["baton-array-full"] = "baton"; mode["baton-array-full"] = "array, journal.sync=full"
    sys["baton-array-normal"] = "baton"; mode["baton-array-normal"] = "array, journal.sync=normal"
    sys["baton-jobs"] = "baton"; mode["baton-jobs"] = "N jobs, journal.sync=full"
    sys["tsp-jobs"] = "task-spooler"; mode["tsp-jobs"] = "N jobs, 2 slots"
    sys["slurm-array"] = "Slurm"; mode["slurm-array"] = "array (batch_sched_delay=0)"
    sys["slurm-jobs"] = "Slurm"; mode["slurm-jobs"] = "N jobs (batch_sched_delay=0)"
    sys["slurm-array-default"] = "Slurm"; mode["slurm-array-default"] = "array (defaults, batch_sched_delay=3; 1 round)"
    order = "baton-array-full baton-array-normal baton-jobs tsp-jobs slurm-array slurm-jobs slurm-array-default"
  }
  {
    key = $1 SUBSEP $2
    if (!(key in walls)) { keys[++nk] = key }
    walls[key] = walls[key] " " $4
    wall[$1, $2, $3] = $4
    rounds[$3] = 1
  }
  END {
    print "| system | mode | N | wall s (median) | tasks/s | per-task time vs baton array/full |"
    print "|---|---|---:|---:|---:|---:|"
    no = split(order, oc, " ")
    for (o = 1; o <= no; o++) for (q = 1; q <= nk; q++) {
      split(keys[q], kk, SUBSEP); c = kk[1]; n = kk[2]
      if (c != oc[o]) continue
      w = median(walls[keys[q]])
      rn = (n in isarr) ? n : refn
      ratios = ""
      for (r in rounds) if (((c, n, r) in wall) && (("baton-array-full", rn, r) in wall))
        ratios = ratios " " (wall[c, n, r] / n) / (wall["baton-array-full", rn, r] / rn)
      if (c == "slurm-array-default" && ratios == "") {
        # one round only: compare with the median baton array/full
        ratios = " " (w / n) / (median(walls["baton-array-full" SUBSEP rn]) / rn)
      }
      rs = ratios == "" ? "n/a" : sprintf("%.2f", median(ratios))
      printf "| %s | %s | %d | %.2f | %.0f | %s |\n", sys[c], mode[c], n, w, n / w, rs
    }
  }' "$RESULTS"

if [[ -s $ROOT/cpu ]]; then
  echo
  echo "baton daemons' CPU time during the measurement (median over rounds):"
  echo
  echo "| mode | N | broker CPU s | worker CPU s | broker CPU ms/task | worker CPU ms/task |"
  echo "|---|---:|---:|---:|---:|---:|"
  awk '
    function median(list,   a, k, i, j, t) {
      k = split(list, a, " ")
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { key = $1 " " $2; if (!(key in b)) ks[++nk] = key; b[key] = b[key] " " $4; w[key] = w[key] " " $5 }
    END { for (i = 1; i <= nk; i++) { split(ks[i], p, " "); mb = median(b[ks[i]]); mw = median(w[ks[i]])
      printf "| %s | %d | %.2f | %.2f | %.2f | %.2f |\n", p[1], p[2], mb, mw, 1000 * mb / p[2], 1000 * mw / p[2] } }' "$ROOT/cpu"
fi
if [[ -s $NOTES ]]; then
  echo
  sed 's/^/- /' "$NOTES"
fi
