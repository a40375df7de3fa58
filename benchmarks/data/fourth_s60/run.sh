#!/bin/bash
# Issue 9, stop 60 (h9m): build a fourth_zoo.py population beside the user's detect on each
# model, cut by the clock so a reading exists. One builder (fourth_zoo.py --seed S
# --per-family K --stop-at STOP_AT: no model is started after STOP_AT, the one in training is
# finished) and one scorer (outside_zoo_score.py --follow, in build order) from the start; once
# the builder exits, a second scorer runs from the last model built back (--reverse, same runs
# file). Everything stops at CUT (UTC). Two heavy processes at any time, one torch thread each,
# nice 5.   bash benchmarks/data/fourth_s60/run.sh S K STOP_AT CUT
# (stop 61: BUILD_ARGS, e.g. "--order NAMES", is passed to the builder as further options)
set -u
S=$1; K=$2; STOP_AT=$3; CUT=$4
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms60/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
score() {  # extra scorer options
    local t; t=$(left "$CUT"); [ "$t" -gt 0 ] || return
    timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
        --out "$RUN/detect$S.jsonl" --trojanscope "$TOOL" "$@"
}
date -u +"build start %T"
( timeout "$(left "$CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --stop-at "$STOP_AT" ${BUILD_ARGS:-} > "$RUN/build$S.log" 2>&1
  date -u +"builder exited %T" >> "$RUN/build$S.log"
  score --reverse > "$RUN/score$S-reverse.log" 2>&1 ) &
until [ -f "$RUN/zoo-$S/truth.json" ]; do [ "$(left "$CUT")" -gt 0 ] || exit 1; sleep 10; done
score --follow > "$RUN/score$S.log" 2>&1
wait
date -u +"all stopped %T"
