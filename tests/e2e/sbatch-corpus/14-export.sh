#!/bin/bash
#SBATCH --export=ALL,GREETING=bonjour
#SBATCH -o export.out
# expect-exit: 0
# check: grep -qx "bonjour $HOME" export.out
echo "$GREETING $HOME"
