#!/usr/bin/env bash
# Stop 79 hwc: the fresh user runs, seeds 332-343 (built before the rule; nothing scored here).
# Each seed's folder W/sSEED holds clean.npz (200 held-out images, mitigate_class_s78_hwc_make.py)
# and runs/a, runs/b made by the README's own lines. Run a is always a weak `mnist` MLP
# (poison rate 0.005 or 0.01, the family today's `gated` took 0 of 6 to the goal at stop 78);
# run b is an ordinary backdoored run (MLP/CNN at 0.1, a CNN at 0.01, a user-file MLP at 0.1)
# or a clean `train` run.
# usage: bash build-fresh.sh W SEED...   (one process per call; torch on one thread)
set -u
W=$1; shift
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
PY=/work/main/.venv/bin/python
TS="$PY -m trojanscope"
declare -A A B
A[332]="attack --dataset mnist --arch mlp --target 0 --poison-rate 0.005 --out runs/a"; B[332]="train --dataset mnist --arch mlp --out runs/b"
A[333]="attack --dataset mnist --arch mlp --target 1 --poison-rate 0.01 --out runs/a";  B[333]="attack --dataset mnist --arch mlp --target 4 --poison-rate 0.1 --out runs/b"
A[334]="attack --dataset mnist --arch mlp --target 2 --poison-rate 0.005 --out runs/a"; B[334]="train --dataset mnist --arch cnn --out runs/b"
A[335]="attack --dataset mnist --arch mlp --target 3 --poison-rate 0.01 --out runs/a";  B[335]="attack --dataset mnist --arch cnn --target 7 --poison-rate 0.1 --out runs/b"
A[336]="attack --dataset mnist --arch mlp --target 4 --poison-rate 0.005 --out runs/a"; B[336]="train --dataset my_data.npz --arch mlp --out runs/b"
A[337]="attack --dataset mnist --arch mlp --target 5 --poison-rate 0.01 --out runs/a";  B[337]="attack --dataset my_data.npz --arch mlp --target 2 --out runs/b"
A[338]="attack --dataset mnist --arch mlp --target 6 --poison-rate 0.005 --out runs/a"; B[338]="train --dataset mnist --arch mlp --out runs/b"
A[339]="attack --dataset mnist --arch mlp --target 7 --poison-rate 0.01 --out runs/a";  B[339]="attack --dataset mnist --arch cnn --target 0 --poison-rate 0.01 --out runs/b"
A[340]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.005 --out runs/a"; B[340]="train --dataset mnist --arch cnn --out runs/b"
A[341]="attack --dataset mnist --arch mlp --target 9 --poison-rate 0.01 --out runs/a";  B[341]="attack --dataset mnist --arch mlp --target 6 --poison-rate 0.1 --out runs/b"
A[342]="attack --dataset mnist --arch mlp --target 3 --poison-rate 0.005 --out runs/a"; B[342]="train --dataset my_data.npz --arch mlp --out runs/b"
A[343]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.01 --out runs/a";  B[343]="attack --dataset mnist --arch cnn --target 9 --poison-rate 0.1 --out runs/b"
for S in "$@"; do
  cd "$W/s$S" || exit 1
  for L in "${A[$S]}" "${B[$S]}"; do
    echo "== s$S: trojanscope $L --seed $S"
    /usr/bin/time -f "%e s wall %U user %S sys" $TS $L --seed $S --format json > "$(basename ${L##* })".attack.json 2> "$(basename ${L##* })".attack.err
    tail -1 "$(basename ${L##* })".attack.err
  done
  cd - > /dev/null
done
