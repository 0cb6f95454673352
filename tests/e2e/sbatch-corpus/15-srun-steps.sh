#!/bin/bash
#SBATCH -J steps
#SBATCH -o steps.out
#SBATCH -c 2
# srun inside the job runs in place: one step, two ranks, -o per rank, -l labels.
# expect-exit: 0
# check: grep -qx "step in $JOB" steps.out && [ "$(grep -c '^rank' steps.out)" = 2 ] && grep -qx 1 rank-1.txt && grep -qx "1: of 2" steps.out
srun -n1 --cpu-bind=q --cpus-per-task=1 bash -c 'echo "step in $SLURM_JOB_ID"'
srun --ntasks=2 bash -c 'echo "rank $SLURM_PROCID"'
srun -n 2 --unbuffered --output 'rank-%t.txt' bash -c 'echo $SLURM_PROCID'
srun --ntasks 2 -l bash -c 'echo "of $SLURM_NTASKS"'
