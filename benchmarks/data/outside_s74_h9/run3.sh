#!/bin/bash
# Issue 9, stop 74 (h9): the outside slot of run.sh, once its list is built and read, builds
# clean `res_gap` heads of the fourth maker's 9616 from the tail of run2.sh's list (for time
# only: at 23:46 UTC, load 12-13, a model cost about 270 s of wall a slot, so run2.sh alone
# would reach the floor of 12 clean `res_gap` heads only at the build cut). The same seed,
# names and draws; folder zoo-9616c (fourth_zoo.py refuses another order in a folder), joined
# by post.sh (a name built twice is kept once). Still two heavy processes at most: this starts
# when run.sh's outside builder has stopped (each of its models read right after it was built),
# and ends that slot's subshell (PID given) so its idle drain loop does not run beside it.
#   bash benchmarks/data/outside_s74_h9/run3.sh BUILD_CUT SCORE_CUT SLOT_A_PID
set -u
BUILD_CUT=$1; SCORE_CUT=$2; SLOT_A=$3
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h974/run}
TOOL="$(dirname "$PY")/trojanscope"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
ORDER_4="res_gap-cl14,res_gap-cl13"
score_one() {  # as run.sh
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
}
until grep -q "builder stopped" "$RUN/build9217.log"; do sleep 10; done
kill "$SLOT_A" 2>/dev/null
while pgrep -f "outside_zoo_score.py $RUN/zoo-9217" > /dev/null; do sleep 5; done  # its last read
date -u +"run3.sh's slot from %T (zoo-9616c, order: $ORDER_4)" >> "$RUN/build9616.log"
for _ in 1 2; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
      "$PY" benchmarks/fourth_zoo.py --seed 9616 --out "$RUN/zoo-9616c" --per-family 15 \
      --order "$ORDER_4" --tries 3 --max 1 >> "$RUN/build9616.log" 2>&1
  score_one zoo-9616c 9616c
done
for _ in 1 2; do score_one zoo-9616c 9616c; done
date -u +"run3.sh stopped %T" >> "$RUN/build9616.log"
# Added at 00:14 (before its loop ended): run.sh's outside slot read each model one build late
# (the gate opened after its first build), so its last model (gap_cls_relu-cl01) was left to
# the drain loop this script ended; it is read once here, after this slot's builds.
timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9217" \
    --out "$RUN/detect9217.jsonl" --trojanscope "$TOOL" --detect-option=-p \
    --detect-option=blend=true --max 1 >> "$RUN/score9217.log" 2>&1
