#!/bin/bash
#SBATCH -J slow
#SBATCH -t 0:01
#SBATCH -o slow.out
# Slurm's -t M:S: one second, then the job is killed.
# expect-exit: 124
# expect-state: TIMEOUT
echo started
sleep 30
echo never
