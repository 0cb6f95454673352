#!/usr/bin/env bats
# Output for people and scripts: `--json` (schema version 1: numbers, ISO-8601
# UTC times) for status, workers, history and explain; `--format` and
# `--noheader`; colour only on a terminal and never with NO_COLOR.

load helpers

setup() {
  setup_common
  start_broker
  start_worker w1 2 --drain-timeout 1s
}

teardown() { teardown_common; }

# json_check PYTHON [ARGS...]: stdin is JSON; PYTHON's asserts hold with the
# document in `d`, ARGS in `a` and ISO matching an ISO-8601 UTC time.
json_check() {
  command -v python3 >/dev/null || skip "no python3"
  local code=$1; shift
  python3 -c "import json, re, sys
d = json.load(sys.stdin)
a = sys.argv[1:]
ISO = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
$code" "$@"
}

@test "status --json: version 1, numeric ids, ISO-8601 times, null for a time not set" {
  id=$("$BATON" submit --parsable -J sleeper -o /dev/null -- sleep 60)
  wait_until 10 job_is "$id" RUNNING
  "$BATON" status --json | json_check '
assert d["version"] == 1
j = [j for j in d["jobs"] if j["id"] == int(a[0])][0]
assert j["name"] == "sleeper" and j["state"] == "RUNNING", j
assert ISO.match(j["submit_time"]), j["submit_time"]
assert j["end_time"] is None and "submit_ms" not in j and "spec" not in j
assert isinstance(j["time_limit_s"], int)
t = j["tasks"][0]
assert t["state"] == "RUNNING" and t["worker"] == "w1" and t["attempt"] == 1
assert ISO.match(t["start_time"]) and t["end_time"] is None
' "$id"
  "$BATON" cancel "$id"
}

@test "history --json: the finished task's exit code, usage and ISO-8601 times" {
  id=$("$BATON" submit --parsable -J bad -- sh -c 'exit 3')
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 3 ]
  "$BATON" history --json "$id" | json_check '
assert d["version"] == 1
j = d["jobs"][0]
assert j["id"] == int(a[0]) and j["name"] == "bad" and j["state"] == "FAILED", j
t = j["tasks"][0]
assert t["state"] == "FAILED" and t["exit_code"] == 3 and t["worker"] == "w1", t
for k in ("start_time", "end_time"): assert ISO.match(t[k]), t
assert t["end_time"] >= t["start_time"] >= j["submit_time"]
assert isinstance(t["cpu_ms"], int) and isinstance(t["max_rss_kb"], int)
' "$id"
}

@test "workers --json and explain --json: version 1, numbers and times" {
  "$BATON" workers --json | json_check '
assert d["version"] == 1
w = d["workers"][0]
assert w["name"] == "w1" and w["state"] == "idle" and w["capacity"]["cpus"] == 2, w
assert ISO.match(w["last_seen_time"]) and "last_seen_ms" not in w
'
  id=$("$BATON" submit --parsable -c 8 -- true)
  "$BATON" explain --json "$id" | json_check '
assert d["version"] == 1
assert d["job"] == a[0] and d["state"] == "PENDING" and d["reason"] == "Resources", d
assert any("needs 8 cpus" in s for s in d["details"]) and d["largest_worker"] == "w1"
' "$id"
  "$BATON" cancel "$id"
}

@test "status --format and history --format pick the fields; --noheader drops the header" {
  id=$("$BATON" submit --parsable -o /dev/null -- sleep 60)
  wait_until 10 job_is "$id" RUNNING
  run "$BATON" status --format "%i %T" "$id"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  read -r h1 h2 extra <<<"${lines[0]}"
  [ "$h1" = JOBID ] && [ "$h2" = STATE ] && [ -z "$extra" ]
  read -r f1 f2 extra <<<"${lines[1]}"
  [ "$f1" = "$id" ] && [ "$f2" = RUNNING ] && [ -z "$extra" ]

  run "$BATON" status --noheader --format "%.8i|%t|%N" "$id"
  [ "$output" = "$(printf '%8s' "$id")|R|w1" ]
  run "$BATON" status -H --format jobid,st "$id"
  [ "${#lines[@]}" -eq 1 ]
  run "$BATON" status --noheader "$id"
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" == "$id "*RUNNING* ]]
  "$BATON" cancel "$id"

  bad=$("$BATON" submit --parsable -- sh -c 'exit 4')
  run timeout 20 "$BATON" wait "$bad"
  run "$BATON" history --format jobid,state,exitcode "$bad"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "$(echo ${lines[0]})" = "JOBID STATE EXIT" ]
  read -r f1 f2 f3 extra <<<"${lines[1]}"
  [ "$f1" = "$bad" ] && [ "$f2" = FAILED ] && [ "$f3" = 4:0 ] && [ -z "$extra" ]
  run "$BATON" history -p --noheader --format JobID,State,ExitCode "$bad"
  [ "$output" = "$bad|FAILED|4:0" ]

  run "$BATON" workers --noheader --format "%N %T %C"
  [ "$(echo $output)" = "w1 idle 0/2" ]
}

@test "an unknown --format field exits 2, naming it and the valid ones" {
  run "$BATON" status --format "%i %Z"
  [ "$status" -eq 2 ]
  [[ "$output" == *"'%Z'"*"%i jobid"* ]]
  run "$BATON" history --format jobid,bogus
  [ "$status" -eq 2 ]
  [[ "$output" == *"'bogus'"*"exitcode"* ]]
  run "$BATON" workers --format nope
  [ "$status" -eq 2 ]
  [[ "$output" == *"'nope'"*"queues"* ]]
}

@test "colour: none when piped; on a terminal unless NO_COLOR is set" {
  id=$("$BATON" submit --parsable -o /dev/null -- sleep 60)
  wait_until 10 job_is "$id" RUNNING
  [ -z "$("$BATON" status | tr -cd '\033')" ]
  [ -z "$("$BATON" workers | tr -cd '\033')" ]
  [ -z "$("$BATON" history | tr -cd '\033')" ]
  command -v script >/dev/null || skip "no script(1) for a pseudo-terminal"
  run script -qec "$BATON status" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\e[1mJOBID\e[0m'* ]]
  [[ "$output" == *$'\e[32mRUNNING\e[0m'* ]]
  run env NO_COLOR=1 script -qec "$BATON status" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *RUNNING* && "$output" != *$'\e['* ]]
  run env NO_COLOR= script -qec "$BATON workers" /dev/null
  [[ "$output" == *$'\e[32midle\e[0m'* || "$output" == *$'\e[36mmixed\e[0m'* ]]
  "$BATON" cancel "$id"
}
