#!/usr/bin/env bats
# baton as Slurm: the sbatch, squeue, sacct, scancel, sinfo, scontrol and
# srun personalities (symlinks made by `baton slurm-shims`), a corpus of
# #SBATCH scripts. One personal broker and worker serve the whole file.
# Workflow managers driving them: slurm_workflows.bats.

load helpers
load slurm_helpers

setup_file() { slurm_setup_file 4; }
teardown_file() { slurm_teardown_file; }
setup() { slurm_setup; }

@test "slurm-shims links every command; squeue -h means no header, never help" {
  for c in sbatch squeue scancel sacct sinfo scontrol srun sacctmgr sshare; do
    [ "$(readlink "$SLURM_ROOT/bin/$c")" = "$(readlink -f "$BATON")" ]
  done
  run timeout 10 squeue -h --format '%i %t %M'
  [ "$status" -eq 0 ]
  ! grep -q -i usage <<<"$output" || false
  run timeout 10 baton slurm-shims "$SLURM_ROOT/bin"  # again: already there, fine
  [ "$status" -eq 0 ]
}

@test "sbatch prints exactly 'Submitted batch job N' on stdout and nothing on stderr; --parsable prints N" {
  run timeout 10 bash -c 'sbatch --wrap "true" 2>err; echo "err=$(wc -c <err)"'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^Submitted\ batch\ job\ [0-9]+$ ]]
  [ "${lines[1]}" = "err=0" ]
  run timeout 10 sbatch --parsable -o /dev/null --wrap true
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9]+$ ]]
  printf '#!/bin/sh\n#SBATCH -J fromstdin\necho piped\n' | timeout 10 sbatch --parsable -o piped.out >id
  timeout 20 baton wait "$(cat id)"
  [ "$(cat piped.out)" = piped ]
  # SBATCH_* variables beat #SBATCH lines; the command line beats both.
  printf '#!/bin/sh\n#SBATCH -J directive\n#SBATCH -t 5\ntrue\n' >envjob.sh
  id=$(SBATCH_JOB_NAME=fromenv SBATCH_TIMELIMIT=7 timeout 10 sbatch --parsable -o /dev/null -t 9 envjob.sh)
  timeout 20 baton wait "$id"
  [ "$(sacct -n -P -j "$id" -o JobName,Timelimit)" = "fromenv|00:09:00" ]
}

@test "a just-submitted job is PENDING to sacct, squeue and scontrol; unknown ids print nothing and exit 0" {
  id=$(timeout 10 sbatch --parsable -b now+3600 -J later --wrap 'true')
  run timeout 10 sacct -P -n --format=JobIdRaw,State -j "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "$id|PENDING" ]
  run timeout 10 sacct -P -n -b -j "$id"
  [ "$output" = "$id|PENDING|0:0" ]
  run timeout 10 sacct -X --parsable2 --clusters all --noheader --format=JobIdRaw,State \
    --starttime "$(date -d '-2 days' +%Y-%m-%dT%H:00)" --endtime now --name later
  [ "$output" = "$id|PENDING" ]
  run timeout 10 sacct -o JobID,State,NodeList --parsable2 -j "$id" -j 999999
  [ "${lines[0]}" = "JobID|State|NodeList" ]
  [ "${lines[1]}" = "$id|PENDING|None assigned" ]
  run timeout 10 squeue --noheader -o '%i %t' -t all -u "$USER"
  grep -qx "$id PD" <<<"$output"
  run timeout 10 squeue -h --format '%i %t %M' --job "$id"
  [ "$output" = "$id PD 0:00" ]
  run timeout 10 scontrol show jobid -dd "$id"
  [ "$status" -eq 0 ]
  grep -q "JobState=PENDING Reason=BeginTime" <<<"$output"
  run timeout 10 sacct -n -j 999999 --format JobIDRaw,State,ExitCode -P -S 1970-01-01
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run timeout 10 scontrol show job 999999
  [ "$status" -eq 1 ]
  # scontrol update changes it under Slurm's names; unknown keys are refused.
  run timeout 10 scontrol update JobId="$id" TimeLimit=1:00:00 JobName=renamed
  [ "$status" -eq 0 ]
  [ "$(squeue -h -j "$id" -o '%j %l')" = "renamed 1:00:00" ]
  timeout 10 scontrol update JobId="$id" JobName=later
  run timeout 10 scontrol update JobId="$id" Requeue=0
  [ "$status" -eq 1 ]
  # scancel takes options after the ids; the job ends CANCELLED, plain.
  run timeout 3 scancel "$id" --clusters=all
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run timeout 10 sacct -P -n --format=JobIdRaw,State -j "$id"
  [ "$output" = "$id|CANCELLED" ]
  run timeout 10 squeue --format='%i|%T' --states=all --noheader --name later
  [ "$output" = "$id|CANCELLED" ]
}

