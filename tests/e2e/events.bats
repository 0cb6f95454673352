#!/usr/bin/env bats
# `baton events`: every transition of a 1000-task array exactly once and in
# order while following; after a broker restart, --since the last cursor
# seen gives exactly what came after, and a follower that stayed through the
# restart misses nothing and repeats nothing.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

# check_stream FILE JOB N: FILE (events --json) holds, for JOB, one
# submitted, N started and N finished (each index once, started before
# finished), one job_finished last; cursors strictly increase.
check_stream() {
  python3 - "$@" <<'PY'
import json, sys
path, job, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
evs = [json.loads(l) for l in open(path) if l.strip()]
def key(c): return tuple(int(x) for x in c.split("-"))
keys = [key(e["cursor"]) for e in evs]
assert all(a < b for a, b in zip(keys, keys[1:])), "cursors not strictly increasing"
assert all(e["version"] == 1 for e in evs)
mine = [e for e in evs if e.get("job") == job]
kinds = [e["kind"] for e in mine]
assert kinds.count("submitted") == 1, kinds.count("submitted")
assert kinds.count("job_finished") == 1 and kinds[-1] == "job_finished", "job_finished"
assert kinds[0] == "submitted"
started = [e["index"] for e in mine if e["kind"] == "started"]
finished = [e["index"] for e in mine if e["kind"] == "finished"]
assert sorted(started) == list(range(n)), ("started", len(started), len(set(started)))
assert sorted(finished) == list(range(n)), ("finished", len(finished), len(set(finished)))
pos = {}
for i, e in enumerate(mine):
    pos.setdefault((e["kind"], e.get("index")), i)
assert all(pos[("started", i)] < pos[("finished", i)] for i in range(n)), "finished before started"
assert all(e["state"] == "COMPLETED" and e["exit_code"] == 0 for e in mine if e["kind"] == "finished")
PY
}

finished_jobs_at_least() { [ "$(grep -c '"kind":"job_finished"' "$1")" -ge "$2" ]; }

@test "events -f sees every transition of a 1000-task array exactly once, in order" {
  start_broker
  "$BATON" --set client.timeout=2s events -f --json >follow.jsonl 2>follow.err &
  local follower=$!
  STARTED_PIDS+=("$follower")
  sleep 0.5
  start_worker w1 4
  # Worker transitions are live only (the journal keeps no worker rows).
  wait_until 5 grep -q '"kind":"worker_joined".*"worker":"w1"' follow.jsonl
  job=$("$BATON" submit --parsable -a 0-999 -- true)
  "$BATON" wait "$job"
  wait_until 10 grep -q '"kind":"job_finished"' follow.jsonl
  kill "$follower"
  run check_stream follow.jsonl "$job" 1000
  echo "$output"
  [ "$status" -eq 0 ]
  # The same job read back from the journal: the same events, same cursors.
  "$BATON" events --json | grep -v '"kind":"worker_' >replay.jsonl
  grep -v '"kind":"worker_' follow.jsonl >live.jsonl
  diff <(python3 -c 'import json,sys; [print(json.loads(l)["cursor"]) for l in open("live.jsonl")]') \
       <(python3 -c 'import json,sys; [print(json.loads(l)["cursor"]) for l in open("replay.jsonl")]')
}

@test "after a broker restart, --since the last cursor resumes with nothing missed and nothing repeated" {
  start_broker
  start_worker w1 4
  "$BATON" --set client.timeout=1s events -f --json >through.jsonl 2>through.err &
  local through=$!
  STARTED_PIDS+=("$through")
  sleep 0.5
  first=$("$BATON" submit --parsable -a 0-299 -- true)
  "$BATON" wait "$first"
  wait_until 10 grep -q '"kind":"job_finished"' through.jsonl
  "$BATON" events --json >before.jsonl
  cursor=$(tail -1 before.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')

  kill -TERM "$BROKER_PID"
  wait_gone "$BROKER_PID" 10
  start_broker "$CLIENT_PORT" "$WORKER_PORT"
  wait_until 10 worker_registered w1
  second=$("$BATON" submit --parsable -a 0-299 -- true)
  "$BATON" wait "$second"

  "$BATON" events --since "$cursor" --json >after.jsonl
  run check_stream after.jsonl "$second" 300
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -q "\"job\":$first," after.jsonl || false
  # Before + after is the whole journal.
  "$BATON" events --json >all.jsonl
  diff <(cat before.jsonl after.jsonl) all.jsonl

  # The follower that stayed through the restart saw both jobs, each event once.
  wait_until 15 finished_jobs_at_least through.jsonl 2
  kill "$through"
  run check_stream through.jsonl "$first" 300
  [ "$status" -eq 0 ]
  run check_stream through.jsonl "$second" 300
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "events rejects a --since that is neither a cursor nor a time" {
  start_broker
  run "$BATON" events --since 'not-a-time'
  [ "$status" -eq 2 ]
  [[ "$output" == *"--since"* ]]
  run "$BATON" events --since 1-2-9-4
  [ "$status" -eq 2 ]
}
