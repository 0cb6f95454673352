#!/bin/bash
#SBATCH --mem=64M
#SBATCH -o mem.out
# expect-exit: 0
# check: grep -qx "mem 64" mem.out && [ "$(sacct -n -P -j $JOB -o ReqMem)" = "64M" ]
echo "mem $SLURM_MEM_PER_NODE"
