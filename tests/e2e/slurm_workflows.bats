#!/usr/bin/env bats
# Workflow managers driving baton through its Slurm personalities, unchanged:
# Debian's snakemake (its --slurm executor, and its generic --cluster mode
# with a sacct status script and scancel) and toil (--batchSystem slurm).
# Skipped when the package is missing (packaging/install-deps.sh installs both).
# The tools run under /usr/bin/python3, the interpreter Debian built them for.

load helpers
load slurm_helpers

setup_file() { slurm_setup_file 4; }
teardown_file() { slurm_teardown_file; }
setup() { slurm_setup; }

snakefile() {
  cat >Snakefile <<'SMK'
SAMPLES = ["a", "b", "c"]

rule all:
    input: expand("out/{s}.txt", s=SAMPLES)

rule make:
    output: "out/{s}.txt"
    shell: "echo {wildcards.s} $SLURM_JOB_ID > {output}"
SMK
}

@test "snakemake --slurm runs a wildcard fan-out through sbatch, sacct and srun; a failing rule fails the run" {
  [ -x /usr/bin/snakemake ] || skip "Debian's snakemake is not installed (packaging/install-deps.sh)"
  snakefile
  run timeout 120 /usr/bin/snakemake --slurm --jobs 3 --max-status-checks-per-second 1 --latency-wait 5 -q
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  for s in a b c; do grep -Eq "^$s [0-9]+$" "out/$s.txt"; done
  # Each job is in baton's accounting and in sacct's, completed.
  [ "$(timeout 10 baton history -p -H -o jobname,state | grep -c '^snakejob_make_.*|COMPLETED$')" -ge 3 ]
  [ "$(timeout 10 sacct -n -P -o JobName,State | grep -c '^snakejob_make_.*|COMPLETED$')" -ge 3 ]
  # A failing rule fails the run, which names the job's log.
  cat >>Snakefile <<'SMK'

rule broken:
    output: "broken.txt"
    shell: "echo failing; exit 1"
SMK
  run timeout 120 /usr/bin/snakemake --slurm --jobs 1 --max-status-checks-per-second 1 --latency-wait 1 broken.txt
  [ "$status" -ne 0 ]
  grep -q "SLURM-job '[0-9]*' failed, SLURM status is: 'FAILED'" <<<"$output"
  log=$(grep -o "\.snakemake/slurm_logs/rule_broken/[0-9]*\.log" <<<"$output" | head -1)
  [ -n "$log" ] && grep -q failing "$log"
}

@test "snakemake --cluster 'sbatch --parsable' with a sacct status script and scancel; a failing rule fails the run" {
  [ -x /usr/bin/snakemake ] || skip "Debian's snakemake is not installed (packaging/install-deps.sh)"
  snakefile
  cat >>Snakefile <<'SMK'

rule broken:
    output: "broken.txt"
    log: "logs/broken.log"
    shell: "echo failing > {log}; exit 1"
SMK
  cat >status.sh <<'SH'
#!/bin/sh
# The Snakemake-Profiles status script, reduced: sacct, exact state words.
state=$(sacct -P -n -b -j "$1" | head -1 | cut -d'|' -f2)
case "$state" in
  COMPLETED) echo success ;;
  FAILED|CANCELLED*|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) echo failed ;;
  *) echo running ;;
esac
SH
  chmod +x status.sh
  # -k: the fan-out completes although `broken` fails; the run as a whole fails.
  run timeout 120 /usr/bin/snakemake -k --jobs 4 --cluster 'sbatch --parsable -o cluster-%j.out -c {threads}' \
    --cluster-status ./status.sh --cluster-cancel scancel --max-status-checks-per-second 5 --latency-wait 2 \
    all broken.txt
  [ "$status" -ne 0 ] || { echo "$output"; return 1; }
  for s in a b c; do grep -Eq "^$s [0-9]+$" "out/$s.txt"; done
  grep -q "Error executing rule broken" <<<"$output"
  grep -q "logs/broken.log" <<<"$output"
  [ ! -e broken.txt ]
  [ "$(cat logs/broken.log)" = failing ]
}

@test "toil --batchSystem slurm runs a two-level workflow through sbatch, sacct, squeue and scontrol" {
  [ -x /usr/bin/_toil_worker ] || skip "Debian's toil is not installed (packaging/install-deps.sh)"
  cat >wf.py <<'PY'
import os
from toil.common import Toil
from toil.job import Job

def child(job, n):
    return (n * 2, os.environ["SLURM_JOB_ID"])

def total(job, a, b):
    return a[0] + b[0]

def parent(job):
    a = job.addChildJobFn(child, 1, cores=1, memory="100M", disk="10M")
    b = job.addChildJobFn(child, 2, cores=1, memory="100M", disk="10M")
    return job.addFollowOnJobFn(total, a.rv(), b.rv(), cores=1, memory="100M", disk="10M").rv()

if __name__ == "__main__":
    options = Job.Runner.getDefaultOptions("./jobstore")
    options.batchSystem = "slurm"
    options.clean = "always"
    options.logLevel = "WARNING"
    options.statePollingWait = 1
    with Toil(options) as t:
        print("result", t.start(Job.wrapJobFn(parent, cores=1, memory="100M", disk="10M")))
PY
  run timeout 150 /usr/bin/python3 wf.py
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  grep -qx "result 6" <<<"$output"
  [ "$(timeout 10 sacct -n -P -o JobName,State | grep -c '^toil_job_.*|COMPLETED$')" -ge 4 ]
}
