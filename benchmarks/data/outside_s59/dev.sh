#!/bin/bash
# Issue 9, stop 59 (h9): development GAP-head CNNs on scratch seed S (development seeds
# 9100-9109 only): outside_zoo.py's gap_cnn models alone (K clean + K backdoored), beside the
# user's detect on each (outside_zoo_score.py --follow); both cut at CUT (UTC). One builder + one
# scorer, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s59/dev.sh S K CUT
set -u
S=$1; K=$2; CUT=$3
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s59/dev}
mkdir -p "$RUN"
t=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
names=$(for i in $(seq 0 $((K - 1))); do printf 'gap_cnn-cl%02d,gap_cnn-bd%02d,' "$i" "$i"; done)
timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" --out "$RUN/zoo-$S" \
    --per-family "$K" --only "${names%,}" >> "$RUN/build$S.log" 2>&1 &
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 5; done
t=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --follow --trojanscope "$(dirname "$PY")/trojanscope" \
    >> "$RUN/score$S.log" 2>&1
wait
