#!/usr/bin/env bats
# Security on loopback TCP with CURVE keys: only listed workers and clients
# get in, the user comes from the key, users act only on their own jobs, and
# only admins raise priority. Plus: keygen, and no keyless TCP broker unless
# security.insecure says so.

load helpers

setup() {
  setup_common
  KEYS=$TEST_DIR/keys
  mkdir "$KEYS"
  for k in broker w1 intruder alice bob boss stranger; do
    "$BATON" -q keygen --out "$KEYS" --name "$k" >/dev/null
  done
}

teardown() { teardown_common; }

# as NAME CMD...: runs baton as the holder of key NAME.
as() {
  local who=$1; shift
  BATON_KEY=$KEYS/$who.secret BATON_BROKER_KEY=$KEYS/broker.pub "$BATON" "$@"
}

# start_secure_worker NAME CPUS: a worker holding key NAME.
start_secure_worker() {
  BATON_KEY=$KEYS/$1.secret "$BATON" worker --broker "tcp://127.0.0.1:$WORKER_PORT" --name "$1" --cpus "$2" \
    --set worker.heartbeat_interval=200ms >>"$TEST_DIR/worker-$1.log" 2>&1 &
  STARTED_PIDS+=($!)
}

start_secure_broker() {
  # Helpers (worker_registered, job_state) run the client as alice.
  export BATON_KEY=$KEYS/alice.secret BATON_BROKER_KEY=$KEYS/broker.pub
  start_broker '*' '*' --set "security.key=$KEYS/broker.secret" \
    --set "security.authorized_workers=$KEYS/w1.pub" \
    --set "security.authorized_clients=alice $KEYS/alice.pub,bob $KEYS/bob.pub,boss $KEYS/boss.pub admin" \
    --set security.private_jobs=true "$@"
}

@test "keygen writes a 0600 secret and a public key, and prints only the public key" {
  run "$BATON" keygen --out "$TEST_DIR" --name k
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$TEST_DIR/k.secret")" = 600 ]
  pub=$(grep -v '^#' "$TEST_DIR/k.pub")
  [ "${#pub}" -eq 40 ]
  secret=$(grep -v '^#' "$TEST_DIR/k.secret")
  [[ "$output" == *"$pub"* ]]
  [[ "$output" != *"$secret"* ]]
  # It never overwrites a key by accident.
  run "$BATON" keygen --out "$TEST_DIR" --name k
  [ "$status" -eq 1 ]
  [[ "$output" == *"--force"* ]]
}

@test "keygen --out creates a missing directory (and its parents) with mode 0700" {
  run "$BATON" keygen --out "$TEST_DIR/new/node1" --name k
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$TEST_DIR/new")" = 700 ]
  [ "$(stat -c %a "$TEST_DIR/new/node1")" = 700 ]
  [ "$(stat -c %a "$TEST_DIR/new/node1/k.secret")" = 600 ]
  [ -f "$TEST_DIR/new/node1/k.pub" ]
  # A path that cannot be a directory says so.
  : >"$TEST_DIR/plain"
  run "$BATON" keygen --out "$TEST_DIR/plain/sub" --name k
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot create $TEST_DIR/plain/sub"* ]]
}

@test "a broker without keys refuses TCP unless security.insecure is set, and then warns" {
  run timeout 10 "$BATON" broker --clients tcp://127.0.0.1:0 --workers tcp://127.0.0.1:0 --journal "$TEST_DIR/j.db"
  [ "$status" -eq 1 ]
  [[ "$output" == *"without keys"* && "$output" == *"security.insecure"* ]]
  start_broker  # the helper passes security.insecure=true
  grep -q "anyone who can reach" "$TEST_DIR/broker.log"
}

@test "only listed workers get tasks; keyless and unlisted clients are refused with exit 3 and say why" {
  start_secure_broker
  grep -q "CURVE on" "$TEST_DIR/broker.log"
  start_secure_worker w1 2
  wait_until 10 worker_registered w1
  # An unlisted worker key never registers, and the refusal is logged once.
  start_secure_worker intruder 8
  wait_until 10 grep -q "refused a worker connection" "$TEST_DIR/broker.log.cur"
  sleep 1  # let it retry a few times: still one log line, and no registration
  [ "$(grep -c 'refused a worker connection' "$TEST_DIR/broker.log.cur")" -eq 1 ]
  run as alice workers
  [ "$status" -eq 0 ]
  [[ "$output" == *w1* && "$output" != *intruder* ]]

  id=$(as alice submit --parsable -- true)
  run as alice wait --timeout 20s "$id"
  [ "$status" -eq 0 ]
  run as alice history -p "$id"
  [[ "${lines[1]}" == *"|alice|COMPLETED|"*"|w1|"* ]]

  run env -u BATON_KEY -u BATON_BROKER_KEY "$BATON" status  # no key at all
  [ "$status" -eq 3 ]
  [[ "$output" == *"requires a key"* ]]
  run as stranger status  # a key the broker does not list
  [ "$status" -eq 3 ]
  [[ "$output" == *"refused this client's key"* ]]
}

@test "the user comes from the key: users act only on their own jobs, admins on any; only admins raise priority" {
  start_secure_broker
  start_secure_worker w1 1
  wait_until 10 worker_registered w1
  # The client claims nothing the broker believes: the key says alice.
  a=$(USER=mallory as alice submit --parsable -H -- sleep 30)
  run as alice status "$a"
  [[ "$output" == *alice* && "$output" != *mallory* ]]

  run as bob cancel "$a"
  [ "$status" -eq 1 ]
  [[ "$output" == *"belongs to alice"* ]]
  run as bob release "$a"
  [ "$status" -eq 1 ]
  run as bob update "$a" name=x
  [ "$status" -eq 1 ]
  # private_jobs: bob does not see alice's job at all.
  run as bob status
  [[ "$output" != *"$a "* ]]
  run as bob status "$a"
  [ "$status" -eq 1 ]

  run as alice submit -p 10 -- true
  [ "$status" -eq 1 ]
  [[ "$output" == *"admin"* ]]
  run as alice update "$a" priority=10
  [ "$status" -eq 1 ]
  run as boss update "$a" priority=10
  [ "$status" -eq 0 ]
  run as boss status "$a"
  [ "$status" -eq 0 ]
  run as boss cancel "$a"
  [ "$status" -eq 0 ]
  run as alice wait --timeout 20s "$a"
  [ "$status" -eq 125 ]
}
