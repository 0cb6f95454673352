#!/usr/bin/env bats
# Prometheus metrics end to end: a real Prometheus (Debian's package) scrapes
# a broker and a worker on loopback every second; after a known batch (20
# tasks completed, 2 failed) its HTTP API returns those numbers. promtool
# checks the exposition text of both.

load helpers

setup() {
  setup_common
  command -v prometheus >/dev/null || skip "prometheus is not installed (packaging/install-deps.sh installs it)"
}

teardown() { teardown_common; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# prom_value QUERY: the first result's value of an instant query, or nothing.
prom_value() {
  curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

prom_is() { [ "$(prom_value "$1")" = "$2" ]; }

@test "Prometheus scrapes a broker and a worker and sees 20 completed and 2 failed tasks" {
  BROKER_METRICS=$(free_port)
  WORKER_METRICS=$(free_port)
  start_broker '*' '*' --set "broker.metrics=127.0.0.1:$BROKER_METRICS"
  start_worker w1 2 --queue default,batch --set "worker.metrics=127.0.0.1:$WORKER_METRICS"

  "$BATON" submit --parsable -a 1-20 -- true
  "$BATON" submit --parsable -q batch -a 1-2 -- false || true
  run "$BATON" wait 1
  [ "$status" -eq 0 ]
  run "$BATON" wait 2
  [ "$status" -ne 0 ]

  # The exposition text is valid (promtool lints names, units and types).
  # Gauges that walk jobs and workers refresh once a second.
  scraped_has() { curl -sf --max-time 2 "http://127.0.0.1:$BROKER_METRICS/metrics" >broker.prom && grep -q "$1" broker.prom; }
  wait_until 5 scraped_has '^baton_cpus{queue="default"} 2'
  grep -q '^baton_jobs{state="completed"} 1' broker.prom
  curl -sf --max-time 5 "http://127.0.0.1:$WORKER_METRICS/metrics" >worker.prom
  run promtool check metrics <broker.prom
  echo "$output"
  [ "$status" -eq 0 ]
  run promtool check metrics <worker.prom
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q '^baton_tasks_finished_total{queue="default",state="completed"} 20' broker.prom
  grep -q '^baton_read_only 0' broker.prom
  # Every metric the Grafana dashboard plots exists.
  local dash=$BATS_TEST_DIRNAME/../../packaging/grafana/baton.json name
  for name in $(grep -o 'baton_[a-z_]*' "$dash" | sed 's/_bucket$//' | sort -u); do
    grep -q "^$name" broker.prom worker.prom || { echo "dashboard plots $name, which no one exports"; false; }
  done

  PROM_PORT=$(free_port)
  mkdir prom
  cat >prom/prometheus.yml <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: broker
    static_configs: [{targets: ["127.0.0.1:$BROKER_METRICS"]}]
  - job_name: worker
    static_configs: [{targets: ["127.0.0.1:$WORKER_METRICS"]}]
CONF
  prometheus --config.file=prom/prometheus.yml --storage.tsdb.path=prom/data \
    --web.listen-address="127.0.0.1:$PROM_PORT" >prom/log 2>&1 &
  STARTED_PIDS+=($!)
  wait_until 30 prom_is 'sum(up)' 2 || { tail -20 prom/log >&2; false; }

  wait_until 10 prom_is 'baton_tasks_finished_total{state="completed",queue="default"}' 20
  prom_is 'baton_tasks_finished_total{state="failed",queue="batch"}' 2
  prom_is 'sum(baton_tasks_started_total)' 22
  prom_is 'sum(baton_jobs_submitted_total)' 2
  prom_is 'baton_jobs{state="completed"}' 1
  prom_is 'baton_jobs{state="failed"}' 1
  prom_is 'baton_workers{state="idle"}' 1
  prom_is 'baton_cpus{queue="default"}' 2
  prom_is 'baton_submit_to_start_seconds_count' 22
  prom_is 'baton_worker_tasks_launched_total' 22
  prom_is 'baton_worker_tasks_exited_total{how="exited"}' 22
  prom_is 'baton_worker_tasks_running' 0
  prom_is 'baton_client_requests_total{type="submit"}' 2
  [ "$(prom_value 'baton_journal_commit_seconds_count > 0')" != "" ]
}

@test "a metrics address that cannot be bound stops the broker with a clear error" {
  run "$BATON" broker --clients tcp://127.0.0.1:0 --workers tcp://127.0.0.1:0 --journal "$TEST_DIR/j.db" \
    --set security.insecure=true --set broker.metrics=256.0.0.1:1
  [ "$status" -eq 1 ]
  [[ "$output" == *"broker.metrics: cannot listen on 256.0.0.1:1"* ]]
}
