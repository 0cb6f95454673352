#!/bin/bash
#SBATCH -J pat
#SBATCH -o %x-%u-%J-%s-%t-%n.out
#SBATCH -e %x-%j.err
# expect-exit: 0
# check: grep -qx out "pat-$USER-$JOB-batch-0-0.out" && grep -qx err "pat-$JOB.err"
echo out
echo err >&2
