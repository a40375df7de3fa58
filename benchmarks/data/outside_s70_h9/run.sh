#!/bin/bash
# Issue 9, stop 70 (h9): fresh outside seed 9212 and the fourth maker's fresh 9611, built and
# read with two heavy processes at most (one torch thread each, nice 5). Each slot builds one
# model and then scores it, in turn, so every kept model is read soon after it is made:
#   slot A: outside_zoo.py --seed 9212 --per-family 6 --names <one> --ca-retry --tries 3
#   slot B: fourth_zoo.py --seed 9611 --per-family 6 --order FOURTH --tries 3 --max 1
# then the user's `trojanscope detect MODEL.pt --data clean.npz -p blend=true --format json`
# (outside_zoo_score.py --max 1; the stored probability is today's default, C5, and the report
# carries the named-check record, unchecked_top_class, where the term renamed). No slot
# starts a build after BUILD_CUT; everything stops at SCORE_CUT.
#   bash benchmarks/data/outside_s70_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s70/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
# seconds to the coming UTC clock time HH:MM:SS (tomorrow's where today's is 12 h past)
left() { local t now; t=$(date -u -d "$1" +%s); now=$(date -u +%s)
         [ "$t" -lt $((now - 43200)) ] && t=$((t + 86400)); echo $((t - now)); }
# GAP-head families only (plan.md): the floors (20 clean and 8 backdoored GAP heads) in each
# slot's first 14 (10 clean, 4 backdoored: SIG and noise blends here, watermarks and lowpass in
# slot B, where C6's risk sits), spare clean models after them
OUTSIDE="gap_cnn-cl00 gap_cls_relu-cl00 gap_relu-bd00 gap_relu-cl00 gap_cnn-cl01"
OUTSIDE+=" gap_cls_relu-cl01 gap_cnn-bd00 gap_relu-cl01 gap_cnn-cl02 gap_cls_relu-bd02"
OUTSIDE+=" gap_cls_relu-cl02 gap_relu-cl02 gap_cnn-bd02 gap_cnn-cl03 gap_cls_relu-cl03"
OUTSIDE+=" gap_relu-cl03 gap_cls_relu-bd00 gap_cnn-cl04 gap_cls_relu-cl04 gap_relu-cl04"
FOURTH=res_gap-cl00,dws_gap-cl00,res_gap-bd02,res_gap-cl01,dws_gap-cl01,dws_gap-bd01
FOURTH+=,res_gap-cl02,dws_gap-cl02,res_gap-bd01,res_gap-cl03,dws_gap-cl03,dws_gap-bd00
FOURTH+=,res_gap-cl04,dws_gap-cl04,res_gap-cl05,dws_gap-cl05,res_gap-bd00,dws_gap-bd02
score_one() {  # ZOO S: one model of ZOO not yet in its runs file
  [ -f "$RUN/$1/truth.json" ] || return 0
  timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
}
date -u +"start %T" | tee -a "$RUN/build9212.log" >> "$RUN/build9611.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed 9212 \
        --out "$RUN/zoo-9212" --per-family 6 --names "$n" --ca-retry --tries 3 \
        >> "$RUN/build9212.log" 2>&1
    score_one zoo-9212 9212
  done
  date -u +"builder stopped %T" >> "$RUN/build9212.log"
  for _ in 1 2 3; do score_one zoo-9212 9212; done ) &
SLOT_A=$!
( for _ in ${FOURTH//,/ }; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed 9611 \
        --out "$RUN/zoo-9611" --per-family 6 --order "$FOURTH" --tries 3 --max 1 \
        >> "$RUN/build9611.log" 2>&1
    score_one zoo-9611 9611
  done
  date -u +"builder stopped %T" >> "$RUN/build9611.log"
  for _ in 1 2 3; do score_one zoo-9611 9611; done ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" >> "$RUN/build9212.log"
