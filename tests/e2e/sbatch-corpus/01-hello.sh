#!/bin/bash
#SBATCH --job-name=hello
#SBATCH --output=hello-%j.out
#SBATCH --time=00:05:00
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
# expect-exit: 0
# check: grep -qx "hello from job $JOB named hello" hello-$JOB.out
echo "hello from job $SLURM_JOB_ID named $SLURM_JOB_NAME"
