#!/bin/bash
# Issue 9, stop 60 (h9m), decided at 09:40 from the build's pace and its CA drops alone (one
# detect result printed then: squash_in-bd00 p 1.000): run.sh's builder would stop at 09:55
# with ~6 models kept and no family of the rule counted, and every allconv try (3 on 9601 and
# 9509, 120-150 s CPU each with its retry) had dropped. After the builder's next finished model
# (truth.json rewritten): stop run.sh's builder branch (so no reverse scorer starts from it),
# resume the same build without SKIP until STOP_AT, then a reverse scorer to CUT. run.sh's
# forward scorer goes on to its own cut.   bash extend.sh S K SKIP STOP_AT CUT
set -u
S=$1; K=$2; SKIP=$3; STOP_AT=$4; CUT=$5
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms60/run}
TOOL="$(dirname "$PY")/trojanscope"
T="$RUN/zoo-$S/truth.json"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
m0=$(stat -c %Y "$T")
while [ "$(stat -c %Y "$T")" = "$m0" ]; do sleep 2; done
B=$(pgrep -f "^$PY benchmarks/fourth_zoo.py --seed $S --out $RUN/zoo-$S") || { echo "no builder"; exit 1; }
TO=$(ps -o ppid= -p "$B" | tr -d ' '); SUB=$(ps -o ppid= -p "$TO" | tr -d ' ')
kill -9 "$SUB"; kill "$TO"
date -u +"builder of run.sh stopped after a model %T; resumed without $SKIP to $STOP_AT" >> "$RUN/build$S.log"
timeout "$(left "$CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --skip "$SKIP" --stop-at "$STOP_AT" >> "$RUN/build$S.log" 2>&1
date -u +"builder exited %T" >> "$RUN/build$S.log"
t=$(left "$CUT")
[ "$t" -gt 0 ] && timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --trojanscope "$TOOL" --reverse > "$RUN/score$S-reverse.log" 2>&1
date -u +"reverse scorer stopped %T" >> "$RUN/build$S.log"
