#!/bin/sh
# No -o: Slurm writes slurm-<jobid>.out in the submit directory.
# expect-exit: 0
# check: grep -qx "in $PWD" slurm-$JOB.out
echo "in $SLURM_SUBMIT_DIR"
