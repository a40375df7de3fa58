#!/usr/bin/env bash
# Stop 82 h12c: the fresh user runs, seeds 422-433 (built before the rule; nothing scored here).
# The recipe of stop 81 h12c's build-fresh.sh (each seed's folder W/sSEED holds clean.npz, the
# 200 held-out images of mitigate_class_s78_hwc_make.py, run first, and runs/a, runs/b made by
# the README's own lines), with about a third of the runs clean, as issue 12's task for this
# stop asks: run b an ordinary backdoored `mnist` MLP at poison rate 0.1 on all twelve seeds
# (the family stop 81 left 5-11 points down); run a a weak `mnist` MLP on four seeds (poison
# rate 0.005 / 0.01 / 0.02 / 0.02), a clean MLP on the other eight (six `mnist`, two user-file).
# Clean: 8 MLPs (6 `mnist`, 2 user-file); backdoored: 12 ordinary MLPs, 4 weak MLPs.
# usage: PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc_make.py W SEED...
#        bash build-fresh.sh W SEED...   (one process per call; torch on one thread)
set -u
W=$1; shift
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
TS="nice -n 5 $PY -m trojanscope"
CM="train --dataset mnist --arch mlp --out runs/a"
CU="train --dataset my_data.npz --arch mlp --out runs/a"
OB="attack --dataset mnist --arch mlp --poison-rate 0.1 --out runs/b --target"
declare -A A B
A[422]="$CM";                                                                            B[422]="$OB 3"
A[423]="attack --dataset mnist --arch mlp --target 7 --poison-rate 0.005 --out runs/a"; B[423]="$OB 1"
A[424]="$CM";                                                                            B[424]="$OB 5"
A[425]="$CM";                                                                            B[425]="$OB 0"
A[426]="attack --dataset mnist --arch mlp --target 4 --poison-rate 0.01 --out runs/a";  B[426]="$OB 8"
A[427]="$CM";                                                                            B[427]="$OB 2"
A[428]="$CM";                                                                            B[428]="$OB 6"
A[429]="attack --dataset mnist --arch mlp --target 9 --poison-rate 0.02 --out runs/a";  B[429]="$OB 4"
A[430]="$CM";                                                                            B[430]="$OB 9"
A[431]="$CU";                                                                            B[431]="$OB 7"
A[432]="attack --dataset mnist --arch mlp --target 0 --poison-rate 0.02 --out runs/a";  B[432]="$OB 3"
A[433]="$CU";                                                                            B[433]="$OB 5"
for S in "$@"; do
  cd "$W/s$S" || exit 1
  for L in "${A[$S]}" "${B[$S]}"; do
    R=$(echo "$L" | grep -o 'runs/[ab]'); R=${R#runs/}
    echo "== s$S: trojanscope $L --seed $S $(date -u +%T)"
    /usr/bin/time -f "%e s wall %U user %S sys" $TS $L --seed $S --format json > $R.attack.json 2> $R.attack.err
    tail -1 $R.attack.err
  done
  cd - > /dev/null
done
echo "done $(date -u +%T)"
