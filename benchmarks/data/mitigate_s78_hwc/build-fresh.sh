#!/usr/bin/env bash
# Stop 78 hwc: the fresh user runs, seeds 264-275 (built before the rule; nothing scored here).
# Each seed's folder W/sSEED holds clean.npz (200 held-out images) and runs/NAME made by the
# README's own lines: `attack --dataset my_data.npz --arch mlp` (the user's file, 160 training
# images) or `attack --dataset mnist` (the bundled set's 4,000), and `train` for clean runs.
# usage: bash build-fresh.sh W SEED...   (one process per call; torch on one thread)
set -u
W=$1; shift
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
PY=/work/main/.venv/bin/python
TS="$PY -m trojanscope"
# seed: line for run a ; line for run b   (weak = poison rate <= 0.05)
declare -A A B
A[264]="attack --dataset my_data.npz --arch mlp --target 3 --out runs/a";              B[264]="train --dataset mnist --arch mlp --out runs/b"
A[265]="attack --dataset my_data.npz --arch mlp --target 7 --out runs/a";              B[265]="attack --dataset mnist --arch cnn --target 2 --poison-rate 0.01 --out runs/b"
A[266]="attack --dataset my_data.npz --arch mlp --target 5 --poison-rate 0.05 --out runs/a"; B[266]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.005 --out runs/b"
A[267]="attack --dataset my_data.npz --arch mlp --target 1 --poison-rate 0.05 --out runs/a"; B[267]="train --dataset my_data.npz --arch mlp --out runs/b"
A[268]="attack --dataset my_data.npz --arch mlp --target 9 --out runs/a";              B[268]="attack --dataset mnist --arch cnn --target 4 --poison-rate 0.1 --out runs/b"
A[269]="attack --dataset my_data.npz --arch mlp --target 2 --poison-rate 0.05 --out runs/a"; B[269]="attack --dataset mnist --arch mlp --target 6 --poison-rate 0.01 --out runs/b"
A[270]="attack --dataset my_data.npz --arch mlp --target 0 --out runs/a";              B[270]="train --dataset mnist --arch cnn --out runs/b"
A[271]="attack --dataset my_data.npz --arch mlp --target 4 --poison-rate 0.05 --out runs/a"; B[271]="attack --dataset mnist --arch mlp --target 1 --poison-rate 0.1 --out runs/b"
A[272]="attack --dataset mnist --arch mlp --target 3 --poison-rate 0.005 --out runs/a"; B[272]="train --dataset my_data.npz --arch mlp --out runs/b"
A[273]="attack --dataset mnist --arch cnn --target 9 --poison-rate 0.005 --out runs/a"; B[273]="train --dataset mnist --arch mlp --out runs/b"
A[274]="attack --dataset mnist --arch mlp --target 5 --poison-rate 0.1 --out runs/a";  B[274]="train --dataset mnist --arch cnn --out runs/b"
A[275]="attack --dataset mnist --arch cnn --target 6 --poison-rate 0.1 --out runs/a";  B[275]="attack --dataset mnist --arch mlp --target 7 --poison-rate 0.01 --out runs/b"
for S in "$@"; do
  cd "$W/s$S" || exit 1
  for L in "${A[$S]}" "${B[$S]}"; do
    echo "== s$S: trojanscope $L --seed $S"
    /usr/bin/time -f "%e s wall %U user %S sys" $TS $L --seed $S --format json > "$(basename ${L##* })".attack.json 2> "$(basename ${L##* })".attack.err
    tail -1 "$(basename ${L##* })".attack.err
  done
  cd - > /dev/null
done
