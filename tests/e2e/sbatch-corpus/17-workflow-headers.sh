#!/bin/bash
#SBATCH -J nf-align_(sample1)
#SBATCH -o .command.log
#SBATCH --no-requeue
#SBATCH --signal B:USR2@30
#SBATCH -c 2
#SBATCH -t 00:10:00
#SBATCH --mem 100M
#SBATCH -p default
#SBATCH -A myaccount
#SBATCH --qos=normal
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --exclusive
#SBATCH --comment "run 42"
#SBATCH --requeue
# The headers Nextflow, dask-jobqueue and Parsl write: accepted, and honoured where they matter.
# expect-exit: 0
# check: grep -qx "nf-align_(sample1) 2 100 default" .command.log
echo "$SLURM_JOB_NAME $SLURM_CPUS_ON_NODE $SLURM_MEM_PER_NODE $SLURM_JOB_PARTITION"
