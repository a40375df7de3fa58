#!/bin/bash
# Issue 9, stop 71 (h9): after the rule's commit, the two build slots of build.sh are stopped
# (about 16:20) and restarted here: each slot first reads every kept model of its seed, then
# builds one model and reads every kept model of its seed not yet read (the user's
# `trojanscope detect MODEL.pt --data clean.npz -p blend=true --format json`,
# outside_zoo_score.py; the stored probability is today's default, C5), in
# turn: two heavy processes at most, every model read soon after it is made. The same lists
# and options as build.sh (a model a slot had in training when stopped is built again from its
# seed). No slot starts a build after BUILD_CUT; everything stops at SCORE_CUT. Run from a copy
# of the rule's commit (git archive), so later edits do not change what is read.
#   bash benchmarks/data/outside_s71_h9/run2.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h971/run}
TOOL="$(dirname "$PY")/trojanscope"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
OUTSIDE="gap_cnn-cl00 gap_cls_relu-cl00 gap_relu-bd00 gap_relu-cl00 gap_cnn-cl01"
OUTSIDE+=" gap_cls_relu-cl01 gap_cnn-bd00 gap_relu-cl01 gap_cnn-cl02 gap_cls_relu-bd02"
OUTSIDE+=" gap_cls_relu-cl02 gap_relu-cl02 gap_cnn-bd02 gap_cnn-cl03 gap_cls_relu-cl03"
OUTSIDE+=" gap_relu-cl03 gap_cls_relu-bd00 gap_cnn-cl04 gap_cls_relu-cl04 gap_relu-cl04"
OUTSIDE+=" gap_cnn-bd01 gap_cnn-cl05 gap_cls_relu-cl05 gap_relu-bd01 gap_relu-cl05"
FOURTH=res_gap-cl00,dws_gap-cl00,res_gap-bd02,res_gap-cl01,dws_gap-cl01,dws_gap-bd01
FOURTH+=,res_gap-cl02,dws_gap-cl02,res_gap-bd01,res_gap-cl03,dws_gap-cl03,dws_gap-bd00
FOURTH+=,res_gap-cl04,dws_gap-cl04,res_gap-cl05,dws_gap-cl05,res_gap-bd00,dws_gap-bd02
FOURTH+=,res_gap-bd03,dws_gap-bd03
score() {  # S: every kept model of zoo-S not yet in its runs file
  [ -f "$RUN/zoo-$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$1" \
      --out "$RUN/detect$1.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true >> "$RUN/score$1.log" 2>&1
}
date -u +"run2 start %T" | tee -a "$RUN/build9213.log" >> "$RUN/build9612.log"
( score 9213
  for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    grep -q "\"name\": \"$n\"" "$RUN/zoo-9213/truth.json" 2>/dev/null && continue
    timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo.py --seed 9213 \
        --out "$RUN/zoo-9213" --per-family 6 --names "$n" --ca-retry --tries 3 \
        >> "$RUN/build9213.log" 2>&1
    score 9213
  done
  date -u +"builder stopped %T" >> "$RUN/build9213.log"
  score 9213 ) &
SLOT_A=$!
( score 9612
  for _ in ${FOURTH//,/ }; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/fourth_zoo.py --seed 9612 \
        --out "$RUN/zoo-9612" --per-family 6 --order "$FOURTH" --tries 3 --max 1 \
        >> "$RUN/build9612.log" 2>&1
    score 9612
  done
  date -u +"builder stopped %T" >> "$RUN/build9612.log"
  score 9612 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
date -u +"all stopped %T" >> "$RUN/build9213.log"
