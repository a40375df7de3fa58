#!/bin/bash
# Issue 9, stop 63 (h9): fresh outside seed S (outside_zoo.py, K per family, interleaved
# clean/backdoored; GAP-head families first, ORDER below, fixed in plan.md) built beside ONE
# scorer in build order until SCORE_CUT (UTC): the user's detect with -p named=true on each
# built model (the stored probability is today's default: the shipped file has no named-check
# term; the per-class readings join the report, so C0 and C are re-scorings of the same runs).
# Two heavy processes at any moment, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s63_h9/run.sh S K BUILD_CUT SCORE_CUT
set -u
S=$1; K=$2; BUILD_CUT=$3; SCORE_CUT=$4
ORDER=gap_cnn,gap_cls_relu,gap_leaky_bn,gap_relu,res_gn,dws_cnn,ln_mlp
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
date -u +"start %T" >> "$RUN/build$S.log"
timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --order "$ORDER" >> "$RUN/build$S.log" 2>&1 &
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 10; done
timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --trojanscope "$TOOL" --follow \
    --detect-option=-p --detect-option=named=true >> "$RUN/score$S.log" 2>&1
wait
date -u +"all stopped %T" >> "$RUN/build$S.log"
