#!/bin/bash
# Issue 9, stop 64 (h9): fresh outside seed S (outside_zoo.py, K per family, interleaved
# clean/backdoored; the five GAP-head families first, ORDER below, fixed in plan.md) built
# beside ONE scorer of today's default in build order (the user's plain `trojanscope detect
# MODEL.pt --data clean.npz --format json`: C1 is a re-scoring of these runs, no option).
# When the builder stops (done or BUILD_CUT), a second scorer reads from the last model back
# (same runs file). Two heavy processes at any moment, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s64_h9/run.sh S K BUILD_CUT SCORE_CUT
set -u
S=$1; K=$2; BUILD_CUT=$3; SCORE_CUT=$4
ORDER=gap_cnn,gap_cls_relu,gap_relu,res_gn,gap_leaky_bn,dws_cnn,ln_mlp
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
date -u +"start %T" >> "$RUN/build$S.log"
(timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --order "$ORDER" >> "$RUN/build$S.log" 2>&1
 date -u +"builder stopped %T" >> "$RUN/build$S.log"
 timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --trojanscope "$TOOL" --reverse >> "$RUN/score$S-reverse.log" 2>&1) &
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 10; done
timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --trojanscope "$TOOL" --follow >> "$RUN/score$S.log" 2>&1
wait
date -u +"all stopped %T" >> "$RUN/build$S.log"
