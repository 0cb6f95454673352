#!/usr/bin/env bash
# metrics_scrape.sh: does a scraper hammering GET /metrics lower the broker's
# dispatch capacity?
#
# Runs an array of N trivial tasks (`true`) through a fresh broker and one
# worker with 2 cpus, in two cases, interleaved round after round:
#   off       broker.metrics unset (nothing built, nothing listening)
#   scraped   broker.metrics on, and one scraper process fetching /metrics
#             SCRAPE_HZ times a second over a kept-alive connection for the
#             whole run (Prometheus scrapes once per 15 s by default; 20/s is
#             300 times that). SCRAPE_HZ=0 scrapes back to back: on a 2-core
#             machine the scraper then takes a core of its own from the
#             broker, worker and tasks, which measures the machine, not the
#             broker.
# Each run is: submit -a 0-(N-1) -o /dev/null --export=NONE -- true; wait.
# The table gives the median tasks/s of each case and the median of the
# per-round ratio scraped/off (1.00 = no cost), and how many scrapes ran.
#
# Usage: bench/metrics_scrape.sh [BATON_BINARY]
# Environment: N=20000 (the issue's figure uses N=100000), ROUNDS=3, SCRAPE_HZ=20, CASE_TIMEOUT=600
# Output: progress on stderr, the Markdown table on stdout. Loopback only.
set -uo pipefail
export BATON_AUTOSTART=false BATON_CONFIG=/dev/null

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BATON=${1:-${BATON:-$HERE/../build/release/cmd/baton}}
N=${N:-20000}
ROUNDS=${ROUNDS:-3}
CASE_TIMEOUT=${CASE_TIMEOUT:-600}
SCRAPE_HZ=${SCRAPE_HZ:-20}

log() { printf '%s\n' "$*" >&2; }
[[ -x $BATON ]] || { log "metrics_scrape: baton binary not found: $BATON"; exit 2; }
command -v python3 >/dev/null || { log "metrics_scrape: needs python3"; exit 2; }

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench-metrics.XXXXXX")
# Daemons started by run_case (which runs in a subshell) are listed in a file,
# so an interrupted run still stops them, by pid.
cleanup() {
  local p
  for p in $(cat "$ROOT/pids" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in $(cat "$ROOT/pids" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$ROOT"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }

# run_case CASE ROUND: prints "tasks_per_s scrapes".
run_case() {
  local case=$1 round=$2 dir=$ROOT/$1-$2 cport wport mport extra=() scraper=""
  mkdir -p "$dir"
  cport=$(free_port); wport=$(free_port); mport=$(free_port)
  [[ $case == scraped ]] && extra=(--set "broker.metrics=127.0.0.1:$mport")
  "$BATON" broker --clients "tcp://127.0.0.1:$cport" --workers "tcp://127.0.0.1:$wport" \
    --journal "$dir/journal.db" --set security.insecure=true "${extra[@]}" >"$dir/broker.log" 2>&1 &
  local broker=$!
  echo "$broker" >>"$ROOT/pids"
  "$BATON" worker --broker "tcp://127.0.0.1:$wport" --name w --cpus 2 >"$dir/worker.log" 2>&1 &
  local worker=$!
  echo "$worker" >>"$ROOT/pids"
  export BATON_BROKER="tcp://127.0.0.1:$cport"
  local i
  for i in $(seq 100); do "$BATON" workers 2>/dev/null | grep -q '^w ' && break; sleep 0.1; done
  if [[ $case == scraped ]]; then
    python3 - "$mport" "$SCRAPE_HZ" "$dir/scrapes" "$CASE_TIMEOUT" <<'PY' &
import http.client, sys, time
port, hz, out, limit = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
conn, n, end = None, 0, time.monotonic() + limit
while time.monotonic() < end:
    t = time.monotonic()
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/metrics")
        conn.getresponse().read()
        n += 1
        with open(out, "w") as f:
            f.write(str(n))
    except Exception:
        conn = None
        time.sleep(0.05)
    if hz > 0:
        time.sleep(max(0.0, 1.0 / hz - (time.monotonic() - t)))
PY
    scraper=$!
    echo "$scraper" >>"$ROOT/pids"
  fi
  local t0 t1 id
  t0=$(now_ns)
  id=$("$BATON" submit --parsable -a "0-$((N - 1))" -o /dev/null --export=NONE -- true)
  timeout "$CASE_TIMEOUT" "$BATON" wait "$id" >/dev/null
  t1=$(now_ns)
  local scrapes=0
  if [[ -n $scraper ]]; then
    kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null
    scrapes=$(cat "$dir/scrapes" 2>/dev/null || echo 0)
  fi
  kill -TERM "$worker" "$broker" 2>/dev/null
  wait "$worker" "$broker" 2>/dev/null
  awk -v n="$N" -v a="$t0" -v b="$t1" -v s="$scrapes" 'BEGIN { printf "%.1f %d\n", n / ((b - a) / 1e9), s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$ROOT/off" ; : >"$ROOT/scraped"; : >"$ROOT/ratio"; : >"$ROOT/scrapes"
for r in $(seq "$ROUNDS"); do
  read -r off _ < <(run_case off "$r")
  read -r on scrapes < <(run_case scraped "$r")
  log "round $r: off $off tasks/s, scraped $on tasks/s ($scrapes scrapes)"
  echo "$off" >>"$ROOT/off"; echo "$on" >>"$ROOT/scraped"; echo "$scrapes" >>"$ROOT/scrapes"
  awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f\n", a / b }' >>"$ROOT/ratio"
done
echo "| case (N=$N, 2 cpus, $ROUNDS rounds) | tasks/s (median) | scrapes per run (median) |"
echo "|---|---|---|"
echo "| metrics off | $(median <"$ROOT/off") | - |"
echo "| metrics on, /metrics scraped $( [ "$SCRAPE_HZ" = 0 ] && echo "back to back" || echo "$SCRAPE_HZ/s") | $(median <"$ROOT/scraped") | $(median <"$ROOT/scrapes") |"
echo "| ratio scraped/off (median of rounds) | $(median <"$ROOT/ratio") | |"
