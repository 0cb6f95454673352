#!/usr/bin/env bats
# A root worker with worker.run_as_submitter runs each job as the user who
# submitted it: the task's uid and its output file are that user's; a job of
# root fails to launch unless worker.allow_root_jobs; a user unknown on the
# worker's host fails to launch; a non-root worker refuses the setting; and
# `logs` reads only a file that is the job user's own.
# Needs root (useradd, setpriv); skipped otherwise. The throwaway user is
# deleted in teardown.

load helpers
bats_require_minimum_version 1.5.0  # run -N

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v useradd >/dev/null && command -v userdel >/dev/null || skip "needs useradd and userdel"
  command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
  # setup_common changes directory: make a relative BATON_BIN absolute first.
  case $BATON in /*) ;; */*) BATON=$PWD/$BATON ;; esac
  setup_common
  RUNAS_USER="batone2e$$"
  useradd --system --no-create-home "$RUNAS_USER"
  RUNAS_CREATED=1
  RUNAS_UID=$(id -u "$RUNAS_USER")
  RUNAS_GID=$(id -g "$RUNAS_USER")
  # The user passes through the test directory into its own submit directory,
  # with its own HOME and runtime directory for the client.
  chmod 711 "$TEST_DIR"
  USER_DIR=$TEST_DIR/user
  mkdir -p "$USER_DIR/home" "$USER_DIR/run"
  chown -R "$RUNAS_UID:$RUNAS_GID" "$USER_DIR"
  chmod 700 "$USER_DIR/run"
  start_broker
  start_worker w1 2 --set worker.run_as_submitter=true --drain-timeout 1s
}

teardown() {
  [ -n "${TEST_DIR:-}" ] && teardown_common
  [ -n "${RUNAS_CREATED:-}" ] && userdel "$RUNAS_USER" 2>/dev/null
  return 0
}

# as_uid UID GID CMD...: runs CMD as that uid/gid from the user's directory,
# with the user's HOME and runtime directory and the test's broker.
as_uid() {
  local uid=$1 gid=$2
  shift 2
  (cd "$USER_DIR" && setpriv --reuid="$uid" --regid="$gid" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$USER_DIR/home" XDG_RUNTIME_DIR="$USER_DIR/run" \
    BATON_BROKER="$BATON_BROKER" "$@")
}

# as_user CMD...: the same, as the throwaway user with its groups.
as_user() {
  (cd "$USER_DIR" && setpriv --reuid="$RUNAS_UID" --regid="$RUNAS_GID" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$USER_DIR/home" XDG_RUNTIME_DIR="$USER_DIR/run" \
    BATON_BROKER="$BATON_BROKER" "$@")
}

@test "a job runs as the user who submitted it, and its output file is that user's" {
  run as_user "$BATON" submit --parsable -o out.txt -- sh -c 'id -u; id -g; echo "$HOME $USER"'
  [ "$status" -eq 0 ]
  id=$output
  run as_user timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(sed -n 1p "$USER_DIR/out.txt")" = "$RUNAS_UID" ]
  [ "$(sed -n 2p "$USER_DIR/out.txt")" = "$RUNAS_GID" ]
  [ "$(sed -n 3p "$USER_DIR/out.txt")" = "$(getent passwd "$RUNAS_USER" | cut -d: -f6) $RUNAS_USER" ]
  [ "$(stat -c %u:%g "$USER_DIR/out.txt")" = "$RUNAS_UID:$RUNAS_GID" ]
  run "$BATON" status -a "$id"
  [[ "$output" == *"$RUNAS_USER"*COMPLETED* ]]
}

@test "a batch script runs as its submitter, with its default output file" {
  printf '#!/bin/sh\n#BATON -J whoami\nid -u\n' > "$USER_DIR/job.sh"
  chown "$RUNAS_UID:$RUNAS_GID" "$USER_DIR/job.sh"
  run as_user "$BATON" submit --parsable job.sh
  [ "$status" -eq 0 ]
  id=$output
  run as_user timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat "$USER_DIR/baton-$id.out")" = "$RUNAS_UID" ]
  [ "$(stat -c %u "$USER_DIR/baton-$id.out")" = "$RUNAS_UID" ]
}

@test "a job of root fails to launch, saying why, unless the worker allows root jobs" {
  run "$BATON" submit --parsable -o root.out -- id -u
  [ "$status" -eq 0 ]
  id=$output
  run -127 timeout 20 "$BATON" wait "$id"
  [[ "$output" == *"could not start: refusing to run the task as root"*"worker.allow_root_jobs"* ]]
  run "$BATON" status -a "$id"
  [[ "$output" == *FAILED*"refusing to run the task as root"* ]]
  [ ! -e "$TEST_DIR/root.out" ]

  # The same job on a worker that allows root jobs runs as root.
  kill -TERM "${WORKER_PIDS[w1]}"
  wait_gone "${WORKER_PIDS[w1]}" 10
  forget_pid "${WORKER_PIDS[w1]}"
  start_worker w2 2 --set worker.run_as_submitter=true --set worker.allow_root_jobs=true
  run "$BATON" submit --parsable -o root.out -- id -u
  [ "$status" -eq 0 ]
  id=$output
  run timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  [ "$(cat "$TEST_DIR/root.out")" = 0 ]
}

@test "a job whose user does not exist on the worker's host fails to launch, naming the user" {
  # A uid with no passwd entry: the client records the number as the user name.
  local uid=54321
  while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done
  chown "$uid" "$USER_DIR" "$USER_DIR/home" "$USER_DIR/run"
  run as_uid "$uid" "$uid" "$BATON" submit --parsable -o /dev/null -- true
  [ "$status" -eq 0 ]
  id=$output
  run -127 timeout 20 "$BATON" wait "$id"
  [[ "$output" == *"cannot run the task as user '$uid': no such user on this worker"* ]]
}

@test "a worker that is not root refuses run_as_submitter" {
  run as_user timeout 10 "$BATON" worker --broker "tcp://127.0.0.1:$WORKER_PORT" --name w9 \
    --set worker.run_as_submitter=true
  [ "$status" -eq 2 ]
  [[ "$output" == *"worker.run_as_submitter needs a worker running as root"* ]]
}

@test "logs reads a run-as job's output for its user, and refuses a file in its place that is not theirs" {
  run as_user "$BATON" submit --parsable -o out.txt -- echo mine
  [ "$status" -eq 0 ]
  id=$output
  run as_user timeout 20 "$BATON" wait "$id"
  [ "$status" -eq 0 ]
  run as_user "$BATON" logs "$id"
  [ "$status" -eq 0 ]
  [ "$output" = mine ]
  # A root-owned file at that path: the root worker must not read it for the job.
  rm "$USER_DIR/out.txt"
  echo "root secret" > "$USER_DIR/out.txt"
  run as_user "$BATON" logs "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"refusing to read $USER_DIR/out.txt: it belongs to uid 0, not to $RUNAS_USER"* ]]
  [[ "$output" != *"root secret"* ]]
  # Nor a symbolic link the user plants there.
  rm "$USER_DIR/out.txt"
  as_user ln -s /etc/shadow "$USER_DIR/out.txt"
  run as_user "$BATON" logs "$id"
  [ "$status" -eq 1 ]
  [[ "$output" == *"refusing to read $USER_DIR/out.txt: it is a symbolic link"* ]]
}
