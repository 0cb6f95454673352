#!/bin/bash
#SBATCH --gres=gpu:1
#SBATCH -o gpu.out
# expect-exit: 0
# check: grep -qx "gpus 1 visible 0" gpu.out || grep -qx "gpus 1 visible 1" gpu.out
echo "gpus $SLURM_GPUS visible $CUDA_VISIBLE_DEVICES"
