#!/bin/bash
#SBATCH --array=0-2
#SBATCH -o /dev/null
# The job's status is the worst of its tasks'.
# expect-exit: 2
# check: [ "$(sacct -n -P -j $JOB -o JobID,State | sort | tr '\n' ' ')" = "${JOB}_0|COMPLETED ${JOB}_1|FAILED ${JOB}_2|FAILED " ]
exit "$SLURM_ARRAY_TASK_ID"
