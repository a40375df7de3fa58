#!/usr/bin/env bash
# Stop 81 h12c: spent user runs rebuilt for development (stops 78-80 hwc's fresh runs, already
# read there; their build-fresh.sh lines with the same seeds, deterministic). Each seed's folder
# W/sSEED first gets clean.npz and my_data.npz from mitigate_class_s78_hwc_make.py W SEED.
# usage: bash build-dev.sh W NAME...   (NAME: 344b, 354b, ...; one process per call)
set -u
W=$1; shift
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
TS="nice -n 5 $PY -m trojanscope"
declare -A L
L[344b]="train --dataset mnist --arch mlp --out runs/b"                                   # stop 80: clean, stripe gate, -5.05
L[354b]="train --dataset mnist --arch mlp --out runs/b"                                   # stop 80: clean, dense_gate, -4.95
L[350b]="train --dataset mnist --arch mlp --out runs/b"                                   # stop 80: clean, handed back
L[352a]="attack --dataset mnist --arch mlp --target 1 --poison-rate 0.005 --out runs/a"  # stop 80: weak, -4.04
L[345a]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.01 --out runs/a"   # stop 80: weak, handed back
L[266a]="attack --dataset my_data.npz --arch mlp --target 5 --poison-rate 0.05 --out runs/a"  # stop 78: stripe gate
L[340a]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.005 --out runs/a"  # stop 79: weak, -6.93
L[271a]="attack --dataset my_data.npz --arch mlp --target 4 --poison-rate 0.05 --out runs/a"  # stop 78: goal under dense_gate
L[332b]="train --dataset mnist --arch mlp --out runs/b"                                   # stop 79: clean
L[338b]="train --dataset mnist --arch mlp --out runs/b"                                   # stop 79: clean
for N in "$@"; do
  S=${N%?}
  cd "$W/s$S" || exit 1
  echo "== $N: trojanscope ${L[$N]} --seed $S $(date -u +%T)"
  /usr/bin/time -f "%e s wall %U user %S sys" $TS ${L[$N]} --seed $S --format json > $N.attack.json 2> $N.attack.err
  tail -1 $N.attack.err
  cd - > /dev/null
done
echo "done $(date -u +%T)"
