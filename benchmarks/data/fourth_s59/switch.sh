#!/bin/bash
# Issue 9, stop 59 (h9m), decided at 06:55 from the pace alone (a model built every ~4 min, one
# scored every ~2 min: the builder, not the scorer, bounds the population): instead of run.sh's
# switch at SWITCH_AT (builder stopped, a second scorer from the back), wait after AFTER for the
# builder to finish a model (truth.json rewritten), stop run.sh's builder branch there (so no
# reverse scorer starts and no model in training is lost), and resume the same build
# (fourth_zoo.py resumes a folder of the same seed) until BUILD_CUT; the forward scorer of
# run.sh keeps following to its own cut.   bash switch.sh S K AFTER BUILD_CUT
set -u
S=$1; K=$2; AFTER=$3; BUILD_CUT=$4
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms59/run}
T="$RUN/zoo-$S/truth.json"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
sleep "$(( $(left "$AFTER") > 0 ? $(left "$AFTER") : 0 ))"
m0=$(stat -c %Y "$T")
while [ "$(stat -c %Y "$T")" = "$m0" ]; do sleep 2; done
B=$(pgrep -f "^$PY benchmarks/fourth_zoo.py --seed $S --out $RUN/zoo-$S") || { echo "no builder"; exit 1; }
TO=$(ps -o ppid= -p "$B" | tr -d ' '); SUB=$(ps -o ppid= -p "$TO" | tr -d ' ')
kill -9 "$SUB"; kill "$TO"
date -u +"builder of run.sh stopped after a model %T; resumed to $BUILD_CUT" >> "$RUN/build$S.log"
timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" >> "$RUN/build$S.log" 2>&1
date -u +"builder stopped %T" >> "$RUN/build$S.log"
