#!/bin/bash
# Recovery time: how long a broker takes, from exec to answering requests,
# on a journal holding 100,000 pending jobs, and on one holding a pending
# 1,000,000-task array; with the broker's RSS once it answers. Median and
# min-max of RUNS restarts of each (the journal is copied fresh each time).
#
#   bench/recovery.sh [BUILD_DIR] [RUNS]      (default build/release, 5)
set -euo pipefail
build=${1:-build/release}
runs=${2:-5}
baton=$build/cmd/baton
gen=$build/bench/baton_make_journal
work=$(mktemp -d /tmp/baton-recovery.XXXXXX)
broker_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill -KILL "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

# one_restart JOURNAL: prints "MS RSS_KB"
one_restart() {
  cp "$1" "$work/j.db"
  rm -f "$work/j.db-wal" "$work/j.db-shm"
  local ep="ipc://$work/c.sock" start end deadline
  start=$(now_ms)
  "$baton" broker --clients "$ep" --workers "ipc://$work/w.sock" --journal "$work/j.db" \
    --set log.level=warn >"$work/broker.log" 2>&1 &
  broker_pid=$!
  deadline=$((start + 60000))
  # The broker binds once the journal is loaded: wait for its socket, then for
  # an answer (a client started earlier would add ZeroMQ's reconnect delay).
  until [ -S "$work/c.sock" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "broker did not bind within 60 s" >&2; cat "$work/broker.log" >&2; exit 1; }
    sleep 0.005
  done
  until "$baton" --broker "$ep" workers >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "broker did not answer within 60 s" >&2; cat "$work/broker.log" >&2; exit 1; }
    sleep 0.01
  done
  end=$(now_ms)
  local rss
  rm -f "$work/c.sock" "$work/w.sock"
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$broker_pid/status")
  kill -TERM "$broker_pid"
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
  echo "$((end - start)) $rss"
}

# stats: median and min-max of the first column (ms), median of the second (RSS)
stats() {
  local rows ms rss
  rows=$(cat)
  ms=$(echo "$rows" | awk '{ print $1 }' | sort -n | awk '{ v[NR] = $1 } END { printf "%d ms (min %d, max %d)", v[int((NR + 1) / 2)], v[1], v[NR] }')
  rss=$(echo "$rows" | awk '{ print $2 }' | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f MiB", v[int((NR + 1) / 2)] / 1024 }')
  echo "$ms, broker RSS $rss"
}

echo "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%d)"
"$gen" "$work/empty.db" jobs 0 >/dev/null 2>&1
"$gen" "$work/jobs.db" jobs 100000 >/dev/null 2>&1
"$gen" "$work/array.db" array 1000000 >/dev/null 2>&1
for kind in empty jobs array; do
  case $kind in
    empty) label="empty journal (exec + connect floor)";;
    jobs) label="100,000 pending jobs ($(du -m "$work/jobs.db" | cut -f1) MB journal)";;
    array) label="1,000,000-task pending array";;
  esac
  printf '%s: ' "$label"
  for _ in $(seq "$runs"); do one_restart "$work/$kind.db"; done | stats
done
