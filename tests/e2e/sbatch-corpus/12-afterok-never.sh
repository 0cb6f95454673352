#!/bin/bash
#SBATCH -J never
#SBATCH -o never.out
# afterok on a failing job with --kill-on-invalid-dep=yes: the dependent is cancelled.
# expect-exit: 0
# check: b=$(cat never-id); baton wait $b; [ "$(sacct -n -X -P -j $b --format=State)" = "CANCELLED" ] && [ ! -e ran.txt ]
a=$(sbatch --parsable -o /dev/null --wrap 'exit 1')
b=$(sbatch --parsable -o /dev/null -d afterok:$a --kill-on-invalid-dep=yes --wrap 'touch ran.txt')
echo "$b" > never-id
