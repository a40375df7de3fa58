#!/bin/bash
# Issue 9, stop 61 (h9): fresh outside seed S (outside_zoo.py with every family, K per family,
# interleaved clean/backdoored; within a round the GAP-head families first, ORDER below, fixed
# in plan.md, so a cut population still holds them) built beside the user's detect on each
# model with candidate T's twins read (-p twins=2: the stored probability is today's default,
# the twins' features join the report; T is a re-scoring of the same stored reports). The
# builder stops at BUILD_CUT; from then a second scorer takes the built models from the last
# one back (--reverse) beside the first (build order, --follow); both stop at SCORE_CUT (UTC).
# Two heavy processes at any moment, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s61/run.sh S K BUILD_CUT SCORE_CUT
set -u
S=$1; K=$2; BUILD_CUT=$3; SCORE_CUT=$4
ORDER=gap_cls_relu,gap_cnn,gap_leaky_bn,gap_relu,res_gn,dws_cnn,ln_mlp
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s61/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --order "$ORDER" >> "$RUN/build$S.log" 2>&1 &
B=$!
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 10; done
timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --follow --trojanscope "$TOOL" \
    --detect-option=-p --detect-option=twins=2 >> "$RUN/score$S.log" 2>&1 &
wait "$B"  # the builder, to its cut
timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --reverse --trojanscope "$TOOL" \
    --detect-option=-p --detect-option=twins=2 >> "$RUN/score$S-reverse.log" 2>&1
wait
