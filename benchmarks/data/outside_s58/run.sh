#!/bin/bash
# Issue 9, stop 58 (h9): build outside_zoo.py populations beside their scorer, both cut by the
# clock so a reading exists. The builder makes seed S1 (K1 per family), then — only when S1 is
# whole before SECOND_BY — seed S2 (K2 per family); it stops at BUILD_CUT. The scorer runs the
# user's detect on each model as it appears (--follow), S1 then S2, and stops at SCORE_CUT
# (UTC times). One builder + one scorer: two heavy processes, one torch thread each, nice 5.
#   bash benchmarks/data/outside_s58/run.sh S1 K1 S2 K2 SECOND_BY BUILD_CUT SCORE_CUT
set -u
S1=$1; K1=$2; S2=$3; K2=$4; SECOND_BY=$5; BUILD_CUT=$6; SCORE_CUT=$7
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s58/run}
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
build() {  # seed, per family
    local t; t=$(left "$BUILD_CUT"); [ "$t" -gt 0 ] || return
    timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$1" --out "$RUN/zoo-$1" \
        --per-family "$2" >> "$RUN/build$1.log" 2>&1
}
score() {  # seed
    until [ -f "$RUN/zoo-$1/truth.json" ]; do
        [ "$(left "$SCORE_CUT")" -gt 0 ] || return; sleep 10
    done
    local t; t=$(left "$SCORE_CUT"); [ "$t" -gt 0 ] || return
    timeout "$t" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$1" \
        --out "$RUN/detect$1.jsonl" --follow --trojanscope "$(dirname "$PY")/trojanscope" \
        >> "$RUN/score$1.log" 2>&1
}
( build "$S1" "$K1"
  if grep -q '"complete": true' "$RUN/zoo-$S1/truth.json" && [ "$(left "$SECOND_BY")" -gt 0 ]
  then build "$S2" "$K2"; fi ) &
score "$S1"
sleep 30  # the second build, if any, has made its folder by now
[ -d "$RUN/zoo-$S2" ] && score "$S2"
wait
