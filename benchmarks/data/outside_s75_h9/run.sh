#!/bin/bash
# Issue 9, stop 75 (h9): build fresh outside seed 9218 and the fourth maker's fresh 9617, GAP
# heads of the profile that carries the worst family (clean `res_gap` / `dws_gap` heads whose
# probability is the out-of-coverage scorer's own logit, and whole-image GAP backdoors aimed at
# 8 and at the makers' drawn targets beside them), plus ordinary GAP heads; read them only once
# the rule (outside_s75_h9_rule.md) is committed. Stop 74's run.sh shape (two heavy processes at
# most, one torch thread each, one model a process, nice 0) with stop 74's next (3): after each
# build a slot reads its whole backlog (every kept model not yet in its runs file), not one.
# A slot reads only while the gate file $RUN/GO exists, made by hand after the rule's commit
# (the user's `trojanscope detect MODEL.pt --data clean.npz -p blend=true --format json`,
# outside_zoo_score.py --max 1). No build starts after BUILD_CUT; then a slot waits for the gate
# and reads what is left; all stops at SCORE_CUT.
#   bash benchmarks/data/outside_s75_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h975/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# name:8 = aimed at class 8; a bare -bd name keeps the maker's drawn target
# gap_relu-bd{i}: i%4 == 0 SIG, 2 noise blend (whole image); gap_cnn / gap_cls_relu: the maker's
OUTSIDE="gap_relu-bd00:8 gap_cnn-cl00 gap_relu-bd02:8 gap_cls_relu-cl00 gap_cnn-bd00"
OUTSIDE+=" gap_relu-cl00 gap_relu-bd04:8 gap_cls_relu-bd00 gap_cnn-cl01 gap_relu-bd06:8"
OUTSIDE+=" gap_cls_relu-cl01 gap_relu-cl01 gap_cnn-bd01 gap_relu-bd08:8 gap_cls_relu-bd01"
OUTSIDE+=" gap_cnn-cl02 gap_relu-bd10:8 gap_cls_relu-cl02 gap_relu-cl02"
# res_gap-bd{r}: r%4 == 1 lowpass, 2 watermark; dws_gap-bd{r}: r%4 == 0 lowpass, 1 watermark
FOURTH="res_gap-cl00 dws_gap-bd00:8 dws_gap-cl00 res_gap-bd01:8 res_gap-cl01 dws_gap-cl01"
FOURTH+=" dws_gap-bd01 res_gap-cl02 dws_gap-cl02 res_gap-bd02:8 res_gap-cl03 dws_gap-cl03"
FOURTH+=" dws_gap-bd04:8 res_gap-cl04 dws_gap-cl04 res_gap-bd05:8 res_gap-cl05 dws_gap-cl05"
FOURTH+=" dws_gap-bd05 res_gap-cl06 dws_gap-cl06 res_gap-bd06 res_gap-cl07 dws_gap-cl07"
FOURTH+=" dws_gap-bd08:8 res_gap-cl08 dws_gap-cl08 res_gap-bd09:8 res_gap-cl09"
names() { for n in $1; do printf '%s,' "${n%:8}"; done | sed 's/,$//'; }
aims() { for n in $1; do [[ $n == *:8 ]] && printf '%s=8,' "${n%:8}"; done | sed 's/,$//'; }
AIM_OUT=$(aims "$OUTSIDE"); AIM_4=$(aims "$FOURTH"); ORDER_4=$(names "$FOURTH")
kept() { "$PY" -c "import json,sys; print(sum(m.get('kept', True) for m in json.load(open(sys.argv[1]))['models']))" "$RUN/$1/truth.json" 2>/dev/null || echo 0; }
read_n() { [ -f "$RUN/detect$1.jsonl" ] && wc -l < "$RUN/detect$1.jsonl" || echo 0; }
backlog() {  # ZOO S: read every kept model of ZOO not yet in its runs file, only past the gate
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  for _ in $(seq 40); do
    [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
    before=$(read_n "$2")
    [ "$(kept "$1")" -gt "$before" ] || return 0
    timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
        --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
        --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
    [ "$(read_n "$2")" -gt "$before" ] || return 0
  done
}
drain() {  # ZOO S: wait for the gate, then read the backlog
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  backlog "$1" "$2"
}
date -u +"start %T" | tee -a "$RUN/build9218.log" >> "$RUN/build9617.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9218 --out "$RUN/zoo-9218" --per-family 11 \
        --names "${n%:8}" --targets "$AIM_OUT" --ca-retry --tries 3 >> "$RUN/build9218.log" 2>&1
    backlog zoo-9218 9218
  done
  date -u +"builder stopped %T" >> "$RUN/build9218.log"
  drain zoo-9218 9218 ) &
SLOT_A=$!
( for _ in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9617 --out "$RUN/zoo-9617" --per-family 15 \
        --order "$ORDER_4" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9617.log" 2>&1
    backlog zoo-9617 9617
  done
  date -u +"builder stopped %T" >> "$RUN/build9617.log"
  drain zoo-9617 9617 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9218.log" >> "$RUN/build9617.log"
