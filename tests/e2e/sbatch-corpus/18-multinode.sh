#!/bin/bash
#SBATCH -N 2
#SBATCH --ntasks-per-node=4
# Two nodes would change what an MPI job computes: refused, never ignored.
# expect-refused: --nodes
srun hostname
