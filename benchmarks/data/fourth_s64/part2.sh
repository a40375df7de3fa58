#!/bin/bash
# Issue 9, stop 64 (h9m), part 2: `mitigate` on the spent 9604 res_gap models exported to ONNX
# with their BatchNorms kept (part2.py prep), before stop 63's BatchNorm copies (a snapshot of
# aea46ff4^) and after (this worktree's src, main 54e67c73), each folder read back (part2.py
# read). Pairs in order: auto (adaptive for ONNX) then ftsam, res_gap-bd01 then res_gap-bd00.
# auto also runs a third code, "frozen" (/tmp/h9m/fix/src: this worktree's src with adaptive's
# FrozenNorms catching every batch-norm layer, the lifted ONNX ones too; its one-line diff is
# written to part2_frozen.diff).
# second.sh runs it in the freed slot (at most 25 minutes). One torch thread, nice 5.
#   bash benchmarks/data/fourth_s64/part2.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
W=${W:-/tmp/h9m/p2} BEFORE=/tmp/h9m/before
D=benchmarks/data/fourth_s64
[ -d "$BEFORE/src" ] || { mkdir -p "$BEFORE"; git -C /work/main archive aea46ff4^ src | tar -x -C "$BEFORE"; }
FIX=/tmp/h9m/fix
if [ ! -d "$FIX/src" ]; then
    mkdir -p "$FIX"; git archive HEAD src | tar -x -C "$FIX"
    sed -i 's/^NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)$/NORMS = (nn.modules.batchnorm._BatchNorm,)/' \
        "$FIX/src/trojanscope/mitigate/adaptive.py"
fi
diff -u src/trojanscope/mitigate/adaptive.py "$FIX/src/trojanscope/mitigate/adaptive.py" > "$D/part2_frozen.diff"
[ -f "$W/res_gap-bd00.onnx" ] || PYTHONPATH=src:benchmarks "$PY" "$D/part2.py" prep \
    /tmp/h9ms63/run/zoo-9604 "$W" res_gap-bd00 res_gap-bd01
for ver in after before; do
    src=src; [ $ver = before ] && src=$BEFORE/src
    PYTHONPATH=$src:benchmarks "$PY" "$D/part2.py" lift "$W" res_gap-bd00 res_gap-bd01 \
        | sed "s/^{/{\"code\": \"$ver\", /"
done
for method in auto ftsam; do
    for name in res_gap-bd01 res_gap-bd00; do
        vers="before after"; [ $method = auto ] && vers="before after frozen"
        for ver in $vers; do
            src=src; [ $ver = before ] && src=$BEFORE/src; [ $ver = frozen ] && src=$FIX/src
            o=$W/out-$name-$method-$ver
            date -u +"%T mitigate $name -m $method ($ver)"
            PYTHONPATH=$src nice -n 5 "$PY" -m trojanscope mitigate "$W/$name.onnx" \
                --data /tmp/h9ms63/run/zoo-9604/clean.npz --eval-triggered "$W/$name-triggered.npz" \
                -m $method --seed 0 --out "$o" --force --format json > "$o.json" 2> "$o.err"
            echo "exit $?"
            [ -f "$o/mitigation.json" ] && PYTHONPATH=src:benchmarks "$PY" "$D/part2.py" read "$W" "$o" \
                | sed "s/^{/{\"code\": \"$ver\", /"
        done
    done
done
date -u +"%T part 2 done"
