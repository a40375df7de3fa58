#!/bin/bash
# Issue 9, stop 60 (h9): development GAP-head CNNs of the trait sets added at stop 60 on scratch
# seed S (development seeds 9104-9109 only): outside_zoo.py's named models (NAMES, comma-
# separated) beside the user's detect on each under today's default (outside_zoo_score.py
# --follow); both cut at CUT (UTC). One builder + one scorer, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s60/dev.sh S K NAMES CUT
set -u
S=$1; K=$2; NAMES=$3; CUT=$4
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s60/dev}
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
timeout "$(left "$CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" --out "$RUN/zoo-$S" \
    --per-family "$K" --only "$NAMES" >> "$RUN/build$S.log" 2>&1 &
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 5; done
timeout "$(left "$CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --follow --trojanscope "$(dirname "$PY")/trojanscope" \
    >> "$RUN/score$S.log" 2>&1
wait
