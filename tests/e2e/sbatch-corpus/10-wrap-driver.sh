#!/bin/bash
#SBATCH -J driver
#SBATCH -o driver.out
# A driver submits with --wrap from inside a job, as pipelines do.
# expect-exit: 0
# check: w=$(cat wrap-id); baton wait $w && grep -qx "wrapped 3" wrap-$w.out
sbatch --parsable -o 'wrap-%j.out' --wrap 'echo wrapped $((1 + 2))' > wrap-id
