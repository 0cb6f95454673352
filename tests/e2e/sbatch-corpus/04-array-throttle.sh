#!/bin/bash
#SBATCH --array=1-6%2
#SBATCH --output=thr-%a.out
# expect-exit: 0
# check: [ "$(cat thr-*.out | sort -n | tr '\n' ' ')" = "1 2 3 4 5 6 " ] && grep -qx 6 thr-6.out
echo "$SLURM_ARRAY_TASK_ID"
