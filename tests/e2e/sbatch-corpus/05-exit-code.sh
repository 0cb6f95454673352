#!/bin/bash
#SBATCH -J fails
#SBATCH -o fails.out
# expect-exit: 3
# expect-state: FAILED
# check: [ "$(sacct -n -P -j $JOB -o ExitCode)" = "3:0" ]
echo about to fail
exit 3
