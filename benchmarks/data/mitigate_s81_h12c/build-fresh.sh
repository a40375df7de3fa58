#!/usr/bin/env bash
# Stop 81 h12c: the fresh user runs, seeds 392-403 (built before the rule; nothing scored here).
# The recipe of stop 80 hwc's build-fresh.sh (each seed's folder W/sSEED holds clean.npz, the
# 200 held-out images of mitigate_class_s78_hwc_make.py, run first, and runs/a, runs/b made by
# the README's own lines), with about half the runs clean, as issue 12's task for this stop
# asks: run a a weak `mnist` MLP on the five odd seeds 393-401 (poison rate 0.005 / 0.01
# alternating) and a clean MLP on the other seven; run b an ordinary backdoored run at poison
# rate 0.1 (eight `mnist` MLPs, one `mnist` CNN) on nine seeds and a clean MLP on three.
# Clean: 10 MLPs (7 `mnist`, 3 user-file); backdoored: 5 weak MLPs, 9 ordinary runs.
# usage: PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s78_hwc_make.py W SEED...
#        bash build-fresh.sh W SEED...   (one process per call; torch on one thread)
set -u
W=$1; shift
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
TS="nice -n 5 $PY -m trojanscope"
CM="train --dataset mnist --arch mlp --out runs/a"
declare -A A B
A[392]="$CM";                                                                            B[392]="attack --dataset mnist --arch mlp --target 1 --poison-rate 0.1 --out runs/b"
A[393]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.005 --out runs/a"; B[393]="train --dataset my_data.npz --arch mlp --out runs/b"
A[394]="$CM";                                                                            B[394]="attack --dataset mnist --arch cnn --target 3 --poison-rate 0.1 --out runs/b"
A[395]="attack --dataset mnist --arch mlp --target 6 --poison-rate 0.01 --out runs/a";  B[395]="attack --dataset mnist --arch mlp --target 4 --poison-rate 0.1 --out runs/b"
A[396]="$CM";                                                                            B[396]="attack --dataset mnist --arch mlp --target 7 --poison-rate 0.1 --out runs/b"
A[397]="attack --dataset mnist --arch mlp --target 2 --poison-rate 0.005 --out runs/a"; B[397]="train --dataset mnist --arch mlp --out runs/b"
A[398]="$CM";                                                                            B[398]="attack --dataset mnist --arch mlp --target 0 --poison-rate 0.1 --out runs/b"
A[399]="attack --dataset mnist --arch mlp --target 5 --poison-rate 0.01 --out runs/a";  B[399]="attack --dataset mnist --arch mlp --target 9 --poison-rate 0.1 --out runs/b"
A[400]="$CM";                                                                            B[400]="attack --dataset mnist --arch mlp --target 6 --poison-rate 0.1 --out runs/b"
A[401]="attack --dataset mnist --arch mlp --target 3 --poison-rate 0.005 --out runs/a"; B[401]="train --dataset my_data.npz --arch mlp --out runs/b"
A[402]="$CM";                                                                            B[402]="attack --dataset mnist --arch mlp --target 2 --poison-rate 0.1 --out runs/b"
A[403]="train --dataset my_data.npz --arch mlp --out runs/a";                            B[403]="attack --dataset mnist --arch mlp --target 8 --poison-rate 0.1 --out runs/b"
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
