#!/bin/bash
#SBATCH --mail-type=END,FAIL
#SBATCH --mail-user=someone@example.org
#SBATCH -o mail.out
# expect-exit: 0
# check: grep -qx sent mail.out
echo sent
