#!/bin/bash
# Issue 9, stop 60 (h9): fresh outside seed S (outside_zoo.py with every family, K per family,
# interleaved clean/backdoored; within a round the order ORDER below, fixed in plan.md: each
# stop-60 GAP-head family beside the stop-58 family that meets the same trigger in round 0, so
# a cut population holds a trigger family with two backdoored models early) built beside the
# user's detect on each model under today's default (candidate N is a re-scoring of the same
# stored reports). The builder stops at BUILD_CUT; from then a second scorer takes the built
# models from the last one back (--reverse) beside the first (build order, --follow); both
# stop at SCORE_CUT (UTC). Two heavy processes at any moment, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s60/run.sh S K BUILD_CUT SCORE_CUT
set -u
S=$1; K=$2; BUILD_CUT=$3; SCORE_CUT=$4
ORDER=gap_cls_relu,gap_cnn,gap_leaky_bn,dws_cnn,gap_relu,res_gn,ln_mlp
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s60/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --order "$ORDER" >> "$RUN/build$S.log" 2>&1 &
B=$!
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 10; done
timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --follow --trojanscope "$TOOL" >> "$RUN/score$S.log" 2>&1 &
wait "$B"  # the builder, to its cut
timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --reverse --trojanscope "$TOOL" >> "$RUN/score$S-reverse.log" 2>&1
wait
