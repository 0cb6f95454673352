#!/bin/bash
#SBATCH -c 2
#SBATCH --mem-per-cpu=32
#SBATCH -o mpc.out
# --mem-per-cpu is memory times CPUs.
# expect-exit: 0
# check: grep -qx "cpus 2 2 mem 64" mpc.out
echo "cpus $SLURM_CPUS_PER_TASK $SLURM_CPUS_ON_NODE mem $SLURM_MEM_PER_NODE"
