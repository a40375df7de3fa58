#!/bin/bash
# Issue 9, stop 73 (h9): build fresh outside seed 9216 and the fourth maker's fresh 9615, GAP
# heads only, and read them only once the rule (outside_s73_h9_rule.md) is committed. Two heavy processes at
# most (one torch thread each, nice 5). Each slot builds one model a process (stop 71 h9r's
# run.sh shape); a slot scores its built models (the user's `trojanscope detect MODEL.pt --data
# clean.npz -p blend=true --format json`, outside_zoo_score.py --max 1) only while the gate file
# $RUN/GO exists, made by hand after the rule's commit. No build starts after BUILD_CUT; after
# its list (or the cut) a slot waits for the gate and scores what is left; all stops at SCORE_CUT.
# Backdoored models: about two thirds aimed at class 8 (the noise favourite of the development
# clean GAP heads), the rest at the maker's drawn target; clean heads of every family, res_gap's
# (which lean to 8) among them. Lists are ordered so the rule's floors come first.
#   bash benchmarks/data/outside_s72_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h973/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# name:8 = aimed at class 8; a bare -bd name keeps the maker's drawn target
OUTSIDE="gap_cnn-cl00 gap_cls_relu-bd00:8 gap_relu-cl00 gap_cnn-bd00:8 gap_cls_relu-cl00"
OUTSIDE+=" gap_relu-bd00:8 gap_cnn-bd01 gap_cnn-cl01 gap_cls_relu-bd01:8 gap_relu-cl01"
OUTSIDE+=" gap_cls_relu-bd02 gap_cnn-bd02:8 gap_cls_relu-cl01 gap_relu-bd01 gap_cnn-cl02"
OUTSIDE+=" gap_relu-cl02 gap_cls_relu-cl02 gap_relu-bd02:8"
OUTSIDE+=" gap_cnn-cl03 gap_cls_relu-cl03 gap_cnn-bd03:8 gap_relu-cl03 gap_cls_relu-bd03"
FOURTH="res_gap-cl00 dws_gap-bd00:8 res_gap-bd00:8 dws_gap-cl00 res_gap-cl01 dws_gap-bd01"
FOURTH+=" res_gap-bd01 dws_gap-cl01 res_gap-cl02 dws_gap-bd02:8 res_gap-bd02:8 dws_gap-cl02"
FOURTH+=" res_gap-cl03 dws_gap-cl03"
FOURTH+=" res_gap-cl04 dws_gap-bd03:8 res_gap-bd03 dws_gap-cl04 res_gap-cl05"
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
date -u +"start %T" | tee -a "$RUN/build9216.log" >> "$RUN/build9615.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9216 --out "$RUN/zoo-9216" --per-family 6 \
        --names "${n%:8}" --targets "$AIM_OUT" --ca-retry --tries 3 >> "$RUN/build9216.log" 2>&1
    score_one zoo-9216 9216
  done
  date -u +"builder stopped %T" >> "$RUN/build9216.log"
  drain zoo-9216 9216 ) &
SLOT_A=$!
( for _ in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9615 --out "$RUN/zoo-9615" --per-family 6 \
        --order "$ORDER_4" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9615.log" 2>&1
    score_one zoo-9615 9615
  done
  date -u +"builder stopped %T" >> "$RUN/build9615.log"
  drain zoo-9615 9615 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9216.log" >> "$RUN/build9615.log"
