#!/bin/bash
#SBATCH -J chain
#SBATCH -o chain.out
# afterok: the second step runs after the first succeeded and reads its file.
# expect-exit: 0
# check: b=$(cat chain-id); baton wait $b && [ "$(cat step-two.txt)" = "one two" ]
a=$(sbatch --parsable -o /dev/null --wrap 'sleep 1; echo one > step-one.txt')
b=$(sbatch --parsable -o /dev/null --dependency=afterok:$a --wrap 'echo "$(cat step-one.txt) two" > step-two.txt')
echo "$b" > chain-id
