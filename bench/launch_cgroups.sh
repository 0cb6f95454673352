#!/usr/bin/env bash
# launch_cgroups.sh: what a cgroup per task (worker.cgroup) costs each launch.
#
# Runs an array of N `true` tasks on a fresh broker and a 2-cpu worker, with
# worker.cgroup = off and = auto, interleaved round after round, and prints
# medians: wall time per task (submit to the end of `wait`), the worker
# process's cpu time per task (user+system from /proc, every thread), and
# that of its event loop thread alone (where launches happen; the cgroup
# janitor thread makes and removes cgroups beside it). The difference between the two
# rows is the cost of contained tasks on this host's kernel (cgroup v1 or v2,
# whichever the worker finds). Needs a host where the worker can make cgroups
# (root, or a delegated cgroup); otherwise the auto row says "uncontained".
#
# Modes: off (worker.cgroup = off), auto (auto, the default cpu_limit =
# weight), auto-nocpu (auto with worker.cpu_limit = none: on v1, one fewer
# hierarchy than a multi-cpu task under a weight or quota joins).
#
# Usage: bench/launch_cgroups.sh [BATON_BINARY]
# Environment: N=2000 tasks, ROUNDS=3, MODES="off auto auto-nocpu".
# Output: progress on stderr, a Markdown table on stdout.
set -uo pipefail
export BATON_AUTOSTART=false

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BATON=${1:-${BATON:-$HERE/../build/release/cmd/baton}}
N=${N:-2000}
ROUNDS=${ROUNDS:-3}
MODES=${MODES:-"off auto auto-nocpu"}
[[ -x $BATON ]] || { echo "launch_cgroups: baton binary not found: $BATON" >&2; exit 2; }
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench-cg.XXXXXX") || exit 2
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$ROOT"
}
trap cleanup EXIT

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
loop_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat" 2>/dev/null || echo 0; }
baton_in() {
  local d=$1; shift
  env -u BATON_BROKER -u BATON_WORKER_BROKER BATON_CONFIG=/dev/null HOME="$d" XDG_RUNTIME_DIR="$d" \
    BATON_JOURNAL="$d/journal.db" "$BATON" "$@"
}
wait_until() {
  local deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do (($(date +%s) < deadline)) || return 1; sleep 0.05; done
}

# one MODE ROUND: appends "MODE wall_us_per_task worker_cpu_us_per_task" to results.
one() {
  local mode=$1 d bp wp id t0 t1 c0 c1 l0 l1 hz sets=()
  case $mode in
    off) sets=(--set worker.cgroup=off) ;;
    auto) sets=(--set worker.cgroup=auto) ;;
    auto-nocpu) sets=(--set worker.cgroup=auto --set worker.cpu_limit=none) ;;
  esac
  d=$(mktemp -d "$ROOT/r.XXXX")
  (exec env BATON_CONFIG=/dev/null HOME="$d" XDG_RUNTIME_DIR="$d" BATON_JOURNAL="$d/journal.db" \
    "$BATON" --set journal.sync=normal broker >"$d/broker.log" 2>&1) &
  bp=$!; PIDS+=("$bp")
  wait_until 10 test -S "$d/baton/workers.sock" || { echo "broker did not start" >&2; return 1; }
  (exec env BATON_CONFIG=/dev/null HOME="$d" XDG_RUNTIME_DIR="$d" \
    "$BATON" worker --cpus 2 "${sets[@]}" >"$d/worker.log" 2>&1) &
  wp=$!; PIDS+=("$wp")
  worker_idle() { baton_in "$d" workers 2>/dev/null | grep -q idle; }
  wait_until 10 worker_idle || { echo "worker did not register" >&2; return 1; }
  local label=$mode
  [[ $mode != off ]] && ! grep -q "tasks run contained" "$d/worker.log" && label="$mode-uncontained"
  c0=$(ticks "$wp")
  l0=$(loop_ticks "$wp")
  t0=$(date +%s%N)
  id=$(cd "$d" && baton_in "$d" submit --parsable -a "0-$((N - 1))" -o /dev/null --export=NONE -- true)
  (cd "$d" && baton_in "$d" wait --timeout 600s "$id" >/dev/null)
  t1=$(date +%s%N)
  c1=$(ticks "$wp")
  l1=$(loop_ticks "$wp")
  hz=$(getconf CLK_TCK)
  kill -TERM "$wp" "$bp" 2>/dev/null
  wait "$wp" "$bp" 2>/dev/null
  awk -v m="$label" -v n="$N" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v l0="$l0" -v l1="$l1" -v hz="$hz" \
    'BEGIN { printf "%s %.1f %.1f %.1f\n", m, (t1 - t0) / 1e3 / n, (c1 - c0) / hz * 1e6 / n, (l1 - l0) / hz * 1e6 / n }' \
    >>"$ROOT/results"
  echo "  $(tail -1 "$ROOT/results")" >&2
}

: >"$ROOT/results"
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS" >&2
  for m in $MODES; do one "$m"; done
done
echo "| worker.cgroup | wall µs per task | worker cpu µs per task | its loop thread's cpu µs per task |"
echo "|---|---|---|---|"
for mode in $MODES $(printf '%s-uncontained ' $MODES); do
  grep -q "^$mode " "$ROOT/results" || continue
  w=$(awk -v m="$mode" '$1 == m { print $2 }' "$ROOT/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  c=$(awk -v m="$mode" '$1 == m { print $3 }' "$ROOT/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  l=$(awk -v m="$mode" '$1 == m { print $4 }' "$ROOT/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "| $mode | $w | $c | $l |"
done
echo
echo "Medians of $ROUNDS rounds; $N tasks of \`true\` in one array, 2 cpus, journal.sync=normal, $(uname -r)."
