#!/bin/bash
# Bulk submission: `baton submit --each-line FILE` of N lines (default
# 100,000; about 3.6 MB of file paths), from exec of the client to the
# acknowledgement, side by side in one run with the same array without lines
# (`-a 0-(N-1)`) and with a one-task `submit -- true`. Broker with the default
# durable journal (journal.sync = normal) on ipc://, no worker (jobs held),
# RUNS rounds interleaved; median and min-max of each, and the broker's RSS
# growth per --each-line job.
#
#   bench/each_line.sh [BUILD_DIR] [RUNS] [N]      (default build/release, 7, 100000)
set -euo pipefail
build=${1:-build/release}
runs=${2:-7}
n=${3:-100000}
baton=$build/cmd/baton
work=$(mktemp -d /tmp/baton-each-line.XXXXXX)
broker_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill -KILL "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export BATON_AUTOSTART=false BATON_CONFIG=/dev/null

seq -f '/data/run-42/sample-%06g.fastq.gz' 0 $((n - 1)) >"$work/lines.txt"
ep="ipc://$work/c.sock"
"$baton" broker --clients "$ep" --workers "ipc://$work/w.sock" --journal "$work/j.db" \
  --set log.level=warn >"$work/broker.log" 2>&1 &
broker_pid=$!
deadline=$((SECONDS + 30))
until "$baton" --broker "$ep" workers >/dev/null 2>&1; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "broker did not answer within 30 s" >&2; cat "$work/broker.log" >&2; exit 1; }
  sleep 0.02
done
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$broker_pid/status"; }

# one CMD...: wall ms (3 decimals) of one client run
one() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.3f\n", $1 / 1000 }'
}

: >"$work/lines.ms"; : >"$work/array.ms"; : >"$work/one.ms"
grew=0
for _ in $(seq "$runs"); do
  before=$(rss)
  one "$baton" --broker "$ep" submit -H --parsable --each-line "$work/lines.txt" -o /dev/null -- true >>"$work/lines.ms"
  grew=$((grew + $(rss) - before))
  one "$baton" --broker "$ep" submit -H --parsable -a "0-$((n - 1))" -o /dev/null -- true >>"$work/array.ms"
  one "$baton" --broker "$ep" submit -H --parsable -o /dev/null -- true >>"$work/one.ms"
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f ms (min %.1f, max %.1f)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
medv() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
bytes=$(stat -c %s "$work/lines.txt")
echo "each-line: $n lines ($((bytes / 1024)) KiB), $runs rounds, durable journal"
echo "  submit --each-line FILE      $(med "$work/lines.ms")"
echo "  submit -a 0-$((n - 1)) (no lines)  $(med "$work/array.ms")"
echo "  submit -- true (one task)    $(med "$work/one.ms")"
awk -v a="$(medv "$work/lines.ms")" -v b="$(medv "$work/array.ms")" -v c="$(medv "$work/one.ms")" \
  'BEGIN { printf "  ratio each-line / array: %.2f; each-line / one task: %.1f\n", a / b, a / c }'
echo "  broker RSS growth per --each-line job: $((grew / runs / 1024)) MiB (file $((bytes / 1048576)) MiB)"
