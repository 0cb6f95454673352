#!/bin/bash
#SBATCH -o args.out
# Arguments after the script name reach it as $1, $2.
# args: alpha "beta gamma"
# expect-exit: 0
# check: grep -qx "2:alpha:beta gamma" args.out
echo "$#:$1:$2"