@test "the probes tools make at start: sinfo -o %P, the Account guess, sacctmgr, sshare, scontrol show config" {
  run timeout 10 sinfo -o %P
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "default*" ]
  run timeout 10 bash -c 'sacct -nu "$USER" -o Account%20 | head -n1'
  [ -z "$output" ]
  run timeout 10 sacct -nu "$USER" -o Account%256 '|' tail -1  # Snakemake 8 passes the pipe as words
  [ "$status" -ne 0 ]
  run timeout 10 sacctmgr -n -s list user "$USER" format=account%20
  [ "$status" -eq 0 ] && [ -z "$output" ]
  run timeout 10 sshare -U --format Account%256 --noheader
  [ "$status" -eq 0 ] && [ -z "$output" ]
  run timeout 10 scontrol show config
  grep -Eq '^SchedulerTimeSlice += 5 sec$' <<<"$output"
  grep -Eq '^MinJobAge +=' <<<"$output"
  run timeout 10 sacct -X
  [ "$status" -eq 0 ]
  run timeout 10 sbatch -N 2 --wrap true
  [ "$status" -eq 1 ]
  grep -q -- "--nodes=2" <<<"$output"
  run timeout 10 sbatch -p nosuchqueue --wrap true
  [ "$status" -eq 1 ]
  grep -q "default" <<<"$output"
}

@test "the #SBATCH corpus: every script runs to completion with Slurm's outputs and exit codes" {
  local dir=$BATS_TEST_DIRNAME/sbatch-corpus f name
  declare -A ids
  for f in "$dir"/*.sh; do
    name=$(basename "$f" .sh)
    mkdir "$name"
    refused=$(sed -n 's/^# expect-refused: //p' "$f")
    if [ -n "$refused" ]; then
      rc=0
      (cd "$name" && timeout 10 sbatch "$f" >out 2>err) || rc=$?
      [ "$rc" = 1 ] || { echo "$name: sbatch exit $rc, wanted 1"; return 1; }
      grep -q -- "$refused" "$name/err" || { echo "$name: message: $(cat "$name/err")"; return 1; }
      continue
    fi
    args=$(sed -n 's/^# args: //p' "$f")
    ids[$name]=$(cd "$name" && eval "timeout 10 sbatch --parsable \"$f\" $args") || { echo "$name: sbatch failed"; return 1; }
  done
  for name in "${!ids[@]}"; do
    f=$dir/$name.sh
    JOB=${ids[$name]}
    rc=0
    timeout 60 baton wait "$JOB" >/dev/null 2>&1 || rc=$?
    want=$(sed -n 's/^# expect-exit: //p' "$f")
    [ "$rc" = "$want" ] || { echo "$name: exit $rc, wanted $want"; return 1; }
    state=$(sed -n 's/^# expect-state: //p' "$f")
    if [ -n "$state" ]; then
      got=$(sacct -n -P -j "$JOB" -o State | head -1)
      [ "$got" = "$state" ] || { echo "$name: state $got, wanted $state"; return 1; }
    fi
    check=$(sed -n 's/^# check: //p' "$f")
    if [ -n "$check" ]; then
      (cd "$name" && JOB=$JOB timeout 60 bash -c "$check") || { echo "$name: check failed: $check"; ls -la "$name"; cat "$name"/*.out 2>/dev/null; return 1; }
    fi
  done
  [ "${#ids[@]}" -ge 15 ]
}

@test "baton submit reads #SBATCH lines under #BATON ones: command line > environment > #BATON > #SBATCH" {
  cat >job.sh <<'SCRIPT'
#!/bin/sh
#SBATCH -J from-sbatch
#SBATCH -c 2
#SBATCH -o sb-%j.out
#BATON -J from-baton
echo "$SLURM_JOB_NAME $SLURM_CPUS_ON_NODE"
SCRIPT
  id=$(timeout 10 baton submit --parsable job.sh)
  timeout 20 baton wait "$id"
  [ "$(cat "sb-$id.out")" = "from-baton 2" ]
  id=$(BATON_SUBMIT_JOB_NAME=env timeout 10 baton submit --parsable job.sh)
  timeout 20 baton wait "$id"
  [ "$(cat "sb-$id.out")" = "env 2" ]
  id=$(BATON_SUBMIT_JOB_NAME=env timeout 10 baton submit --parsable -c 1 -J cli job.sh)
  timeout 20 baton wait "$id"
  [ "$(cat "sb-$id.out")" = "cli 1" ]
}

@test "srun outside a job submits, waits and prints the output, with the job's exit status" {
  run timeout 30 srun -J outside bash -c 'echo "out $SLURM_JOB_NAME"; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "out outside" ]
}
