#!/bin/bash
#SBATCH -J arr
#SBATCH -a 0-3
#SBATCH -o arr-%A_%a.out
# expect-exit: 0
# check: for i in 0 1 2 3; do grep -qx "task $i of 4 in $JOB" arr-${JOB}_$i.out || exit 1; done
echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT in $SLURM_ARRAY_JOB_ID"
