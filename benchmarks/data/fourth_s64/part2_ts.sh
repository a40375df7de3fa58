#!/bin/bash
# Issue 9, stop 64 (h9m), part 2's reference: the same two spent 9604 res_gap models mitigated
# from their TorchScript files (the lift folds each BatchNorm into the convolution before it, so
# no batch-norm layer trains), auto and ftsam, this worktree's src (main 54e67c73), each folder
# read back as part2.sh's. Two models at once (two heavy processes), one torch thread, nice 5.
#   bash benchmarks/data/fourth_s64/part2_ts.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
W=${W:-/tmp/h9m/p2} Z=/tmp/h9ms63/run/zoo-9604
D=benchmarks/data/fourth_s64
one() {  # NAME: auto then ftsam on the TorchScript file
    for method in auto ftsam; do
        o=$W/out-$1-$method-torchscript
        date -u +"%T mitigate $1.pt -m $method"
        PYTHONPATH=src nice -n 5 "$PY" -m trojanscope mitigate "$Z/$1.pt" --data "$Z/clean.npz" \
            --eval-triggered "$W/$1-triggered.npz" -m $method --seed 0 --out "$o" --force \
            --format json > "$o.json" 2> "$o.err"
        echo "exit $?"
        PYTHONPATH=src:benchmarks "$PY" "$D/part2.py" read "$W" "$o" | sed 's/^{/{"code": "torchscript", /'
    done
}
one res_gap-bd01 > "$W/ts-bd01.log" 2>&1 &
one res_gap-bd00 > "$W/ts-bd00.log" 2>&1
wait
cat "$W/ts-bd01.log" "$W/ts-bd00.log"
