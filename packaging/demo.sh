#!/bin/sh
# The sample batch: starts a private broker and worker, runs a few jobs
# through submit/status/wait, prints their results, and stops everything.
# Usage: packaging/demo.sh [path/to/baton]   (default: build/release/cmd/baton)
set -eu
# The demo starts its own broker below; clients must not start a personal one
# while it is still binding its socket.
export BATON_AUTOSTART=false
# A system-wide /etc/baton/baton.toml (the .deb's) names a TCP broker; the
# demo runs its own, with the built-in defaults.
export BATON_CONFIG=/dev/null

here=$(cd "$(dirname "$0")/.." && pwd)
BATON=${1:-$here/build/release/cmd/baton}
[ -x "$BATON" ] || { echo "demo: $BATON not found; build first (cmake --build --preset release)" >&2; exit 1; }

work=$(mktemp -d /tmp/baton-demo.XXXXXX)
mkdir -m 700 "$work/run"
export XDG_RUNTIME_DIR="$work/run"          # private ipc:// sockets for this demo
export BATON_JOURNAL="$work/journal.db"
broker_pid=""
worker_pid=""
cleanup() {
  [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
cd "$work"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

"$BATON" broker >broker.log 2>&1 &
broker_pid=$!
"$BATON" worker --cpus 2 --name demo >worker.log 2>&1 &
worker_pid=$!
i=0
until "$BATON" workers 2>/dev/null | grep -q '^demo '; do
  i=$((i + 1)); [ $i -lt 100 ] || { cat broker.log worker.log; exit 1; }
  sleep 0.1
done

cat >report.sh <<'SCRIPT'
#!/bin/sh
#BATON -J report
#BATON -o report-%j.out
echo "report from job $BATON_JOB_ID on $BATON_WORKER: $(cat squares-*.out | sort -n | tr '\n' ' ')"
SCRIPT

run "$BATON" submit -J hello -- echo "hello from baton"
run "$BATON" submit -J squares -a 1-6%2 -o 'squares-%a.out' --wrap 'sleep 0.5; echo $((BATON_ARRAY_TASK_ID * BATON_ARRAY_TASK_ID))'
run "$BATON" submit -d afterok:2 report.sh
run "$BATON" submit -J flaky -- sh -c 'echo "attempt $BATON_ATTEMPT"; exit 3'
run "$BATON" status
run "$BATON" wait 1 2 3; echo "wait 1 2 3 -> exit $?"
set +e
run "$BATON" wait 4; echo "wait 4 -> exit $? (the job's own exit code)"
set -e
run "$BATON" status --all
say "cat baton-1.out report-3.out"
cat baton-1.out report-3.out
run "$BATON" history
echo
echo "demo files are in $work"
