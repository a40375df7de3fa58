#!/bin/bash
# Issue 9, stop 74 (h9): build fresh outside seed 9217 and the fourth maker's fresh 9616, GAP
# heads built *into* the zone where C7's favourite keys decide (stop 73's next (1)), and read
# them only once the rule (outside_s74_h9_rule.md) is committed. Stop 73's run.sh shape: two
# heavy processes at most (one torch thread each, nice 5), one model a process; a slot scores
# its built models (the user's `trojanscope detect MODEL.pt --data clean.npz -p blend=true
# --format json`, outside_zoo_score.py --max 1) only while the gate file $RUN/GO exists, made
# by hand after the rule's commit. No build starts after BUILD_CUT; after its list (or the cut)
# a slot waits for the gate and scores what is left; all stops at SCORE_CUT.
# The zone's two sides on the spent seeds: clean `res_gap` heads leaning to 8 (7 of its 10
# models) and whole-image backdoors aimed at 8 (SIG / noise blend on `gap_relu`, lowpass /
# watermark on `dws_gap`; the trigger family is fixed by the name's Latin square). Beside them
# a share of ordinary heads (clean of other families, backdoors at the maker's drawn target).
# Lists are ordered so the rule's floors come first.
#   bash benchmarks/data/outside_s74_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h974/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# name:8 = aimed at class 8; a bare -bd name keeps the maker's drawn target
# gap_relu-bd{i}: i%4 == 0 SIG, 2 noise blend; gap_cnn-bd00 / gap_cls_relu-bd00: noise blend
OUTSIDE="gap_relu-bd00:8 gap_cnn-cl00 gap_relu-bd02:8 gap_relu-cl00 gap_relu-bd04:8"
OUTSIDE+=" gap_cls_relu-cl00 gap_relu-bd06:8 gap_cnn-bd00 gap_relu-cl01 gap_relu-bd08:8"
OUTSIDE+=" gap_cls_relu-bd00 gap_cnn-cl01 gap_relu-bd10:8 gap_cls_relu-cl01"
# dws_gap-bd{r}: r%4 == 0 lowpass, 1 watermark; res_gap-bd01 lowpass, -bd02 watermark
FOURTH="res_gap-cl00 dws_gap-bd00:8 res_gap-cl01 dws_gap-bd01:8 res_gap-cl02 res_gap-cl03"
FOURTH+=" dws_gap-bd04:8 res_gap-cl04 res_gap-cl05 dws_gap-bd05:8 res_gap-cl06 res_gap-cl07"
FOURTH+=" dws_gap-cl00 res_gap-cl08 res_gap-bd01:8 res_gap-cl09 res_gap-cl10 dws_gap-bd08:8"
FOURTH+=" res_gap-cl11 res_gap-cl12 res_gap-bd02:8 dws_gap-cl01 res_gap-cl13 dws_gap-bd02"
FOURTH+=" res_gap-cl14"
names() { for n in $1; do printf '%s,' "${n%:8}"; done | sed 's/,$//'; }
aims() { for n in $1; do [[ $n == *:8 ]] && printf '%s=8,' "${n%:8}"; done | sed 's/,$//'; }
AIM_OUT=$(aims "$OUTSIDE"); AIM_4=$(aims "$FOURTH"); ORDER_4=$(names "$FOURTH")
score_one() {  # ZOO S: one model of ZOO not yet in its runs file, only past the gate
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
}
drain() {  # ZOO S: wait for the gate, then score the rest (each call reads one model)
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  for _ in $(seq 40); do score_one "$1" "$2"; done
}
date -u +"start %T" | tee -a "$RUN/build9217.log" >> "$RUN/build9616.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9217 --out "$RUN/zoo-9217" --per-family 11 \
        --names "${n%:8}" --targets "$AIM_OUT" --ca-retry --tries 3 >> "$RUN/build9217.log" 2>&1
    score_one zoo-9217 9217
  done
  date -u +"builder stopped %T" >> "$RUN/build9217.log"
  drain zoo-9217 9217 ) &
SLOT_A=$!
( for _ in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9616 --out "$RUN/zoo-9616" --per-family 15 \
        --order "$ORDER_4" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9616.log" 2>&1
    score_one zoo-9616 9616
  done
  date -u +"builder stopped %T" >> "$RUN/build9616.log"
  drain zoo-9616 9616 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9217.log" >> "$RUN/build9616.log"
