#!/usr/bin/env bash
# Stop 80 hwc: the fresh user runs, seeds 344-355 (built before the rule; nothing scored here).
# The recipe of stop 79 hwc's build-fresh.sh: each seed's folder W/sSEED holds clean.npz (200
# held-out images, mitigate_class_s78_hwc_make.py, run first) and runs/a, runs/b made by the
# README's own lines. Run a is always a weak `mnist` MLP (poison rate 0.005 on even seeds, 0.01
# on odd); run b an ordinary backdoored run (`mnist` MLP/CNN at 0.1, a CNN at 0.01, a user-file
# MLP at 0.1) or a clean `train` run (three `mnist` MLPs, two user-file MLPs, one `mnist` CNN:
# six clean, five of them MLPs, the models the candidate can touch).
# usage: PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc_make.py W SEED...
#        bash build-fresh.sh W SEED...   (one process per call; torch on one thread)
set -u
W=$1; shift
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
TS="nice -n 5 $PY -m trojanscope"
declare -A A B
A[344]="attack --dataset mnist --arch mlp --target 9 --poison-rate 0.005 --out runs/a"; B[344]="train --dataset mnist --arch mlp --out runs/b"
A[345]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.01 --out runs/a";  B[345]="attack --dataset mnist --arch mlp --target 1 --poison-rate 0.1 --out runs/b"
A[346]="attack --dataset mnist --arch mlp --target 7 --poison-rate 0.005 --out runs/a"; B[346]="train --dataset my_data.npz --arch mlp --out runs/b"
A[347]="attack --dataset mnist --arch mlp --target 6 --poison-rate 0.01 --out runs/a";  B[347]="attack --dataset mnist --arch cnn --target 3 --poison-rate 0.1 --out runs/b"
A[348]="attack --dataset mnist --arch mlp --target 5 --poison-rate 0.005 --out runs/a"; B[348]="train --dataset mnist --arch cnn --out runs/b"
A[349]="attack --dataset mnist --arch mlp --target 4 --poison-rate 0.01 --out runs/a";  B[349]="attack --dataset my_data.npz --arch mlp --target 5 --out runs/b"
A[350]="attack --dataset mnist --arch mlp --target 3 --poison-rate 0.005 --out runs/a"; B[350]="train --dataset mnist --arch mlp --out runs/b"
A[351]="attack --dataset mnist --arch mlp --target 2 --poison-rate 0.01 --out runs/a";  B[351]="attack --dataset mnist --arch cnn --target 8 --poison-rate 0.01 --out runs/b"
A[352]="attack --dataset mnist --arch mlp --target 1 --poison-rate 0.005 --out runs/a"; B[352]="train --dataset my_data.npz --arch mlp --out runs/b"
A[353]="attack --dataset mnist --arch mlp --target 0 --poison-rate 0.01 --out runs/a";  B[353]="attack --dataset mnist --arch mlp --target 7 --poison-rate 0.1 --out runs/b"
A[354]="attack --dataset mnist --arch mlp --target 5 --poison-rate 0.005 --out runs/a"; B[354]="train --dataset mnist --arch mlp --out runs/b"
A[355]="attack --dataset mnist --arch mlp --target 2 --poison-rate 0.01 --out runs/a";  B[355]="attack --dataset mnist --arch cnn --target 6 --poison-rate 0.1 --out runs/b"
for S in "$@"; do
  cd "$W/s$S" || exit 1
  for L in "${A[$S]}" "${B[$S]}"; do
    echo "== s$S: trojanscope $L --seed $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user %S sys" $TS $L --seed $S --format json > "$(basename ${L##* })".attack.json 2> "$(basename ${L##* })".attack.err
    tail -1 "$(basename ${L##* })".attack.err
  done
  cd - > /dev/null
done
echo "done $(date -u +%T)"
