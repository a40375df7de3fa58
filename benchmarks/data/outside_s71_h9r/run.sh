#!/bin/bash
# Issue 9, stop 71 (h9r): the risk side of today's default (C7), measurement only. Fresh outside
# seed 9214 and the fourth maker's fresh 9613 (h9's spares, rule71.md), GAP heads only, every
# backdoored model aimed at class 8 (the noise favourite of 110 of 114 development clean GAP
# heads; the makers fix the target before training, so it cannot be each model's own favourite).
# Two heavy processes at most (one torch thread each, nice 5); each slot builds one model, then
# reads it with the user's `trojanscope detect MODEL.pt --data clean.npz -p blend=true --format
# json` (outside_zoo_score.py --max 1; the stored probability is today's default, C7), in turn
# (stop 67's run.sh shape). No slot starts a build after BUILD_CUT; everything stops at SCORE_CUT.
#   bash benchmarks/data/outside_s71_h9r/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9r71/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# two backdoored to one clean; every backdoored one aimed at 8
OUTSIDE="gap_cnn-bd00 gap_cls_relu-bd00 gap_relu-cl00 gap_relu-bd00 gap_cnn-bd01 gap_cls_relu-cl00"
OUTSIDE+=" gap_cls_relu-bd01 gap_relu-bd01 gap_cnn-cl00 gap_cnn-bd02 gap_cls_relu-bd02"
OUTSIDE+=" gap_relu-cl01 gap_relu-bd02 gap_cnn-cl01"
AIM_OUT=$(for n in $OUTSIDE; do [[ $n == *-bd* ]] && printf '%s=8,' "$n"; done); AIM_OUT=${AIM_OUT%,}
FOURTH=res_gap-bd00,dws_gap-bd00,res_gap-cl00,res_gap-bd01,dws_gap-bd01,dws_gap-cl00
FOURTH+=,res_gap-bd02,dws_gap-bd02,res_gap-cl01,res_gap-bd03,dws_gap-bd03,dws_gap-cl01
AIM_4=$(for n in ${FOURTH//,/ }; do [[ $n == *-bd* ]] && printf '%s=8,' "$n"; done); AIM_4=${AIM_4%,}
score_one() {  # ZOO S: one model of ZOO not yet in its runs file
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
}
date -u +"start %T" | tee -a "$RUN/build9214.log" >> "$RUN/build9613.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9214 --out "$RUN/zoo-9214" --per-family 6 \
        --names "$n" --targets "$AIM_OUT" --ca-retry --tries 3 >> "$RUN/build9214.log" 2>&1
    score_one zoo-9214 9214
  done
  date -u +"builder stopped %T" >> "$RUN/build9214.log"
  for _ in 1 2 3; do score_one zoo-9214 9214; done ) &
SLOT_A=$!
( for _ in ${FOURTH//,/ }; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9613 --out "$RUN/zoo-9613" --per-family 6 \
        --order "$FOURTH" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9613.log" 2>&1
    score_one zoo-9613 9613
  done
  date -u +"builder stopped %T" >> "$RUN/build9613.log"
  for _ in 1 2 3; do score_one zoo-9613 9613; done ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9214.log" >> "$RUN/build9613.log"
